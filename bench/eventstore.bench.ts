import { randomUUID } from 'node:crypto';
import { connectPostgres, type EventToAppend, migrateEventStore, PostgresEventStore } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import pg from 'pg';
import { type BenchResult, median, report, throughput } from './measure.js';

const WRITERS = 8;
const ROUND_MS = 2_000;
const ROUNDS = 5;
const READ_TARGET_EVENTS = 150_000;

/** A transmission as a nurse would write it: the typical size of an event. */
function handover(streamId: string, organisationId: string): EventToAppend {
  return {
    id: randomUUID(),
    type: 'HandoverRecorded',
    data: {
      category: 'soins',
      team: 'equipe-soins',
      text: 'Usager reçu ce matin pour la délivrance de méthadone, calme, pas de signe de surdosage, RDV médecin jeudi.',
      streamId,
    },
    metadata: {
      organisationId,
      facilityId: '750000001',
      actor: { kind: 'professional', id: 'pro-1', role: 'infirmier' },
      occurredAt: new Date().toISOString(),
      correlationId: randomUUID(),
    },
  };
}

/** The same row an append stores, inserted plainly into a bare table: the baseline. */
async function createBaselineTable(knex: Knex, schema: string): Promise<void> {
  await knex.raw(`
    create table ${schema}.raw_events (
      global_position bigserial primary key,
      id uuid not null, stream_id text not null, stream_revision int not null,
      type text not null, version int not null, data jsonb not null, metadata jsonb not null,
      organisation_id text not null, occurred_at timestamptz not null, recorded_at timestamptz not null,
      previous_hash bytea not null, hash bytea not null)`);
}

/**
 * The baseline: what a developer writing the rows by hand would do at best, a pg pool and a
 * prepared INSERT, each committing on its own (synchronous_commit as configured, like the store).
 */
async function insertRaw(pool: pg.Pool, schema: string, event: EventToAppend, revision: number): Promise<void> {
  await pool.query({
    name: 'raw_insert',
    text: `insert into ${schema}.raw_events (id, stream_id, stream_revision, type, version, data, metadata,
       organisation_id, occurred_at, recorded_at, previous_hash, hash)
     values ($1, $2, $3, $4, 1, $5::json, $6::json, $7, $8, now(), decode($9, 'hex'), decode($10, 'hex'))`,
    values: [
      event.id,
      'bench-raw',
      revision,
      event.type,
      JSON.stringify(event.data),
      JSON.stringify(event.metadata),
      event.metadata.organisationId,
      event.metadata.occurredAt,
      '0'.repeat(64),
      'f'.repeat(64),
    ],
  });
}

export async function benchEventStore(databaseUrl: string, results: BenchResult[]): Promise<void> {
  const schema = `bench_${Date.now()}`;
  const knex = connectPostgres(databaseUrl, { poolSize: WRITERS + 2 });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: WRITERS + 2 });
  try {
    await migrateEventStore(knex, { schema });
    await createBaselineTable(knex, schema);
    const store = new PostgresEventStore(knex, { schema });
    const organisationId = 'og-bench';
    const streamOf = (worker: number, round: string) => `handovers-${round}-${worker}`;
    const revisions = new Map<string, number>();

    const appendOne = async (worker: number, round: string) => {
      const streamId = streamOf(worker, round);
      const expected = revisions.get(streamId) ?? 'noStream';
      const result = await store.appendToStream(streamId, [handover(streamId, organisationId)], {
        expectedRevision: expected,
      });
      revisions.set(streamId, result.nextExpectedRevision);
      return 1;
    };
    const insertOne = async (worker: number, iteration: number) => {
      await insertRaw(pool, schema, handover(`raw-${worker}`, organisationId), iteration);
      return 1;
    };

    // warm-up: connections, plans, JIT of both paths
    await throughput(WRITERS, 1_000, (worker) => appendOne(worker, 'warmup'));
    await throughput(WRITERS, 1_000, insertOne);

    const appendRates: number[] = [];
    const insertRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      insertRates.push((await throughput(WRITERS, ROUND_MS, insertOne)).perSecond);
      appendRates.push((await throughput(WRITERS, ROUND_MS, (worker) => appendOne(worker, `r${round}`))).perSecond);
    }
    const appendRate = median(appendRates);
    const insertRate = median(insertRates);
    const detail = { writers: WRITERS, rounds: ROUNDS, roundMs: ROUND_MS, appendRates, insertRates };
    report({ name: 'append_events_per_s', value: Math.round(appendRate), unit: 'events/s', detail }, results);
    report({ name: 'raw_insert_rows_per_s', value: Math.round(insertRate), unit: 'rows/s', detail }, results);
    report(
      { name: 'append_vs_raw_insert', value: round2(appendRate / insertRate), unit: 'ratio', detail: { target: 0.8 } },
      results,
    );

    const batchRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { perSecond } = await throughput(WRITERS, ROUND_MS, async (worker) => {
        const streamId = streamOf(worker, `batch${round}`);
        const expected = revisions.get(streamId) ?? 'noStream';
        const events = Array.from({ length: 10 }, () => handover(streamId, organisationId));
        const result = await store.appendToStream(streamId, events, { expectedRevision: expected });
        revisions.set(streamId, result.nextExpectedRevision);
        return events.length;
      });
      batchRates.push(perSecond);
    }
    report(
      {
        name: 'append_batch10_events_per_s',
        value: Math.round(median(batchRates)),
        unit: 'events/s',
        detail: { writers: WRITERS, batchRates },
      },
      results,
    );

    await fillLog(store, organisationId, READ_TARGET_EVENTS);
    const readRates: number[] = [];
    let eventsRead = 0;
    for (let round = 0; round < ROUNDS + 1; round++) {
      const started = performance.now();
      let after: bigint | undefined;
      let count = 0;
      for (;;) {
        const batch = await store.readAll({ after, maxCount: 5_000 });
        if (batch.length === 0) break;
        count += batch.length;
        after = batch.at(-1)!.globalPosition;
      }
      eventsRead = count;
      // the first round warms up the cache and the parser
      if (round > 0) readRates.push((count / (performance.now() - started)) * 1000);
    }
    report(
      {
        name: 'global_read_events_per_s',
        value: Math.round(median(readRates)),
        unit: 'events/s',
        detail: { events: eventsRead, batch: 5_000, readRates, target: 100_000 },
      },
      results,
    );
  } finally {
    await knex.raw(`drop schema if exists ${schema} cascade`);
    await knex.destroy();
    await pool.end();
  }
}

async function fillLog(store: PostgresEventStore, organisationId: string, target: number): Promise<void> {
  let existing = 0;
  let after: bigint | undefined;
  for (;;) {
    const batch = await store.readAll({ after, maxCount: 10_000 });
    if (batch.length === 0) break;
    existing += batch.length;
    after = batch.at(-1)!.globalPosition;
  }
  const perAppend = 100;
  const appends = Math.ceil(Math.max(0, target - existing) / perAppend);
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      // taking the index before any await keeps two workers from taking the same one
      for (let index = next++; index < appends; index = next++) {
        const streamId = `fill-${index}`;
        const events = Array.from({ length: perAppend }, () => handover(streamId, organisationId));
        await store.appendToStream(streamId, events, { expectedRevision: 'noStream' });
      }
    }),
  );
}

const round2 = (value: number) => Math.round(value * 100) / 100;
