import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { connectPostgres, type EventToAppend, migrateEventStore, PostgresEventStore } from '@dui-pds/eventstore';
import { activityJournal, ProjectionRuntime, RedisAppendNotifier } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { type BenchResult, median, percentile, report } from './measure.js';

/** Events in the log the rebuilds and replays go through. */
const LOG_EVENTS = 200_000;
/** The log for the warm-up rebuilds, before it is filled up. */
const WARMUP_EVENTS = 20_000;
const EVENTS_PER_APPEND = 500;
const FILL_WRITERS = 4;
const ROUNDS = 3;
/** The runtime's `batchSize` candidates; the best median is the figure reported. */
const BATCH_SIZES = [500, 2_000, 5_000] as const;

const WAKEUP_WARMUP = 5;
const WAKEUP_SAMPLES = 50;
const WAKEUP_SPACING_MS = 200;
/** Far above the expected figure: a wake-up this fast cannot come from polling. */
const NOTIFIED_POLL_INTERVAL_MS = 5_000;
/** The runtime's default, for the polling-only baseline. */
const POLLING_POLL_INTERVAL_MS = 1_000;
const WAKEUP_EVENT_TYPE = 'WakeUpProbed';
/** Writers appending without pause while the lag is measured, and for how long. */
const LOAD_WRITERS = 4;
const LOAD_DURATION_MS = 10_000;
const WORKER_SCRIPT = fileURLToPath(new URL('./projection-wakeup-worker.ts', import.meta.url));
const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

const EVENT_TYPES = ['HandoverRecorded', 'MedicationDelivered', 'AppointmentKept', 'KitHandedOut', 'CallLogged'];
const ORGANISATIONS = ['og-bench-1', 'og-bench-2', 'og-bench-3'];
const FACILITIES = ['750000011', '750000029', '930000014', '130000017'];
const YEAR_MS = 365 * 24 * 3_600_000;

/**
 * A small event of a year of activity: the activity journal reads only its envelope. A stream is
 * one usager's record, in one organisation and ESSMS (an append belongs to one organisation).
 */
function activityEvent(stream: number, index: number, yearStart: number): EventToAppend {
  return {
    id: randomUUID(),
    type: EVENT_TYPES[index % EVENT_TYPES.length]!,
    data: { minutes: 5 + (index % 40), team: 'equipe-soins' },
    metadata: {
      organisationId: ORGANISATIONS[stream % ORGANISATIONS.length]!,
      facilityId: FACILITIES[stream % FACILITIES.length]!,
      actor: { kind: 'professional', id: `pro-${index % 50}`, role: 'infirmier' },
      occurredAt: new Date(yearStart + Math.random() * YEAR_MS).toISOString(),
    },
  };
}

export async function benchProjections(databaseUrl: string, redisUrl: string, results: BenchResult[]): Promise<void> {
  const schema = `bench_proj_${Date.now()}`;
  const knex = connectPostgres(databaseUrl, { poolSize: FILL_WRITERS + 2 });
  try {
    await benchRebuildAndReplay(knex, `${schema}_r`, results);
    await benchWakeUp(knex, databaseUrl, redisUrl, `${schema}_w`, results);
  } finally {
    // the store's schemas and every projection build, read and replay schema named after them
    const { rows } = await knex.raw<{ rows: { nspname: string }[] }>(
      'select nspname from pg_namespace where starts_with(nspname, ?)',
      [schema],
    );
    for (const { nspname } of rows) await knex.raw(`drop schema if exists "${nspname}" cascade`);
    await knex.destroy();
  }
}

