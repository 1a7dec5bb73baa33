import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  InProcessAppendNotifier,
  isErased,
  KnexDataKeyStore,
  migrateEventStore,
  openPglite,
  PostgresEventStore,
  type RecordedEvent,
  withCryptoShredding,
} from '@dui-pds/eventstore';
import {
  dropSchema,
  dropSchemasStartingWith,
  testEvent,
  testPostgres,
  uniqueOrganisationId,
  uniqueSchema,
} from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { contextFor, defineProjection, evolveAll, type Projection } from '../projection.js';
import { countingProjection, countingProjectionV2 } from '../testing/counting-projection.js';
import { modelRows } from './model-rows.js';
import { ProjectionRuntime } from './projection-runtime.js';

interface Setup {
  knex: Knex;
  schema: string;
  store: PostgresEventStore;
  notifier: InProcessAppendNotifier;
  runtime(projections?: Projection[]): ProjectionRuntime;
  append(count: number, streams?: number, occurredAt?: string): Promise<void>;
  dispose(): Promise<void>;
}

/** `concurrent`: whether appends run beside a rebuild (PGlite runs one transaction at a time). */
const backends: { name: string; database: () => Knex; concurrent: boolean }[] = [
  { name: 'PostgreSQL', database: () => testPostgres(), concurrent: true },
  { name: 'PGlite', database: () => openPglite(), concurrent: false },
];

