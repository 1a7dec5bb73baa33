import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HabilitationCommand, habilitationsDecider, habilitationsStreamId } from '@dui-pds/domain';
import { handleCommand } from '@dui-pds/eventstore';
import { dropSchemasStartingWith, TEST_DATABASE_URL, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import type { AnnuaireSante, Dmp, Insi } from '@dui-pds/segur-adapters';
import { MemorySessionStore, openSession } from '../../auth/index.js';
import { createLogger, loadServerConfig } from '../../server/index.js';
import { type DuiServer, startDuiServer } from '../compose.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads any field of an answer and lets the assertion fail
  body: any;
  /** The body as received, for answers that are not JSON (a PDF). */
  bytes: Uint8Array;
}

export interface RequestOptions {
  /** A session token (`loginAs`); none for an anonymous request. */
  as?: string;
  body?: unknown;
  /** Raw text sent as the JSON body, for malformed documents. */
  rawBody?: string;
  ifMatch?: string;
  /** Defaults to a fresh key on every POST. */
  idempotencyKey?: string | null;
}

/**
 * The real server (composition root, routes, authentication, projections) on the test
 * PostgreSQL, in a schema of its own, listening on a free port. Sessions are opened directly in
 * its session store, as a login would.
 */
export class ServerUnderTest {
  private constructor(
    readonly server: DuiServer,
    readonly schema: string,
    readonly masterKey: string,
    private readonly sessions: MemorySessionStore,
  ) {}

  /** `data`: an earlier run's schema and master key, to start again on what it left (a restart). */
  static async start(
    env: Record<string, string> = {},
    data: { schema: string; masterKey: string } = {
      schema: uniqueSchema('http'),
      masterKey: randomBytes(32).toString('base64'),
    },
    services: { insi?: Insi; annuaireSante?: AnnuaireSante; dmp?: Dmp; clock?: () => Date } = {},
  ): Promise<ServerUnderTest> {
    const { schema, masterKey } = data;
    const config = loadServerConfig({
      DATABASE_URL: TEST_DATABASE_URL,
      DUI_SCHEMA: schema,
      DUI_MASTER_KEY: masterKey,
      PORT: '0',
      // TEST_LOG_LEVEL=error shows the server's own account of an unexpected answer (no personal data)
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
      // the tests run the end-of-retention job themselves, with their clock
      DUI_RETENTION_JOB_HOURS: '0',
      DUI_BLOB_DIR: blobDirectoryOf(schema),
      ...env,
    });
    const sessions = new MemorySessionStore();
    const server = await startDuiServer(config, createLogger({ level: config.logLevel }), {
      sessionStore: sessions,
      ...services,
    });
    return new ServerUnderTest(server, schema, masterKey, sessions);
  }

  get url(): string {
    return this.server.url;
  }

  /** A session of this professional, as after a login; returns the bearer token. */
  async loginAs(professionalId: string): Promise<string> {
    const { token } = await openSession(this.sessions, {
      professionalId,
      displayName: professionalId,
      provider: 'test',
    });
    return token;
  }

  /** Administration done by the system (the first grants of an organisation cannot come from anyone else). */
  async asSystem(organisationId: string, ...commands: HabilitationCommand[]): Promise<void> {
    for (const command of commands) {
      await handleCommand(this.server.store, habilitationsDecider, {
        streamId: habilitationsStreamId(organisationId),
        commandId: randomUUID(),
        command,
        metadata: { organisationId, actor: { kind: 'system', id: 'test' }, occurredAt: new Date().toISOString() },
      });
    }
  }

  async request(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    // One connection per request: the server runs in this process, so a test that holds the event
    // loop past its keep-alive timeout (fast-check building a 56 MB body) would otherwise send on a
    // socket the server is closing at that moment, and get ECONNRESET instead of an answer.
    const headers: Record<string, string> = { connection: 'close' };
    if (options.as) headers.authorization = `Bearer ${options.as}`;
    if (options.ifMatch) headers['if-match'] = options.ifMatch;
    if (method === 'POST' && options.idempotencyKey !== null)
      headers['idempotency-key'] = options.idempotencyKey ?? randomUUID();
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = options.rawBody ?? JSON.stringify(options.body);
    }
    const response = await fetch(`${this.url}${path}`, { method, headers, body }).catch((error: unknown) => {
      // undici says only "fetch failed": what failed (a reset, a closed socket) is in its cause
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`${method} ${path}: ${String(error)} (${cause?.code ?? cause?.message ?? 'no cause'})`, {
        cause: error,
      });
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text for the assertion to show
    }
    return { status: response.status, headers: response.headers, body: parsed, bytes };
  }

  /** How many events the whole log holds (every stream, every tenant). */
  async eventCount(): Promise<number> {
    const [row] = await this.server.knex(`${this.schema}.events`).count({ count: '*' });
    return Number(row?.count ?? 0);
  }

  /** The type and stream of the last events appended, newest first: what a test shows when some appeared. */
  async lastEvents(count: number): Promise<string[]> {
    const rows: { type: string; stream_id: string }[] = await this.server
      .knex(`${this.schema}.events`)
      .select('type', 'stream_id')
      .orderBy('global_position', 'desc')
      .limit(count);
    return rows.map((row) => `${row.type} in ${row.stream_id}`);
  }

  /** Stops the server; its data stays unless `keepData` is false (the default drops its schemas). */
  async close(options: { keepData?: boolean } = {}): Promise<void> {
    await this.server.close();
    if (options.keepData) return;
    await rm(blobDirectoryOf(this.schema), { recursive: true, force: true });
    const knex = testPostgres(1);
    try {
      await dropSchemasStartingWith(knex, this.schema);
    } finally {
      await knex.destroy();
    }
  }
}

/** The documents' files of one test server, beside its schema: dropped with it. */
function blobDirectoryOf(schema: string): string {
  return join(tmpdir(), 'dui-test-blobs', schema);
}