async function benchRebuildAndReplay(knex: Knex, schema: string, results: BenchResult[]): Promise<void> {
  await migrateEventStore(knex, { schema });
  const store = new PostgresEventStore(knex, { schema });
  const runtimes = new Map(
    BATCH_SIZES.map((batchSize) => [
      batchSize,
      new ProjectionRuntime({ knex, store, schema, projections: [activityJournal], batchSize }),
    ]),
  );
  try {
    // an active build for the first rebuild to replace, as in production
    await runtimes.get(BATCH_SIZES[0])!.migrate();
    const yearStart = Date.now() - YEAR_MS;
    const fillStarted = performance.now();
    await fillLog(store, 0, WARMUP_EVENTS, yearStart);
    // warm-up on a smaller log: connections, plans, JIT of every batch size's path
    for (const runtime of runtimes.values()) {
      await runtime.rebuild(activityJournal.name);
      await (await runtime.replay(activityJournal.name, { head: true })).dispose();
    }
    await fillLog(store, WARMUP_EVENTS, LOG_EVENTS, yearStart);
    const fillMs = performance.now() - fillStarted;

    const rebuildRates = new Map<number, number[]>(BATCH_SIZES.map((size) => [size, []]));
    const replayRates = new Map<number, number[]>(BATCH_SIZES.map((size) => [size, []]));
    // batch sizes take turns within each round, so that a slower moment of the machine
    // weighs on all of them rather than on one
    for (let round = 0; round < ROUNDS; round++) {
      for (const [batchSize, runtime] of runtimes) {
        let started = performance.now();
        const build = await runtime.rebuild(activityJournal.name);
        rebuildRates.get(batchSize)!.push(rate(build.eventsDone, started));
        if (build.eventsDone !== LOG_EVENTS)
          throw new Error(`rebuild applied ${build.eventsDone} of ${LOG_EVENTS} events`);

        started = performance.now();
        const model = await runtime.replay(activityJournal.name, { head: true });
        replayRates.get(batchSize)!.push(rate(model.eventsApplied, started));
        await model.dispose();
        if (model.eventsApplied !== LOG_EVENTS)
          throw new Error(`replay applied ${model.eventsApplied} of ${LOG_EVENTS} events`);
      }
    }

    const common = {
      events: LOG_EVENTS,
      rounds: ROUNDS,
      fill: { eventsPerAppend: EVENTS_PER_APPEND, fillMs: Math.round(fillMs) },
    };
    for (const [name, rates, what] of [
      ['projection_rebuild_events_per_s', rebuildRates, 'rebuild'],
      ['projection_replay_events_per_s', replayRates, 'replay'],
    ] as const) {
      const medians = [...rates].map(([batchSize, values]) => ({ batchSize, median: median(values) }));
      const best = medians.reduce((a, b) => (b.median > a.median ? b : a));
      report(
        {
          name,
          value: Math.round(best.median),
          unit: 'events/s',
          detail: {
            ...common,
            batchSize: best.batchSize,
            projection: activityJournal.name,
            call: what === 'rebuild' ? 'runtime.rebuild' : 'runtime.replay({ head: true }), dispose excluded',
            mediansByBatchSize: Object.fromEntries(medians.map((m) => [m.batchSize, Math.round(m.median)])),
            ratesByBatchSize: Object.fromEntries([...rates].map(([size, values]) => [size, values.map(Math.round)])),
            ...(what === 'rebuild' ? { target: 30_000 } : {}),
          },
        },
        results,
      );
    }
  } finally {
    for (const runtime of runtimes.values()) await runtime.close();
  }
}

/** Appends events `from` to `to` (exclusive) in batches over many streams, concurrently. */
async function fillLog(store: PostgresEventStore, from: number, to: number, yearStart: number): Promise<void> {
  const firstAppend = Math.floor(from / EVENTS_PER_APPEND);
  const appends = Math.ceil(to / EVENTS_PER_APPEND);
  let next = firstAppend;
  await Promise.all(
    Array.from({ length: FILL_WRITERS }, async () => {
      // taking the index before any await keeps two writers from taking the same one
      for (let index = next++; index < appends; index = next++) {
        const events = Array.from({ length: EVENTS_PER_APPEND }, (_, offset) =>
          activityEvent(index, index * EVENTS_PER_APPEND + offset, yearStart),
        );
        await store.appendToStream(`activity-${index}`, events, { expectedRevision: 'noStream' });
      }
    }),
  );
}

interface WakeUpRun {
  /** From just before the append to the moment evolve ran in the other process. */
  applied: number[];
  /** Same, to the commit of the batch that applied it: when readers see it. */
  committed: number[];
}

