import { randomUUID } from 'node:crypto';
import { checkedSchemaName, DEFAULT_SCHEMA, migrateEventStore, type SchemaMigration } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import type { IdempotencyClaim, IdempotencyKeeper, KeptAnswer } from './idempotency-store.js';

/**
 * Idempotency keys in PostgreSQL (or embedded PGlite): the default when there is no Redis. Times
 * come from the database's clock, which every instance shares. Expired rows are taken over by a
 * new claim, and swept now and then.
 */
export const createIdempotencyKeysTable: SchemaMigration = {
  name: '0001_idempotency_keys',
  async up(knex, schema) {
    await knex.raw(
      `create table ??.idempotency_keys (
        key text primary key,
        fingerprint text not null,
        state text not null check (state in ('in-progress', 'completed')),
        token uuid not null,
        response jsonb,
        expires_at timestamptz not null,
        constraint idempotency_keys_completed_has_a_response check ((state = 'completed') = (response is not null))
      )`,
      [schema],
    );
    await knex.raw('create index idempotency_keys_expiry on ??.idempotency_keys (expires_at)', [schema]);
  },
};

export const idempotencyStoreMigrations: readonly SchemaMigration[] = [createIdempotencyKeysTable];

/** Creates `<schema>.idempotency_keys` if needed; its steps are recorded apart from the event store's. */
export async function migrateIdempotencyStore(knex: Knex, options: { schema?: string } = {}): Promise<void> {
  await migrateEventStore(knex, {
    schema: options.schema ?? DEFAULT_SCHEMA,
    migrations: idempotencyStoreMigrations,
    tableName: 'idempotency_migrations',
  });
}

export interface PostgresIdempotencyStoreOptions {
  /** Defaults to `dui`. */
  schema?: string;
  /** How often expired rows are deleted, at most; one hour by default. */
  sweepEveryMs?: number;
}

type HeldRow = [state: string, fingerprint: string, response: KeptAnswer | string | null];

export class PostgresIdempotencyStore implements IdempotencyKeeper {
  private readonly table: string;
  private readonly sweepEveryMs: number;
  private lastSweep = 0;

  constructor(
    private readonly knex: Knex,
    options: PostgresIdempotencyStoreOptions = {},
  ) {
    this.table = `${checkedSchemaName(options.schema ?? DEFAULT_SCHEMA)}.idempotency_keys`;
    this.sweepEveryMs = options.sweepEveryMs ?? 60 * 60 * 1000;
  }

  async claim(key: string, fingerprint: string, lockTtlMs: number): Promise<IdempotencyClaim<KeptAnswer>> {
    this.sweepNowAndThen();
    const token = randomUUID();
    // One statement claims a free or expired key, or returns what holds it: no window between the two.
    const { rows } = (await this.knex
      .raw(
        `with claimed as (
         insert into ${this.table} as held (key, fingerprint, state, token, response, expires_at)
         values (?, ?, 'in-progress', ?, null, now() + ? * interval '1 millisecond')
         on conflict (key) do update
           set fingerprint = excluded.fingerprint, state = excluded.state, token = excluded.token,
               response = null, expires_at = excluded.expires_at
           where held.expires_at <= now()
         returning 'claimed'::text as state, null::text as fingerprint, null::jsonb as response
       )
       select state, fingerprint, response from claimed
       union all
       select state, fingerprint, response from ${this.table}
        where key = ? and not exists (select from claimed)`,
        [key, fingerprint, token, lockTtlMs, key],
      )
      .options({ rowMode: 'array' })) as { rows: HeldRow[] };
    const row = rows[0];
    if (row === undefined) return this.claim(key, fingerprint, lockTtlMs);
    const [state, heldFingerprint, response] = row;
    if (state === 'claimed') return { state: 'claimed', token };
    if (state === 'completed' && response !== null) {
      return {
        state: 'completed',
        fingerprint: heldFingerprint,
        response: typeof response === 'string' ? (JSON.parse(response) as KeptAnswer) : response,
      };
    }
    return { state: 'in-progress', fingerprint: heldFingerprint };
  }

  async complete(key: string, token: string, response: KeptAnswer, ttlMs: number): Promise<void> {
    await this.knex.raw(
      `update ${this.table}
          set state = 'completed', response = ?::jsonb, expires_at = now() + ? * interval '1 millisecond'
        where key = ? and token = ?`,
      [JSON.stringify(response), ttlMs, key, token],
    );
  }

  async release(key: string, token: string): Promise<void> {
    await this.knex.raw(`delete from ${this.table} where key = ? and token = ?`, [key, token]);
  }

  /** Deletes expired keys; returns how many. */
  async sweepExpired(): Promise<number> {
    const { rows } = (await this.knex
      .raw(
        `with swept as (delete from ${this.table} where expires_at <= now() returning 1) select count(*)::int from swept`,
      )
      .options({ rowMode: 'array' })) as { rows: [number][] };
    return rows[0]?.[0] ?? 0;
  }

  private sweepNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastSweep < this.sweepEveryMs) return;
    this.lastSweep = now;
    // Best effort, off the request's path: a failed sweep only leaves rows for the next one.
    this.sweepExpired().catch(() => {});
  }
}