for (const backend of backends) {
  describe(`Projection runtime on ${backend.name}`, function () {
    this.timeout(60_000);
    let setup: Setup;

    beforeEach(async () => {
      setup = await freshSetup(backend.database());
    });
    afterEach(() => setup.dispose());

    it('keeps the active build up to date and reports its lag', async () => {
      // given events in the log and a runtime that was never run
      await setup.append(300, 7);
      const runtime = setup.runtime();
      await runtime.migrate();
      const [before] = await runtime.status();
      expect(before!.behindEvents).to.equal(300);

      // when a worker follows the projection
      const stop = new AbortController();
      const following = runtime.follow('counting', stop.signal);
      await until(async () => (await runtime.status())[0]!.behindEvents === 0);
      await setup.append(50, 7);
      await until(async () => (await totalCounted(setup.knex, runtime.readSchema('counting'))) === 350);
      stop.abort();
      await following;

      // then readers see every event once, through the read schema, and no lag is left
      const [after] = await runtime.status();
      expect(after).to.include({ behindEvents: 0, behindSeconds: 0 });
      expect(after!.active!.eventsDone).to.equal(350);
      expect(await modelRows(setup.knex, runtime.readSchema('counting'), 'stream_counts')).to.deep.equal(
        await fromScratch(setup, countingProjection, await setup.store.readAll()),
      );
      await runtime.close();
    });

    it('rebuilds a new version while appends continue, and readers never miss a table or see a half-built model', async () => {
      // given version 1, followed by a worker, with events in the log
      await setup.append(1_000, 10);
      const v1 = setup.runtime([countingProjection]);
      await v1.migrate();
      const stopWorker = new AbortController();
      const worker = v1.follow('counting', stopWorker.signal);
      await until(async () => (await v1.status())[0]!.behindEvents === 0);

      // and appends and readers that keep going
      const stopTraffic = new AbortController();
      // bounded (about 90 rounds go by during the rebuild on an idle machine): on a loaded one, a
      // rebuild chasing appends that never stop took too long to switch, and the test timed out in CI
      const MAX_APPEND_ROUNDS = 400;
      let appendRounds = 0;
      const appending = (async () => {
        while (!stopTraffic.signal.aborted && appendRounds < MAX_APPEND_ROUNDS) {
          await setup.append(20, 10);
          appendRounds += 1;
        }
      })();
      const readSchema = v1.readSchema('counting');
      const seen: number[] = [];
      const readErrors: unknown[] = [];
      const reading = (async () => {
        while (!stopTraffic.signal.aborted) {
          await totalCounted(setup.knex, readSchema).then(
            (total) => seen.push(total),
            (error) => readErrors.push(error),
          );
        }
      })();

      // when version 2 is rebuilt beside it and switched to
      const v2 = setup.runtime([countingProjectionV2]);
      const progress: number[] = [];
      const switched = await v2.rebuild('counting', {
        onProgress: (report) => {
          progress.push(report.done);
          if (process.env.DBG) console.log(report.done, report.total);
        },
      });
      const roundsAtSwitch = appendRounds;
      const afterSwitch = await modelRows(setup.knex, readSchema, 'stream_counts');
      stopTraffic.abort();
      await Promise.all([appending, reading]);
      stopWorker.abort();
      await worker;

      // then the appends were still going at the switch
      if (backend.concurrent) {
        expect(roundsAtSwitch, 'append rounds before the switch').to.be.within(1, MAX_APPEND_ROUNDS - 1);
      }
      // and at the switch the new model equals a from-scratch build at the same position
      expect(switched.version).to.equal(2);
      const replay = await v2.replay('counting', { position: switched.checkpoint! });
      expect(afterSwitch).to.deep.equal(await replay.rows('stream_counts'));
      expect(afterSwitch.every((row) => row.note === 'v2')).to.equal(true);
      await replay.dispose();
      // and readers never failed, and never saw the model go back
      expect(readErrors).to.deep.equal([]);
      expect(seen.length).to.be.greaterThan(0);
      expect(seen).to.deep.equal([...seen].sort((a, b) => a - b));
      // and progress was reported, and the old build is gone
      expect(progress.at(-1)).to.be.greaterThanOrEqual(1_000);
      const builds = (await v2.status())[0]!;
      expect(builds.active!.schema).to.equal(switched.schema);
      expect(await schemaExists(setup.knex, `${readSchema}__v1`)).to.equal(false);
      await Promise.all([v1.close(), v2.close()]);
    });

    it('moves a running worker on to the new build after a rebuild of the same version', async () => {
      // given a worker on the active build
      await setup.append(200, 4);
      const runtime = setup.runtime();
      await runtime.migrate();
      const stop = new AbortController();
      const worker = runtime.follow('counting', stop.signal);
      await until(async () => (await runtime.status())[0]!.behindEvents === 0);

      // when another process rebuilds it, then more events come
      const rebuilt = await setup.runtime().rebuild('counting');
      await setup.append(30, 4);

      // then the worker follows the new build
      await until(async () => (await totalCounted(setup.knex, runtime.readSchema('counting'))) === 230);
      const [status] = await runtime.status();
      expect(status!.active!.schema)
        .to.equal(rebuilt.schema)
        .and.not.equal(`${runtime.readSchema('counting')}__v1`);
      stop.abort();
      await worker;
      await runtime.close();
    });

    it('replays a projection as of a global position: the model of the first P events', async () => {
      // given events appended in several transactions
      await setup.append(120, 5);
      await setup.append(80, 3);
      const log = await setup.store.readAll();
      const runtime = setup.runtime();

      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: log.length }), async (count) => {
          // when the projection is replayed as of the position of the count-th event
          const replay = await runtime.replay('counting', { position: log[count - 1]!.globalPosition });
          try {
            // then it equals a from-scratch build over the first `count` events
            expect(await replay.rows('stream_counts')).to.deep.equal(
              await fromScratch(setup, countingProjection, log.slice(0, count)),
            );
          } finally {
            await replay.dispose();
          }
        }),
        { numRuns: 6 },
      );
      await runtime.close();
    });

    it('replays as of a business date or a recording date, and refuses a position the log does not hold', async () => {
      // given acts of March and of April
      await setup.append(10, 2, '2025-03-15T10:00:00.000Z');
      const afterMarch = new Date();
      await sleep(5);
      await setup.append(6, 2, '2025-04-02T10:00:00.000Z');
      await setup.append(3, 2, '2025-03-20T10:00:00.000Z'); // recorded late
      const runtime = setup.runtime();

      // when the register is asked for as of 31 March, on each clock
      const byBusinessDate = await runtime.replay('counting', { occurredAt: new Date('2025-03-31T22:00:00.000Z') });
      const byRecordingDate = await runtime.replay('counting', { recordedAt: afterMarch });

      // then the business clock counts the late entry, the recording clock does not
      expect(byBusinessDate.eventsApplied).to.equal(13);
      expect(byRecordingDate.eventsApplied).to.equal(10);
      await Promise.all([byBusinessDate.dispose(), byRecordingDate.dispose()]);
      const error = await runtime.replay('counting', { position: 999_999_999n }).catch((caught) => caught);
      expect(error).to.have.property('name', 'PositionNotFoundError');
      expect(await leftoverReplays(setup.knex, setup.schema)).to.deep.equal([]);
      await runtime.close();
    });
  });
}

