import { connectPostgres, migrateEventStore, PostgresEventStore } from '@dui-pds/eventstore';
import pg from 'pg';
import { type BenchResult, median, pairedRatio, percentile, report, throughput } from './measure.js';
import { createBaselineTable, handover, insertRaw } from './raw-insert-baseline.js';

const WRITERS = 8;
const ROUND_MS = 2_000;
const ROUNDS = 5;
/**
 * Rounds of appends, each after its round of INSERTs: more than the others, as their ratio moves
 * most with the machine's changes of speed (ADR 0007).
 */
const PAIRED_ROUNDS = 7;
const READ_TARGET_EVENTS = 150_000;
const LONG_STREAM_EVENTS = 10_000;
const FLUSH_PROBE_ROWS = 300;

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

    // each measured append's duration, kept per round: the latency figures come from the same rounds
    let latencies: number[] = [];
    const appendOne = async (worker: number, round: string) => {
      const streamId = streamOf(worker, round);
      const expected = revisions.get(streamId) ?? 'noStream';
      const started = performance.now();
      const result = await store.appendToStream(streamId, [handover(streamId, organisationId)], {
        expectedRevision: expected,
      });
      latencies.push(performance.now() - started);
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
    const p50s: number[] = [];
    const p99s: number[] = [];
    for (let round = 0; round < PAIRED_ROUNDS; round++) {
      insertRates.push((await throughput(WRITERS, ROUND_MS, insertOne)).perSecond);
      latencies = [];
      appendRates.push((await throughput(WRITERS, ROUND_MS, (worker) => appendOne(worker, `r${round}`))).perSecond);
      p50s.push(percentile(latencies, 50));
      p99s.push(percentile(latencies, 99));
    }
    const appendRate = median(appendRates);
    const insertRate = median(insertRates);
    const detail = { writers: WRITERS, rounds: PAIRED_ROUNDS, roundMs: ROUND_MS, appendRates, insertRates };
    report({ name: 'append_events_per_s', value: Math.round(appendRate), unit: 'events/s', detail }, results);
    report({ name: 'raw_insert_rows_per_s', value: Math.round(insertRate), unit: 'rows/s', detail }, results);
    const { value: appendRatio, ...ratioDetail } = pairedRatio(appendRates, insertRates);
    report(
      {
        name: 'append_vs_raw_insert',
        value: appendRatio,
        unit: 'ratio',
        detail: {
          target: 0.8,
          figure: 'median of the rounds, each against the INSERT round before it',
          ...ratioDetail,
        },
      },
      results,
    );
    await benchCommitFlush(pool, schema, organisationId, results);

    const latencyDetail = {
      writers: WRITERS,
      rounds: PAIRED_ROUNDS,
      perRound: { p50s, p99s },
      figure: 'median of the rounds',
    };
    report({ name: 'append_latency_p50_ms', value: round2(median(p50s)), unit: 'ms', detail: latencyDetail }, results);
    report({ name: 'append_latency_p99_ms', value: round2(median(p99s)), unit: 'ms', detail: latencyDetail }, results);

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

    await benchLongStream(store, organisationId, results);
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

/**
 * What one commit's flush costs on this machine. The appends' ratio to the INSERTs depends on it
 * (ADR 0007: the appends share their commits, the INSERTs pay one each), so the run says which
 * case it was. One connection, one-row INSERTs each in its own transaction, with
 * `synchronous_commit` on and off in alternating rounds (set for that session only): the
 * difference of the medians is the wait for the WAL flush.
 */
async function benchCommitFlush(pool: pg.Pool, schema: string, organisationId: string, results: BenchResult[]) {
  const client = await pool.connect();
  const latencies = { on: [] as number[], off: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS + 1; round++) {
      for (const synchronousCommit of ['on', 'off'] as const) {
        await client.query(`set synchronous_commit = ${synchronousCommit}`);
        const times: number[] = [];
        for (let row = 0; row < FLUSH_PROBE_ROWS; row++) {
          const started = performance.now();
          await insertRaw(client, schema, handover('raw-flush', organisationId), row);
          times.push(performance.now() - started);
        }
        // the first round warms up the connection and the plan
        if (round > 0) latencies[synchronousCommit].push(median(times));
      }
    }
  } finally {
    // closed rather than returned: no later query of the pool runs with synchronous_commit off
    client.release(true);
  }
  const withFlush = median(latencies.on);
  const withoutFlush = median(latencies.off);
  report(
    {
      name: 'commit_flush_ms',
      value: Math.round((withFlush - withoutFlush) * 1000) / 1000,
      unit: 'ms',
      detail: { rowsPerRound: FLUSH_PROBE_ROWS, withFlushMs: latencies.on, withoutFlushMs: latencies.off },
    },
    results,
  );
}

/** A usager followed for years: one stream of LONG_STREAM_EVENTS events, loaded whole as a command handler does. */
async function benchLongStream(store: PostgresEventStore, organisationId: string, results: BenchResult[]) {
  const streamId = 'usager-long-follow-up';
  let expectedRevision: number | 'noStream' = 'noStream';
  for (let written = 0; written < LONG_STREAM_EVENTS; written += 500) {
    const events = Array.from({ length: 500 }, () => handover(streamId, organisationId));
    expectedRevision = (await store.appendToStream(streamId, events, { expectedRevision })).nextExpectedRevision;
  }
  const loadTimes: number[] = [];
  let loaded = 0;
  // the first load warms up the cache and the parser
  for (let round = 0; round < ROUNDS + 1; round++) {
    const started = performance.now();
    loaded = (await store.readStream(streamId)).length;
    if (round > 0) loadTimes.push(performance.now() - started);
  }
  report(
    {
      name: 'stream_load_ms',
      value: round2(median(loadTimes)),
      unit: 'ms',
      detail: { events: loaded, loadTimes, eventsPerSecond: Math.round((loaded / median(loadTimes)) * 1000) },
    },
    results,
  );
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
