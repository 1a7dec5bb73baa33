import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { REDACTED, RedactingSpanExporter, redactSpan } from './span-redaction.js';

const USAGER = '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001';

function span(overrides: Partial<ReadableSpan> & { attributes: Attributes }): ReadableSpan {
  return {
    name: 'GET',
    kind: SpanKind.SERVER,
    spanContext: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }),
    parentSpanContext: undefined,
    startTime: [1, 0],
    endTime: [2, 0],
    status: { code: SpanStatusCode.UNSET },
    links: [],
    events: [],
    duration: [1, 0],
    ended: true,
    resource: resourceFromAttributes({ 'service.name': 'dui-pds' }),
    instrumentationScope: { name: 'test' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    ...overrides,
  };
}

describe('span redaction', () => {
  it('put the route pattern where a server span had the path, and drop the query and the caller', () => {
    // given
    const route = '/organisations/:organisationId/usagers/:serviceUserId/notes';
    const recorded = span({
      attributes: {
        'http.route': route,
        'url.path': `/organisations/og-a/usagers/${USAGER}/notes`,
        'http.target': `/organisations/og-a/usagers/${USAGER}/notes?nom=Durand`,
        'url.full': `https://dui.example.org/organisations/og-a/usagers/${USAGER}/notes?nom=Durand`,
        'url.query': 'nom=Durand',
        'client.address': '203.0.113.9',
        'user_agent.original': 'Mozilla/5.0',
        'http.response.status_code': 200,
      },
    });

    // when
    const redacted = redactSpan(recorded);

    // then
    expect(redacted.attributes).to.deep.equal({
      'http.route': route,
      'url.path': route,
      'http.target': route,
      'url.full': `https://dui.example.org${route}`,
      'http.response.status_code': 200,
    });
    expect(redacted.spanContext()).to.deep.equal(recorded.spanContext());
  });

  it('say (redacted) for a path no route matched, and keep only the origin of an outgoing call', () => {
    // when
    const server = redactSpan(span({ attributes: { 'url.path': `/dossiers/${USAGER}` } }));
    const client = redactSpan(
      span({
        kind: SpanKind.CLIENT,
        attributes: {
          'url.full': 'https://annuaire.example.org/fhir/v2/Practitioner?name=Durand',
          'server.address': 'annuaire.example.org',
        },
      }),
    );

    // then
    expect(server.attributes['url.path']).to.equal(REDACTED);
    expect(client.attributes).to.deep.equal({
      'url.full': 'https://annuaire.example.org',
      'server.address': 'annuaire.example.org',
    });
  });

  it('keep an exception’s type and frames but neither its message nor the status message', () => {
    // given
    const message = `duplicate key value violates unique constraint: Key (nom)=(Durand) already exists for ${USAGER}`;
    const recorded = span({
      kind: SpanKind.CLIENT,
      attributes: { 'db.statement': 'insert into dui.events (id, data) values ($1, $2)' },
      status: { code: SpanStatusCode.ERROR, message },
      events: [
        {
          name: 'exception',
          time: [1, 5],
          attributes: {
            'exception.type': 'DatabaseError',
            'exception.message': message,
            'exception.stacktrace': `DatabaseError: ${message}\n    at Parser.parseErrorMessage (parser.js:287:98)\n    at Socket.emit (node:events:519:28)`,
          },
        },
      ],
    });

    // when
    const redacted = redactSpan(recorded);

    // then
    expect(JSON.stringify(redacted)).not.to.include('Durand');
    expect(JSON.stringify(redacted)).not.to.include(USAGER);
    expect(redacted.status).to.deep.equal({ code: SpanStatusCode.ERROR });
    expect(redacted.events[0]?.attributes).to.deep.equal({
      'exception.type': 'DatabaseError',
      'exception.stacktrace':
        '    at Parser.parseErrorMessage (parser.js:287:98)\n    at Socket.emit (node:events:519:28)',
    });
    expect(redacted.attributes['db.statement']).to.equal('insert into dui.events (id, data) values ($1, $2)');
  });

  it('hand the exporter the redacted spans only', async () => {
    // given
    const exported: ReadableSpan[][] = [];
    const inner: SpanExporter = {
      export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
        exported.push(spans);
        done({ code: 0 });
      },
      shutdown: async () => undefined,
    };
    const exporter = new RedactingSpanExporter(inner);

    // when
    const result = await new Promise<ExportResult>((resolve) =>
      exporter.export([span({ attributes: { 'url.path': `/usagers/${USAGER}` } })], resolve),
    );

    // then
    expect(result.code).to.equal(0);
    expect(exported[0]?.[0]?.attributes['url.path']).to.equal(REDACTED);
  });
});