describe('Projection runtime woken while an older transaction runs (PostgreSQL)', function () {
  this.timeout(30_000);

  /** A worker's runtime with a store of its own, as in another process: it hears of appends only through the notifier. */
  async function workerRuntimePollingEvery(pollIntervalMs: number) {
    const setup = await freshSetup(testPostgres());
    const reader = new PostgresEventStore(setup.knex, { schema: setup.schema });
    const runtime = new ProjectionRuntime({
      knex: setup.knex,
      store: reader,
      schema: setup.schema,
      projections: [countingProjection],
      notifier: setup.notifier,
      pollIntervalMs,
    });
    await runtime.migrate();
    return { setup, runtime };
  }

  it('applies the event as soon as the older transaction ends, not at the next poll', async () => {
    // given a worker in another process's place (its own store), polling only every 10 s
    const { setup, runtime } = await workerRuntimePollingEvery(10_000);
    const stop = new AbortController();
    const worker = runtime.follow('counting', stop.signal);
    try {
      await setup.append(1);
      await until(async () => (await totalCounted(setup.knex, runtime.readSchema('counting'))) === 1);

      // when an event is appended (and notified) while an older transaction holds the fence back
      const older = await setup.knex.transaction();
      await older.raw('select pg_current_xact_id()');
      const appendedAt = Date.now();
      await setup.append(1);
      await sleep(300);
      await older.commit();

      // then the worker applies it shortly after the older transaction ends
      await until(async () => (await totalCounted(setup.knex, runtime.readSchema('counting'))) === 2, 3_000);
      expect(Date.now() - appendedAt).to.be.lessThan(2_000);
    } finally {
      stop.abort();
      await worker;
      await runtime.close();
      await setup.dispose();
    }
  });

  it('still applies it before the next poll when the older transaction outlasts the quick re-reads', async () => {
    // given a worker polling only every 20 s, up to date
    const { setup, runtime } = await workerRuntimePollingEvery(20_000);
    const stop = new AbortController();
    const worker = runtime.follow('counting', stop.signal);
    try {
      await setup.append(1);
      await until(async () => (await totalCounted(setup.knex, runtime.readSchema('counting'))) === 1);

      // when an event is appended (and notified) while an older transaction holds the fence back for 2 s
      const older = await setup.knex.transaction();
      await older.raw('select pg_current_xact_id()');
      await setup.append(1);
      await sleep(2_000);
      await older.commit();
      const committedAt = Date.now();

      // then the worker applies it soon after that transaction ends, long before its next poll
      await until(async () => (await totalCounted(setup.knex, runtime.readSchema('counting'))) === 2, 25_000);
      expect(Date.now() - committedAt).to.be.lessThan(5_000);
    } finally {
      stop.abort();
      await worker;
      await runtime.close();
      await setup.dispose();
    }
  });

  it('applies an append notified before the worker started, once the older transaction ends', async () => {
    // given an event appended (and notified) while an older transaction holds the fence back
    const { setup, runtime } = await workerRuntimePollingEvery(20_000);
    const older = await setup.knex.transaction();
    await older.raw('select pg_current_xact_id()');
    await setup.append(1);

    // when a worker starts, finds nothing visible, and the older transaction then ends
    const stop = new AbortController();
    const worker = runtime.follow('counting', stop.signal);
    try {
      await sleep(300);
      await older.commit();
      const committedAt = Date.now();

      // then the worker applies it soon, without waiting for a notification that will not come again
      await until(async () => (await totalCounted(setup.knex, runtime.readSchema('counting'))) === 1, 25_000);
      expect(Date.now() - committedAt).to.be.lessThan(5_000);
    } finally {
      if (!older.isCompleted()) await older.rollback();
      stop.abort();
      await worker;
      await runtime.close();
      await setup.dispose();
    }
  });
});