async function benchWakeUp(
  knex: Knex,
  databaseUrl: string,
  redisUrl: string,
  schema: string,
  results: BenchResult[],
): Promise<void> {
  await migrateEventStore(knex, { schema });
  const channel = `dui:appended:${schema}`;
  const notifier = await RedisAppendNotifier.connect(redisUrl, { channel });
  try {
    const store = new PostgresEventStore(knex, { schema, notifier });
    const env = { DATABASE_URL: databaseUrl, STORE_SCHEMA: schema, EVENT_TYPE: WAKEUP_EVENT_TYPE };
    const notified = await wakeUpRun(store, 'notified', {
      ...env,
      REDIS_URL: redisUrl,
      REDIS_CHANNEL: channel,
      POLL_INTERVAL_MS: String(NOTIFIED_POLL_INTERVAL_MS),
    });
    const polling = await wakeUpRun(store, 'polling', { ...env, POLL_INTERVAL_MS: String(POLLING_POLL_INTERVAL_MS) });
    const summary = (values: number[]) => ({
      median: round1(median(values)),
      p99: round1(percentile(values, 99)),
      max: round1(Math.max(...values)),
      over50ms: values.filter((value) => value > 50).length,
    });
    const lag = await lagUnderLoad(store, {
      ...env,
      REDIS_URL: redisUrl,
      REDIS_CHANNEL: channel,
      POLL_INTERVAL_MS: String(NOTIFIED_POLL_INTERVAL_MS),
    });
    report(
      {
        name: 'projection_lag_under_load_ms',
        value: round1(median(lag.committed)),
        unit: 'ms',
        detail: {
          measured:
            'from just before each append to the commit of the worker batch that applied it, while LOAD_WRITERS writers append single events without pause',
          writers: LOAD_WRITERS,
          durationMs: LOAD_DURATION_MS,
          appendedPerSecond: Math.round(lag.appendedPerSecond),
          events: lag.committed.length,
          p99: round1(percentile(lag.committed, 99)),
          max: round1(Math.max(...lag.committed)),
          drainedMsAfterLastAppend: round1(lag.drainedMs),
        },
      },
      results,
    );
    report(
      {
        name: 'projection_wakeup_ms',
        value: round1(median(notified.applied)),
        unit: 'ms',
        detail: {
          target: '< 100 (median)',
          p99: round1(percentile(notified.applied, 99)),
          samples: WAKEUP_SAMPLES,
          warmUp: WAKEUP_WARMUP,
          spacingMs: WAKEUP_SPACING_MS,
          measured:
            'from just before appendToStream in this process to evolve in a worker process (runtime.follow), same machine clock',
          notifier: 'RedisAppendNotifier on the store and on the worker runtime',
          pollIntervalMs: NOTIFIED_POLL_INTERVAL_MS,
          why: `the worker polls only every ${NOTIFIED_POLL_INTERVAL_MS} ms, so a faster wake-up is the notification's`,
          outliers:
            'a notified worker that finds the event still hidden behind an older transaction in flight (readAll shows only what is below the snapshot xmin) sleeps until the next notification or poll',
          notified: summary(notified.applied),
          notifiedToCommit: summary(notified.committed),
          baselinePollingOnly: { pollIntervalMs: POLLING_POLL_INTERVAL_MS, ...summary(polling.applied) },
        },
      },
      results,
    );
  } finally {
    await notifier.close();
  }
}

/**
 * Starts the worker process, appends one event every WAKEUP_SPACING_MS (one append at a time,
 * on a fixed cadence rather than after each apply, so that with polling the appends fall at every
 * point of the poll cycle) and collects when each was applied.
 */
async function wakeUpRun(store: PostgresEventStore, label: string, env: Record<string, string>): Promise<WakeUpRun> {
  const worker = new WakeUpWorker(env);
  try {
    await worker.ready();
    const streamId = `wakeup-${label}`;
    let expectedRevision: number | 'noStream' = 'noStream';
    const appendStarts = new Map<string, number>();
    const measured: string[] = [];
    const appendOne = async () => {
      const event: EventToAppend = {
        id: randomUUID(),
        type: WAKEUP_EVENT_TYPE,
        data: { label },
        metadata: {
          organisationId: 'og-bench-wakeup',
          facilityId: '750000011',
          actor: { kind: 'professional', id: 'pro-1', role: 'infirmier' },
          occurredAt: new Date().toISOString(),
        },
      };
      appendStarts.set(event.id, performance.timeOrigin + performance.now());
      const result = await store.appendToStream(streamId, [event], { expectedRevision });
      expectedRevision = result.nextExpectedRevision;
      return event.id;
    };
    const onCadence = async (count: number, each: (id: string) => void) => {
      for (let sample = 0; sample < count; sample++) {
        const started = performance.now();
        each(await appendOne());
        await sleep(Math.max(0, WAKEUP_SPACING_MS - (performance.now() - started)));
      }
    };

    // warm-up: the worker takes its lease, subscribes, plans its queries; wait until it has them all
    const warmUp: string[] = [];
    await onCadence(WAKEUP_WARMUP, (id) => warmUp.push(id));
    await worker.waitForApplied(warmUp, 15_000);
    await onCadence(WAKEUP_SAMPLES, (id) => measured.push(id));
    await worker.waitForApplied(measured, 15_000);

    const applied: number[] = [];
    const committed: number[] = [];
    for (const id of measured) {
      const at = worker.applied.get(id)!;
      applied.push(at.appliedAt - appendStarts.get(id)!);
      committed.push(at.committedAt - appendStarts.get(id)!);
    }
    return { applied, committed };
  } finally {
    await worker.stop();
  }
}

