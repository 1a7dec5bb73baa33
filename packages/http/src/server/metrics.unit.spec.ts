import { InMemoryEventStore } from '@dui-pds/eventstore';
import { testEvent } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { countingAppends, type ProjectionLag, ServerMetrics } from './metrics.js';
import { sampleOf } from './testing/prometheus-text.js';

describe('server metrics', () => {
  it('count requests by method, route pattern and status class, with their durations', async () => {
    // given
    const metrics = new ServerMetrics();

    // when
    metrics.requestAnswered({ method: 'GET', route: '/usagers/:serviceUserId', status: 200, seconds: 0.02 });
    metrics.requestAnswered({ method: 'GET', route: '/usagers/:serviceUserId', status: 204, seconds: 0.3 });
    metrics.requestAnswered({ method: 'BREW', route: '(unmatched)', status: 404, seconds: 0.001 });

    // then
    const { text } = await metrics.exposition();
    const ok = { method: 'GET', route: '/usagers/:serviceUserId', status_class: '2xx' };
    expect(sampleOf(text, 'dui_http_requests_total', ok)).to.equal(2);
    expect(sampleOf(text, 'dui_http_request_duration_seconds_count', ok)).to.equal(2);
    expect(sampleOf(text, 'dui_http_request_duration_seconds_bucket', { ...ok, le: '0.025' })).to.equal(1);
    expect(sampleOf(text, 'dui_http_request_duration_seconds_sum', ok)).to.be.closeTo(0.32, 1e-9);
    // an unknown method is not a label value of its own: a client could make up any number of them
    expect(
      sampleOf(text, 'dui_http_requests_total', { method: 'OTHER', route: '(unmatched)', status_class: '4xx' }),
    ).to.equal(1);
  });

  it('give the lag of async projections only, read at every scrape', async () => {
    // given
    let statuses: ProjectionLag[] = [
      { name: 'waiting-list', mode: 'async', behindEvents: 12, behindSeconds: 3.5 },
      { name: 'habilitations', mode: 'inline', behindEvents: 0, behindSeconds: 0 },
      { name: 'documents', mode: 'async', behindEvents: 4, behindSeconds: undefined },
    ];
    let reads = 0;
    const metrics = new ServerMetrics({
      projections: {
        status: async () => {
          reads += 1;
          return statuses;
        },
      },
    });

    // when
    const first = (await metrics.exposition()).text;
    statuses = [{ name: 'waiting-list', mode: 'async', behindEvents: 0, behindSeconds: 0 }];
    const second = (await metrics.exposition()).text;

    // then
    expect(sampleOf(first, 'dui_projection_lag_events', { projection: 'waiting-list' })).to.equal(12);
    expect(sampleOf(first, 'dui_projection_lag_seconds', { projection: 'waiting-list' })).to.equal(3.5);
    expect(sampleOf(first, 'dui_projection_lag_events', { projection: 'documents' })).to.equal(4);
    expect(sampleOf(first, 'dui_projection_lag_seconds', { projection: 'documents' })).to.equal(undefined);
    expect(sampleOf(first, 'dui_projection_lag_events', { projection: 'habilitations' })).to.equal(undefined);
    expect(sampleOf(second, 'dui_projection_lag_events', { projection: 'waiting-list' })).to.equal(0);
    expect(sampleOf(second, 'dui_projection_lag_events', { projection: 'documents' })).to.equal(undefined);
    expect(reads, 'one status read per scrape, for both gauges').to.equal(2);
  });

  it('still answer a scrape when the projections’ status cannot be read, and say why to the caller', async () => {
    // given
    const failures: unknown[] = [];
    const metrics = new ServerMetrics({
      projections: {
        status: async () => {
          throw new Error('connection refused');
        },
      },
      onProjectionStatusError: (error) => failures.push(error),
    });
    metrics.requestAnswered({ method: 'GET', route: '/health', status: 200, seconds: 0.001 });

    // when
    const { text } = await metrics.exposition();

    // then
    expect(sampleOf(text, 'dui_http_requests_total', { route: '/health' })).to.equal(1);
    expect(sampleOf(text, 'dui_projection_lag_events')).to.equal(undefined);
    expect(failures).to.have.length(1);
  });

  it('include the process’s memory and event loop lag', async () => {
    // when
    const { text, contentType } = await new ServerMetrics().exposition();

    // then
    expect(contentType).to.match(/^text\/plain; version=0\.0\.4/);
    expect(sampleOf(text, 'process_resident_memory_bytes')).to.be.greaterThan(0);
    expect(sampleOf(text, 'nodejs_eventloop_lag_seconds')).to.be.a('number');
  });
});

describe('countingAppends', () => {
  it('count the events an append wrote, by type, and nothing for a retried append that wrote nothing', async () => {
    // given
    const metrics = new ServerMetrics();
    const store = countingAppends(new InMemoryEventStore(), metrics);
    const events = [
      testEvent('og-1', { type: 'NoteRecorded' }),
      testEvent('og-1', { type: 'NoteRecorded' }),
      testEvent('og-1', { type: 'NoteCorrected' }),
    ];

    // when
    await store.appendToStream('notes-1', events);
    const retried = await store.appendToStream('notes-1', events);

    // then
    expect(retried.alreadyAppended).to.equal(true);
    const { text } = await metrics.exposition();
    expect(sampleOf(text, 'dui_events_appended_total', { type: 'NoteRecorded' })).to.equal(2);
    expect(sampleOf(text, 'dui_events_appended_total', { type: 'NoteCorrected' })).to.equal(1);
    expect(await store.readStream('notes-1')).to.have.length(3);
  });
});