describe('Projection runtime over crypto-shredded events', () => {
  /** Keeps, per event, whether its data was readable: a projection that reads data must survive erasure. */
  const notes = defineProjection({
    name: 'notes',
    version: 1,
    handles: ['NoteWritten'],
    async migrate(db, schema) {
      await db.schema.withSchema(schema).createTable('notes', (table) => {
        table.text('event_id').primary();
        table.text('text');
        table.boolean('erased').notNullable();
      });
    },
    async evolve(event, context) {
      const erased = isErased(event.data);
      const text = erased ? null : (event.data as { text: string }).text;
      await context.table('notes').insert({ event_id: event.id, text, erased });
    },
  });

  it('hands a projection the erased marker of a forgotten usager, and the replay does not fail', async () => {
    // given notes about two usagers, one of whom is then forgotten
    const knex = openPglite();
    const schema = uniqueSchema('erased');
    await migrateEventStore(knex, { schema });
    const store = withCryptoShredding(new PostgresEventStore(knex, { schema }), {
      keys: new KnexDataKeyStore(knex, { schema }),
      masterKey: randomBytes(32),
    });
    const organisationId = uniqueOrganisationId();
    for (const serviceUserId of ['usager-a', 'usager-b']) {
      await store.appendToStream(`notes-${serviceUserId}`, [
        testEvent(organisationId, {
          type: 'NoteWritten',
          data: { text: `note ${serviceUserId}` },
          metadata: { serviceUserId },
        }),
      ]);
    }
    await store.forget('usager-a');

    // when the projection is built from the log
    const runtime = new ProjectionRuntime({ knex, store, schema, projections: [notes] });
    const replay = await runtime.replay('notes', { head: true });

    // then the forgotten usager's note is there, erased, and the other one is readable
    const rows = await replay.rows('notes');
    expect(rows.map(({ text, erased }) => ({ text, erased }))).to.have.deep.members([
      { text: null, erased: true },
      { text: 'note usager-b', erased: false },
    ]);
    await replay.dispose();
    await knex.destroy();
  });
});

async function freshSetup(knex: Knex): Promise<Setup> {
  const schema = uniqueSchema('projections');
  await migrateEventStore(knex, { schema });
  const notifier = new InProcessAppendNotifier();
  const store = new PostgresEventStore(knex, { schema, notifier });
  const organisationId = uniqueOrganisationId();
  let appended = 0;
  return {
    knex,
    schema,
    store,
    notifier,
    runtime: (projections = [countingProjection]) =>
      new ProjectionRuntime({ knex, store, schema, projections, notifier, pollIntervalMs: 50, leaseRetryMs: 50 }),
    async append(count, streams = 1, occurredAt) {
      const byStream = new Map<number, ReturnType<typeof testEvent>[]>();
      for (let index = 0; index < count; index += 1) {
        const stream = (appended + index) % streams;
        const event = testEvent(organisationId, {
          type: 'Counted',
          data: {},
          metadata: occurredAt ? { occurredAt } : {},
        });
        byStream.set(stream, [...(byStream.get(stream) ?? []), event]);
      }
      appended += count;
      for (const [stream, events] of byStream) await store.appendToStream(`compte-${stream}`, events);
    },
    async dispose() {
      await store.close();
      await dropSchemasStartingWith(knex, schema);
      await knex.destroy();
    },
  };
}

/** The model built directly from these events, outside the runtime: what a replay must equal. */
async function fromScratch(setup: Setup, projection: Projection, events: readonly RecordedEvent[]) {
  const schema = uniqueSchema('scratch');
  await setup.knex.transaction(async (trx) => {
    await trx.raw(`create schema ${schema}`);
    await projection.migrate(trx, schema);
    await evolveAll(projection, events, contextFor(trx, schema));
  });
  try {
    return await modelRows(setup.knex, schema, 'stream_counts');
  } finally {
    await dropSchema(setup.knex, schema);
  }
}

async function totalCounted(knex: Knex, readSchema: string): Promise<number> {
  const [row] = await knex.withSchema(readSchema).from('stream_counts').sum({ total: 'events' });
  return Number(row?.total ?? 0);
}

async function schemaExists(knex: Knex, schema: string): Promise<boolean> {
  return (await knex('pg_namespace').where('nspname', schema).first()) !== undefined;
}

async function leftoverReplays(knex: Knex, schema: string): Promise<string[]> {
  const rows = await knex('pg_namespace').where('nspname', 'like', `${schema}%replay%`).select('nspname');
  return rows.map((row) => row.nspname);
}

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await sleep(20);
  }
}
