import { checkedSchemaName, DEFAULT_SCHEMA, migrateEventStore, type SchemaMigration } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import type { SessionRecord, SessionStore } from './session-store.js';

/**
 * Sessions in PostgreSQL: where they are kept for good when Redis is only their cache (ADR 0018),
 * so that a Redis that stops or restarts empty logs nobody out. One table for every kind of
 * session, told apart by `kind` (the professionals', the portal's).
 */
export const createSessionsTable: SchemaMigration = {
  name: '0001_sessions',
  async up(knex, schema) {
    await knex.raw(
      `create table ??.sessions (
        kind text not null,
        session_id text not null,
        record jsonb not null,
        expires_at timestamptz not null,
        primary key (kind, session_id)
      )`,
      [schema],
    );
    await knex.raw('create index sessions_expiry on ??.sessions (expires_at)', [schema]);
  },
};

/** Creates `<schema>.sessions` if needed; its steps are recorded apart from the event store's. */
export async function migrateSessionStore(knex: Knex, options: { schema?: string } = {}): Promise<void> {
  await migrateEventStore(knex, {
    schema: options.schema ?? DEFAULT_SCHEMA,
    migrations: [createSessionsTable],
    tableName: 'session_migrations',
  });
}

export interface PostgresSessionStoreOptions {
  /** Defaults to `dui`. */
  schema?: string;
  /** Which sessions: `professional` by default, `portal` for the usagers'. */
  kind?: string;
  /** How often expired rows are deleted, at most; one hour by default. */
  sweepEveryMs?: number;
}

export class PostgresSessionStore implements SessionStore {
  readonly #knex: Knex;
  readonly #table: string;
  readonly #kind: string;
  readonly #sweepEveryMs: number;
  #lastSweep = 0;

  constructor(knex: Knex, options: PostgresSessionStoreOptions = {}) {
    this.#knex = knex;
    this.#table = `${checkedSchemaName(options.schema ?? DEFAULT_SCHEMA)}.sessions`;
    this.#kind = options.kind ?? 'professional';
    this.#sweepEveryMs = options.sweepEveryMs ?? 60 * 60 * 1000;
  }

  async put(sessionId: string, record: SessionRecord): Promise<void> {
    const expiresAt = Date.parse(record.expiresAt);
    if (!Number.isFinite(expiresAt)) throw new TypeError(`session expiry is not a date: ${record.expiresAt}`);
    this.#sweepNowAndThen();
    await this.#knex.raw(
      `insert into ${this.#table} (kind, session_id, record, expires_at) values (?, ?, ?::jsonb, ?)
       on conflict (kind, session_id) do update set record = excluded.record, expires_at = excluded.expires_at`,
      [this.#kind, sessionId, JSON.stringify(record), new Date(expiresAt).toISOString()],
    );
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const { rows } = (await this.#knex.raw(
      `select record from ${this.#table} where kind = ? and session_id = ? and expires_at > now()`,
      [this.#kind, sessionId],
    )) as { rows: { record: SessionRecord | string }[] };
    const record = rows[0]?.record;
    if (record === undefined) return undefined;
    return typeof record === 'string' ? (JSON.parse(record) as SessionRecord) : record;
  }

  async delete(sessionId: string): Promise<void> {
    await this.#knex.raw(`delete from ${this.#table} where kind = ? and session_id = ?`, [this.#kind, sessionId]);
  }

  /** Deletes expired sessions of every kind; returns how many. */
  async sweepExpired(): Promise<number> {
    const { rows } = (await this.#knex.raw(
      `with swept as (delete from ${this.#table} where expires_at <= now() returning 1) select count(*)::int as swept from swept`,
    )) as { rows: { swept: number }[] };
    return rows[0]?.swept ?? 0;
  }

  #sweepNowAndThen(): void {
    const now = Date.now();
    if (now - this.#lastSweep < this.#sweepEveryMs) return;
    this.#lastSweep = now;
    // Best effort, off the request's path: a failed sweep only leaves rows for the next one.
    this.sweepExpired().catch(() => {});
  }
}
