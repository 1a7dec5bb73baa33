import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { RecordedEvent } from '../event.js';
import type { EventStore } from '../event-store.js';
import { canonicalJson, GENESIS_HASH, hashEvent } from '../hash-chain.js';
import { InProcessAppendNotifier } from '../notifier.js';
import type { EventStoreTampering, EventStoreUnderTest } from '../testing/conformance.js';
import { connectPostgres } from './connect.js';
import { migrateEventStore } from './migrations.js';
import { PostgresEventStore } from './postgres-event-store.js';

/** Test helpers of the PostgreSQL specs: where the server is, and schemas of their own. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function testPostgres(poolSize = 10): Knex {
  return connectPostgres(TEST_DATABASE_URL, { poolSize });
}

/** A schema no other suite or run uses: tests drop it when they are done. */
export function uniqueSchema(label: string): string {
  return `test_${label}_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(knex: Knex, schema: string): Promise<void> {
  await knex.raw(`drop schema if exists ${schema} cascade`);
}

/** Drops a test's schema and every schema named after it (a projection's builds, for instance). */
export async function dropSchemasStartingWith(knex: Knex, prefix: string): Promise<void> {
  const rows: { nspname: string }[] = await knex('pg_namespace')
    .where('nspname', 'like', `${prefix}%`)
    .select('nspname');
  for (const { nspname } of rows) await dropSchema(knex, nspname);
}

/**
 * Rewrites the log behind the store's back, as someone with the table owner's rights could: the
 * append-only trigger is switched off for the statement's transaction, then back on.
 */
export async function tamperWith(knex: Knex, schema: string, rewrite: (trx: Knex.Transaction) => Promise<unknown>) {
  await knex.transaction(async (trx) => {
    await trx.raw(`alter table ${schema}.events disable trigger events_append_only`);
    await rewrite(trx);
    await trx.raw(`alter table ${schema}.events enable trigger events_append_only`);
  });
}

/**
 * What someone with the table owner's rights and the chain formula can do, unseen by the chains
 * alone: give a stream's events from `revision` on other data, recomputing every later hash and
 * the stream's head. `events` is the whole stream as the store reads it (raw, not decrypted).
 */
export async function rewriteStreamFrom(
  knex: Knex,
  schema: string,
  events: readonly RecordedEvent[],
  revision: number,
  data: unknown,
): Promise<void> {
  await tamperWith(knex, schema, async (trx) => {
    let previousHash = events[revision - 1]?.hash ?? GENESIS_HASH;
    for (const event of events.slice(revision)) {
      const hash = hashEvent(previousHash, event.streamRevision, { ...event, data });
      await trx.raw(
        `update ${schema}.events set data = ?::json, previous_hash = decode(?, 'hex'), hash = decode(?, 'hex')
          where id = ?`,
        [canonicalJson(data)!, previousHash, hash, event.id],
      );
      previousHash = hash;
    }
    await trx.raw(`update ${schema}.streams set head_hash = decode(?, 'hex') where stream_id = ?`, [
      previousHash,
      events[0]!.streamId,
    ]);
  });
}

/**
 * Slips a stream into the past of the global log, its chain untouched: its events get a
 * transaction id older than every other event's, so that every reader of the log takes them first
 * (ADR 0003). Only an anchor taken before shows it.
 */
export function slipIntoThePastOfTheLog(knex: Knex, schema: string, streamId: string): Promise<void> {
  return tamperWith(knex, schema, (trx) =>
    trx.raw(
      `update ${schema}.events set transaction_id =
         ((select min(transaction_id)::text::bigint from ${schema}.events) - 1)::text::xid8
        where stream_id = ?`,
      [streamId],
    ),
  );
}

/** The conformance suite's tampering hooks, in raw SQL. */
export function sqlTampering(knex: Knex, schema: string): EventStoreTampering {
  return {
    alterData: (streamId, streamRevision, data) =>
      tamperWith(knex, schema, (trx) =>
        trx.raw(`update ${schema}.events set data = ?::json where stream_id = ? and stream_revision = ?`, [
          JSON.stringify(data),
          streamId,
          streamRevision,
        ]),
      ),
    removeEvent: (streamId, streamRevision) =>
      tamperWith(knex, schema, (trx) =>
        trx.raw(`delete from ${schema}.events where stream_id = ? and stream_revision = ?`, [streamId, streamRevision]),
      ),
  };
}

/**
 * For the conformance suite: every test gets a store of its own, in a fresh migrated schema of
 * one database per suite (migrating takes milliseconds, and the tampering tests then spoil
 * nobody's log). `decorate` wraps the store, for decorators that must pass the suite too.
 */
export function storesInFreshSchemas(
  database: () => Knex,
  label: string,
  decorate: (store: PostgresEventStore, knex: Knex, schema: string) => EventStore<Knex.Transaction> = (store) => store,
): () => Promise<EventStoreUnderTest<Knex.Transaction>> {
  return async () => {
    const knex = database();
    const schema = uniqueSchema(label);
    await migrateEventStore(knex, { schema });
    const store = decorate(
      new PostgresEventStore(knex, { schema, notifier: new InProcessAppendNotifier() }),
      knex,
      schema,
    );
    return {
      store,
      tamper: sqlTampering(knex, schema),
      async dispose() {
        await store.close();
        await dropSchema(knex, schema);
      },
    };
  };
}
