import { setTimeout as sleep } from 'node:timers/promises';
import { migrateEventStore, PostgresEventStore } from '@dui-pds/eventstore';
import {
  dropSchemasStartingWith,
  TEST_DATABASE_URL,
  testEvent,
  testPostgres,
  uniqueOrganisationId,
  uniqueSchema,
} from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { modelRows } from '../src/runtime/model-rows.js';
import { ProjectionRuntime } from '../src/runtime/projection-runtime.js';
import { countingProjection } from '../src/testing/counting-projection.js';
import { countedEvents, WorkerProcess, waitFor } from './worker-processes.js';

const EVENTS = 100_000;
const STREAMS = 200;
const KILLS = 5;

describe('an async projection killed with SIGKILL', function () {
  this.timeout(300_000);
  let knex: Knex;
  let schema: string;

  before(async () => {
    knex = testPostgres();
    schema = uniqueSchema('crash');
    await migrateEventStore(knex, { schema });
  });
  after(async () => {
    await dropSchemasStartingWith(knex, schema);
    await knex.destroy();
  });

  it(`applies each of ${EVENTS.toLocaleString('en')} events exactly once across ${KILLS} crashes and restarts`, async () => {
    // given 100,000 events in the log
    const store = new PostgresEventStore(knex, { schema });
    const organisationId = uniqueOrganisationId();
    for (let offset = 0; offset < EVENTS; offset += 500) {
      const events = Array.from({ length: 500 }, () => testEvent(organisationId, { type: 'Counted', data: {} }));
      await store.appendToStream(`compte-${(offset / 500) % STREAMS}`, events);
    }
    const runtime = new ProjectionRuntime({ knex, store, schema, projections: [countingProjection] });
    const env = { DATABASE_URL: TEST_DATABASE_URL, STORE_SCHEMA: schema, LEASES: 'postgres' };

    // when a worker process is killed at five random moments, and restarted each time
    const appliedBeforeKills: number[] = [];
    for (let kill = 1; kill <= KILLS; kill += 1) {
      const worker = new WorkerProcess(`worker-${kill}`, env);
      await worker.ready();
      await waitFor(
        () => worker.applied().length > 0,
        30_000,
        () => `worker-${kill} applied nothing: ${worker.stderr}`,
      );
      await sleep(100 + Math.random() * 1_500);
      await worker.kill('SIGKILL');
      appliedBeforeKills.push((await runtime.status())[0]!.active!.eventsDone);
    }
    const last = new WorkerProcess('worker-last', env);
    await last.ready();
    const counted = await countedEvents(knex, runtime.readSchema('counting'), EVENTS, 240_000);
    expect(counted, `the projection did not catch up: ${last.stderr}`).to.equal(EVENTS);
    await last.kill('SIGTERM');

    // then the crashes happened along the way, not before the work or after it
    expect(appliedBeforeKills.at(-1)).to.be.lessThan(EVENTS);
    expect(new Set(appliedBeforeKills).size).to.equal(KILLS);
    // and the model equals a from-scratch rebuild, row for row
    const live = await modelRows(knex, runtime.readSchema('counting'), 'stream_counts');
    const rebuilt = await runtime.replay('counting', { head: true });
    expect(live).to.deep.equal(await rebuilt.rows('stream_counts'));
    expect(live.reduce((sum, row) => sum + Number(row.events), 0)).to.equal(EVENTS);
    await rebuilt.dispose();
    await runtime.close();
  });
});
