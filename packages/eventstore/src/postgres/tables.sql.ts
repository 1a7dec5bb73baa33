import type { SchemaMigration } from './migration.js';
import { EventStoreSqlState } from './sqlstate.js';

/**
 * The log and the stream heads.
 *
 * Indexes are only those a read or a check needs, because every index is paid on every append:
 * - `id` unique: idempotent re-appends and duplicate ids;
 * - `(stream_id, stream_revision)` unique: stream reads, and the last guard against two writers
 *   taking the same revision;
 * - `(transaction_id, global_position)`: the global log in reader order (ADR 0003);
 * - `(organisation_id, transaction_id, global_position)`: the same, for one tenant.
 *
 * Hashes are stored as 32 raw bytes (half the size of hex) and shown as hex on the way out.
 * No foreign key from events to streams: it would cost a lookup per event and protect nothing the
 * append function does not already guarantee.
 */
export const createEventStoreTables: SchemaMigration = {
  name: '0001_event_store_tables',
  async up(knex, schema) {
    const statements = [
      `create table ${schema}.streams (
        stream_id text primary key,
        organisation_id text not null,
        revision int not null,
        head_hash bytea
      )`,
      `create table ${schema}.events (
        global_position bigserial primary key,
        transaction_id xid8 not null default pg_current_xact_id(),
        id uuid not null constraint events_id_unique unique,
        stream_id text not null,
        stream_revision int not null,
        type text not null,
        version int not null,
        data json not null,
        metadata json not null,
        organisation_id text not null,
        service_user_id text,
        occurred_at timestamptz not null,
        recorded_at timestamptz not null,
        previous_hash bytea not null,
        hash bytea not null,
        constraint events_stream_revision_unique unique (stream_id, stream_revision)
      )`,
      `create index events_global_order on ${schema}.events (transaction_id, global_position)`,
      `create index events_tenant_global_order on ${schema}.events (organisation_id, transaction_id, global_position)`,
      // The log is append-only (DESIGN.md, Events): an ordinary mistake cannot rewrite it. Someone
      // who can disable this trigger can; the hash chains are there to show it.
      `create function ${schema}.refuse_event_rewrite() returns trigger language plpgsql as $fn$
      begin
        raise exception using errcode = '${EventStoreSqlState.eventLogIsAppendOnly}', message = 'the event log is append-only: events are never updated or deleted';
      end
      $fn$`,
      `create trigger events_append_only before update or delete on ${schema}.events
        for each row execute function ${schema}.refuse_event_rewrite()`,
    ];
    // one statement per call: PGlite runs each query as a prepared statement
    for (const statement of statements) await knex.raw(statement);
  },
};
