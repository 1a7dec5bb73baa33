import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropSchemasStartingWith, TEST_DATABASE_URL, testPostgres } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { redisNames } from '../app/redis-names.js';
import { ServerProcess } from '../app/testing/server-process.js';
import { ServerUnderTest } from '../app/testing/server-under-test.js';
import { openSession, RedisSessionStore } from '../auth/index.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** The parts of an OTLP/HTTP JSON export the tests read. */
interface ExportedSpan {
  traceId: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}
interface TraceExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: Record<string, unknown> }[] };
    scopeSpans: { scope: { name: string }; spans: ExportedSpan[] }[];
  }[];
}

/** A collector's OTLP/HTTP traces endpoint on loopback, keeping what it receives, raw and parsed. */
class OtlpReceiver {
  readonly bodies: string[] = [];
  readonly contentTypes: string[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'POST' && request.url === '/v1/traces') {
          receiver.bodies.push(Buffer.concat(chunks).toString('utf8'));
          receiver.contentTypes.push(request.headers['content-type'] ?? '');
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Every span received, with its scope and its resource's service name. */
  spans(): (ExportedSpan & { scope: string; serviceName: unknown; attribute(key: string): unknown })[] {
    return this.bodies.flatMap((body) =>
      (JSON.parse(body) as TraceExport).resourceSpans.flatMap((resourceSpans) => {
        const serviceName = resourceSpans.resource.attributes.find((entry) => entry.key === 'service.name')?.value
          .stringValue;
        return resourceSpans.scopeSpans.flatMap(({ scope, spans }) =>
          spans.map((span) => ({
            ...span,
            scope: scope.name,
            serviceName,
            attribute: (key: string) => {
              const value = span.attributes.find((entry) => entry.key === key)?.value;
              return value === undefined ? undefined : Object.values(value)[0];
            },
          })),
        );
      }),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function eventually<T>(find: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not received in time: ${what}`);
    await sleep(100);
  }
}

describe('OpenTelemetry traces (e2e)', function () {
  this.timeout(180_000);
  let receiver: OtlpReceiver;
  const schemas: string[] = [];

  before(async () => {
    receiver = await OtlpReceiver.start();
  });

  after(async () => {
    await receiver.close();
    const knex = testPostgres(1);
    try {
      for (const schema of schemas) await dropSchemasStartingWith(knex, schema);
    } finally {
      await knex.destroy();
    }
  });

  it('sends the server’s spans to the OTLP endpoint: service name, the request under its route pattern, its SQL, and no usager id, name or token', async () => {
    // given a nurse in the care team of a usager, a session, and the server as its own process, traced
    const usager = randomUUID();
    const seeded = await ServerUnderTest.start();
    schemas.push(seeded.schema);
    await seeded.asSystem(
      'og-a',
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: '750000001', role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: 'pro-nurse', serviceUserId: usager, facilityId: '750000001' },
    );
    await seeded.close({ keepData: true });
    const redis = new Redis(REDIS_URL);
    const { token } = await openSession(
      new RedisSessionStore(redis, { keyPrefix: redisNames(seeded.schema).sessions }),
      {
        professionalId: 'pro-nurse',
        displayName: 'Infirmier',
        provider: 'test',
      },
    );
    redis.disconnect();
    const server = ServerProcess.server({
      DATABASE_URL: TEST_DATABASE_URL,
      DUI_SCHEMA: seeded.schema,
      DUI_MASTER_KEY: seeded.masterKey,
      REDIS_URL,
      PORT: '0',
      LOG_LEVEL: 'silent',
      DUI_RETENTION_JOB_HOURS: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      OTEL_SERVICE_NAME: '',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      const url = await server.url();
      const notes = `${url}/organisations/og-a/usagers/${usager}/notes`;
      const noteId = randomUUID();

      // when the nurse writes a note naming someone, then reads the notes
      const written = await fetch(notes, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': noteId },
        body: JSON.stringify({
          noteId,
          facilityId: '750000001',
          sensitivity: 'social',
          text: 'Vu Mme Durand-Secretnom',
        }),
      });
      const read = await fetch(`${notes}?facilityId=750000001`, { headers: { authorization: `Bearer ${token}` } });
      await fetch(`${url}/health`);

      // then the collector receives the request's span under its route pattern, with its SQL beneath it
      expect(written.status).to.equal(201);
      expect(read.status).to.equal(200);
      const route = '/organisations/:organisationId/usagers/:serviceUserId/notes';
      const request = await eventually(
        () =>
          receiver
            .spans()
            .find((span) => span.scope.endsWith('instrumentation-http') && span.attribute('http.route') === route),
        'the server span of the notes request',
      );
      const sql = await eventually(
        () =>
          receiver
            .spans()
            .find((span) => span.scope.endsWith('instrumentation-pg') && span.traceId === request.traceId),
        'a PostgreSQL span in the same trace',
      );
      expect(request.serviceName).to.equal('dui-pds');
      expect(request.kind).to.equal(2); // SERVER
      expect(receiver.contentTypes.every((type) => type.startsWith('application/json'))).to.equal(true);
      expect(String(sql.attribute('db.statement') ?? sql.attribute('db.query.text'))).to.match(/\bselect|insert\b/i);
      expect(receiver.spans().some((span) => span.attribute('url.path') === '/health')).to.equal(false);
      const payload = receiver.bodies.join('\n');
      expect(payload).not.to.include(usager);
      expect(payload).not.to.include(noteId);
      expect(payload).not.to.include('Durand');
      expect(payload).not.to.include('facilityId=');
      expect(payload).not.to.include(token);
    } finally {
      server.signal('SIGKILL');
      await server.exited;
    }
  });
});