/**
 * The lag of an async projection while the log grows without pause: LOAD_WRITERS writers append
 * single events for LOAD_DURATION_MS, each timed from just before its append to the commit of the
 * worker's batch that applied it. The worker must keep up: a lag that grows over the run shows
 * in the p99 and in how long it takes to drain after the last append.
 */
async function lagUnderLoad(
  store: PostgresEventStore,
  env: Record<string, string>,
): Promise<{ committed: number[]; appendedPerSecond: number; drainedMs: number }> {
  const worker = new WakeUpWorker(env);
  try {
    await worker.ready();
    const appendStarts = new Map<string, number>();
    const appendEvent = async (streamId: string, expectedRevision: number | 'noStream') => {
      const event: EventToAppend = {
        id: randomUUID(),
        type: WAKEUP_EVENT_TYPE,
        data: { label: 'load' },
        metadata: {
          organisationId: 'og-bench-lag',
          facilityId: '750000011',
          actor: { kind: 'professional', id: 'pro-1', role: 'infirmier' },
          occurredAt: new Date().toISOString(),
        },
      };
      appendStarts.set(event.id, performance.timeOrigin + performance.now());
      const result = await store.appendToStream(streamId, [event], { expectedRevision });
      return { id: event.id, next: result.nextExpectedRevision };
    };
    const run = async (label: string, durationMs: number) => {
      const ids: string[][] = Array.from({ length: LOAD_WRITERS }, () => []);
      const started = performance.now();
      await Promise.all(
        ids.map(async (own, writer) => {
          let expected: number | 'noStream' = 'noStream';
          while (performance.now() - started < durationMs) {
            const { id, next } = await appendEvent(`lag-${label}-${writer}`, expected);
            expected = next;
            own.push(id);
          }
        }),
      );
      return { ids: ids.flat(), elapsedMs: performance.now() - started };
    };

    const warmUp = await run('warmup', 1_000);
    await worker.waitForApplied(warmUp.ids, 30_000);
    const measured = await run('measured', LOAD_DURATION_MS);
    const lastAppend = performance.timeOrigin + performance.now();
    await worker.waitForApplied(measured.ids, 60_000);
    const committed = measured.ids.map((id) => worker.applied.get(id)!.committedAt - appendStarts.get(id)!);
    const lastCommit = Math.max(...measured.ids.map((id) => worker.applied.get(id)!.committedAt));
    return {
      committed,
      appendedPerSecond: (measured.ids.length / measured.elapsedMs) * 1000,
      drainedMs: Math.max(0, lastCommit - lastAppend),
    };
  } finally {
    await worker.stop();
  }
}

/** `projection-wakeup-worker.ts` in its own process, and the events it reported applied. */
class WakeUpWorker {
  readonly applied = new Map<string, { appliedAt: number; committedAt: number }>();
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #ready = false;
  #exitCode: number | null | undefined;
  #stderr = '';

  constructor(env: Record<string, string>) {
    this.#child = spawn(process.execPath, ['--conditions=dui-source', '--import', 'tsx', WORKER_SCRIPT], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#exited = new Promise((resolve) =>
      this.#child.once('exit', (code) => {
        this.#exitCode = code;
        resolve();
      }),
    );
    this.#child.stderr!.on('data', (chunk) => {
      this.#stderr += chunk;
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line);
      if (message.kind === 'ready') this.#ready = true;
      if (message.kind === 'applied') {
        this.applied.set(message.id, { appliedAt: message.appliedAt, committedAt: message.committedAt });
      }
    });
  }

  ready(): Promise<void> {
    return this.#waitFor(() => this.#ready, 30_000, 'did not start');
  }

  waitForApplied(ids: readonly string[], timeoutMs: number): Promise<void> {
    return this.#waitFor(() => ids.every((id) => this.applied.has(id)), timeoutMs, 'did not apply every event');
  }

  /** SIGTERM lets it release its lease and connections; SIGKILL if it does not go within 5 s. */
  async stop(): Promise<void> {
    if (this.#exitCode !== undefined) return;
    this.#child.kill('SIGTERM');
    const gone = await Promise.race([this.#exited.then(() => true), sleep(5_000, false)]);
    if (!gone) {
      this.#child.kill('SIGKILL');
      await this.#exited;
    }
  }

  async #waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!condition()) {
      if (this.#exitCode !== undefined)
        throw new Error(`the wake-up worker exited (${this.#exitCode}): ${this.#stderr}`);
      if (performance.now() > deadline)
        throw new Error(`the wake-up worker ${what} within ${timeoutMs} ms: ${this.#stderr}`);
      await sleep(5);
    }
  }
}

const rate = (events: number, startedMs: number) => (events / (performance.now() - startedMs)) * 1000;
const round1 = (value: number) => Math.round(value * 10) / 10;
