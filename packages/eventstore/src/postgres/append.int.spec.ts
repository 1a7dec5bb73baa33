import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import fc from 'fast-check';
import type { Knex } from 'knex';
import pg from 'pg';
import {
  DuplicateEventIdError,
  InvalidEventError,
  StaleTransactionError,
  TenantMismatchError,
  WrongExpectedRevisionError,
} from '../errors.js';
import type { EventToAppend } from '../event.js';
import { type AppendNotifier, InProcessAppendNotifier } from '../notifier.js';
import { rejectionOf, testEvent, testEvents, uniqueOrganisationId, uniqueStreamId } from '../testing/fixtures.js';
import { migrateEventStore } from './migrations.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { dropSchema, testPostgres, uniqueSchema } from './test-databases.js';

describe('PostgresEventStore appends (PostgreSQL)', () => {
  let knex: Knex;
  let schema: string;
  let store: PostgresEventStore;
  let organisationId: string;

  before(async () => {
    knex = testPostgres(16);
    schema = uniqueSchema('append');
    await migrateEventStore(knex, { schema });
  });
  after(async () => {
    await dropSchema(knex, schema);
    await knex.destroy();
  });
  beforeEach(() => {
    store = new PostgresEventStore(knex, { schema });
    organisationId = uniqueOrganisationId();
  });
  afterEach(() => store.close());

  /** What the tables hold for a stream, read behind the store's back. */
  async function storedRows(streamId: string): Promise<{ events: number }> {
    const [row] = (
      await knex.raw(`select count(*)::int as events from ${schema}.events where stream_id = ?`, [streamId])
    ).rows;
    return row;
  }

  it('is one round trip to the database', async () => {
    // given every statement any pg connection sends, counted (knex's and the store's own)
    const streamId = uniqueStreamId();
    const statements: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof query>) {
      const [config] = args as unknown as [string | { text: string }];
      statements.push(typeof config === 'string' ? config : config.text);
      return query.apply(this, args);
    } as typeof query;

    // when
    try {
      await store.appendToStream(streamId, testEvents(organisationId, 3), { expectedRevision: 'noStream' });
    } finally {
      pg.Client.prototype.query = query;
    }

    // then
    expect(statements).to.have.length(1);
    expect(statements[0]).to.contain('append_to_streams');
  });

  describe('concurrent appends', () => {
    /** Counts the statements pg connections send while `work` runs. */
    async function countingStatements(work: () => Promise<unknown>): Promise<number> {
      let count = 0;
      const query = pg.Client.prototype.query;
      pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof query>) {
        count += 1;
        return query.apply(this, args);
      } as typeof query;
      try {
        await work();
      } finally {
        pg.Client.prototype.query = query;
      }
      return count;
    }

    it('share round trips, and each is still decided on its own', async () => {
      // given a store that sends one batch at a time, and twenty appends arriving together, one of them wrong
      const coalescing = new PostgresEventStore(knex, { schema, maxConcurrentAppends: 1 });
      const streams = Array.from({ length: 20 }, () => uniqueStreamId());
      const wrong = streams[7]!;
      let outcomes: PromiseSettledResult<unknown>[] = [];

      // when
      const statements = await countingStatements(async () => {
        outcomes = await Promise.allSettled(
          streams.map((streamId) =>
            coalescing.appendToStream(streamId, [testEvent(organisationId)], {
              expectedRevision: streamId === wrong ? 3 : 'noStream',
            }),
          ),
        );
      });

      // then fewer round trips than appends, every right append stored, the wrong one refused alone
      expect(statements).to.be.lessThan(streams.length);
      streams.forEach((streamId, index) => {
        const outcome = outcomes[index]!;
        if (streamId === wrong) {
          expect(outcome.status).to.equal('rejected');
          expect((outcome as PromiseRejectedResult).reason).to.be.instanceOf(WrongExpectedRevisionError);
        } else {
          expect(outcome.status, streamId).to.equal('fulfilled');
        }
      });
      for (const streamId of streams) {
        expect(await storedRows(streamId)).to.deep.equal(streamId === wrong ? { events: 0 } : { events: 1 });
      }
    });

    it('are replayed one by one when their batch fails as a whole, so that only the culprit fails', async () => {
      // given an event stored in one stream, and a batch where another append reuses its id
      const coalescing = new PostgresEventStore(knex, { schema, maxConcurrentAppends: 1 });
      const stored = testEvent(organisationId);
      await coalescing.appendToStream(uniqueStreamId(), [stored], { expectedRevision: 'noStream' });
      const streams = Array.from({ length: 10 }, () => uniqueStreamId());
      const culprit = streams[4]!;

      // when they arrive together (the first travels alone, the nine others together)
      const outcomes = await Promise.allSettled(
        streams.map((streamId) =>
          coalescing.appendToStream(streamId, [streamId === culprit ? stored : testEvent(organisationId)], {
            expectedRevision: 'noStream',
          }),
        ),
      );

      // then
      streams.forEach((streamId, index) => {
        const outcome = outcomes[index]!;
        if (streamId === culprit) {
          expect((outcome as PromiseRejectedResult).reason).to.be.instanceOf(DuplicateEventIdError);
        } else {
          expect(outcome.status, streamId).to.equal('fulfilled');
        }
      });
    });
  });

  describe('expected revision', () => {
    it('refuses a wrong expected revision with the actual one, and writes nothing', async () => {
      // given
      const streamId = uniqueStreamId();
      await store.appendToStream(streamId, testEvents(organisationId, 3));

      // when
      const error = await rejectionOf(
        store.appendToStream(streamId, testEvents(organisationId, 1), { expectedRevision: 1 }),
      );

      // then
      expect(error).to.be.instanceOf(WrongExpectedRevisionError).and.include({ streamId, expected: 1, actual: 2 });
      expect(await storedRows(streamId)).to.deep.equal({ events: 3 });
    });

    it('lets exactly one of ten concurrent appends with the same expected revision win', async () => {
      // given
      const streamId = uniqueStreamId();
      await store.appendToStream(streamId, testEvents(organisationId, 3));

      // when
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          store.appendToStream(streamId, testEvents(organisationId, 2), { expectedRevision: 2 }),
        ),
      );

      // then
      const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(1);
      expect(losers).to.have.length(9);
      for (const loser of losers) expect(loser).to.be.instanceOf(WrongExpectedRevisionError).and.include({ actual: 4 });
      expect(await store.readStream(streamId)).to.have.length(5);
      expect(await store.verifyIntegrity({ streamId })).to.include({ ok: true });
    });

    it('lets exactly one of ten concurrent first appends with noStream win', async () => {
      // given
      const streamId = uniqueStreamId();

      // when
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          store.appendToStream(streamId, testEvents(organisationId, 1), { expectedRevision: 'noStream' }),
        ),
      );

      // then
      const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
      expect(losers).to.have.length(9);
      for (const loser of losers) expect(loser).to.be.instanceOf(WrongExpectedRevisionError).and.include({ actual: 0 });
      expect(await storedRows(streamId)).to.deep.equal({ events: 1 });
    });

    it('chains concurrent appends that expect nothing one after the other, from the first', async () => {
      // given
      const streamId = uniqueStreamId();

      // when
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.appendToStream(streamId, testEvents(organisationId, 2))),
      );

      // then
      const lastRevisions = results.map((result) => result.nextExpectedRevision).sort((a, b) => a - b);
      expect(lastRevisions).to.deep.equal([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
      const events = await store.readStream(streamId);
      expect(events.map((event) => event.streamRevision)).to.deep.equal([...Array(20).keys()]);
      expect(await store.verifyIntegrity({ streamId })).to.deep.equal({
        ok: true,
        streamsChecked: 1,
        eventsChecked: 20,
      });
    });

    it('refuses a revision taken behind its back as a wrong expected revision, not a crash', async () => {
      // given a caller's repeatable-read transaction whose snapshot predates another writer's append
      const streamId = uniqueStreamId();
      await store.appendToStream(streamId, testEvents(organisationId, 1));
      const trx = await knex.transaction({ isolationLevel: 'repeatable read' });
      try {
        await trx.raw('select 1');
        await store.appendToStream(streamId, testEvents(organisationId, 1));

        // when the caller appends from its old snapshot, where the stream is one event shorter
        const error = await rejectionOf(
          store.appendToStream(streamId, testEvents(organisationId, 1), { transaction: trx }),
        );

        // then the revision it would take is taken: a conflict, not a crash
        expect(error).to.be.instanceOf(WrongExpectedRevisionError).and.include({ streamId, expected: 'any' });
      } finally {
        await trx.rollback().catch(() => undefined);
      }
      expect(await storedRows(streamId)).to.deep.equal({ events: 2 });
    });
  });

  describe('idempotency', () => {
    it('answers a re-append with the first positions and alreadyAppended, and writes nothing', async () => {
      // given
      const streamId = uniqueStreamId();
      const events = testEvents(organisationId, 3);
      const first = await store.appendToStream(streamId, events, { expectedRevision: 'noStream' });
      await store.appendToStream(streamId, testEvents(organisationId, 1), { expectedRevision: 2 });

      // when
      const again = await store.appendToStream(streamId, events, { expectedRevision: 'noStream' });

      // then
      expect(again).to.deep.equal({ ...first, alreadyAppended: true });
      expect(await storedRows(streamId)).to.deep.equal({ events: 4 });
    });

    it('refuses ids stored in another stream', async () => {
      // given
      const events = testEvents(organisationId, 2);
      await store.appendToStream(uniqueStreamId(), events);
      const streamId = uniqueStreamId();

      // when
      const error = await rejectionOf(store.appendToStream(streamId, events, { expectedRevision: 'noStream' }));

      // then
      expect(error).to.be.instanceOf(DuplicateEventIdError).and.include({ eventId: events[0]!.id });
      expect(await storedRows(streamId)).to.deep.equal({ events: 0 });
    });

    it('refuses a stored id behind a new one even when the expected revision holds', async () => {
      // given
      const streamId = uniqueStreamId();
      const stored = testEvents(organisationId, 1);
      await store.appendToStream(streamId, stored);
      const reused = [testEvent(organisationId), stored[0]!];

      // when
      const error = await rejectionOf(store.appendToStream(streamId, reused, { expectedRevision: 0 }));

      // then
      expect(error).to.be.instanceOf(DuplicateEventIdError).and.include({ eventId: stored[0]!.id });
      expect(await storedRows(streamId)).to.deep.equal({ events: 1 });
    });

    it('takes ids in any case and gives them back in lowercase, as the uuid column does', async () => {
      // given
      const streamId = uniqueStreamId();
      const event = testEvent(organisationId);
      const shouted = { ...event, id: event.id.toUpperCase() };

      // when
      await store.appendToStream(streamId, [shouted]);
      const retried = await store.appendToStream(streamId, [event]);

      // then
      const [stored] = await store.readStream(streamId);
      expect(stored!.id).to.equal(event.id);
      expect(retried.alreadyAppended).to.equal(true);
      expect(await store.verifyIntegrity({ streamId })).to.include({ ok: true });
    });
  });

  describe('refusals', () => {
    it('refuses an invalid envelope with InvalidEventError before touching the database', async () => {
      // given
      const streamId = uniqueStreamId();
      const invalid = { ...testEvent(organisationId), type: '' };

      // when
      const error = await rejectionOf(store.appendToStream(streamId, [testEvent(organisationId), invalid]));

      // then
      expect(error).to.be.instanceOf(InvalidEventError);
      expect(await storedRows(streamId)).to.deep.equal({ events: 0 });
    });

    it('refuses data that has no canonical JSON form with InvalidEventError, and writes nothing', async () => {
      // given a lone surrogate: JavaScript strings hold it, canonical JSON does not
      const streamId = uniqueStreamId();
      const event = testEvent(organisationId, { data: { note: 'broken \ud800 text' } });

      // when
      const error = await rejectionOf(store.appendToStream(streamId, [event]));

      // then
      expect(error).to.be.instanceOf(InvalidEventError);
      expect(await storedRows(streamId)).to.deep.equal({ events: 0 });
    });

    it('refuses what the database finds out of range with InvalidEventError, and writes nothing', async () => {
      // given an instant of year 0, which ISO 8601 allows and PostgreSQL does not
      const streamId = uniqueStreamId();
      const event = testEvent(organisationId, { metadata: { occurredAt: '0000-01-01T00:00:00Z' } });

      // when
      const error = await rejectionOf(store.appendToStream(streamId, [event]));

      // then
      expect(error).to.be.instanceOf(InvalidEventError);
      expect(await storedRows(streamId)).to.deep.equal({ events: 0 });
    });

    it('refuses to write to the stream of another organisation', async () => {
      // given
      const streamId = uniqueStreamId();
      await store.appendToStream(streamId, testEvents(organisationId, 1));

      // when
      const error = await rejectionOf(store.appendToStream(streamId, testEvents(uniqueOrganisationId(), 1)));

      // then
      expect(error).to.be.instanceOf(TenantMismatchError).and.include({ streamId });
      expect(await storedRows(streamId)).to.deep.equal({ events: 1 });
    });
  });

  describe("in the caller's transaction", () => {
    function recordingNotifier(): AppendNotifier & { notified: string[] } {
      const notified: string[] = [];
      return { notified, notifyAppended: (organisation) => notified.push(organisation), onAppended: () => () => {} };
    }

    it('commits with the transaction, and wakes subscribers only after the commit', async () => {
      // given
      const notifier = recordingNotifier();
      store = new PostgresEventStore(knex, { schema, notifier });
      const streamId = uniqueStreamId();
      let notifiedBeforeCommit: string[] = [];

      // when
      await knex.transaction(async (trx) => {
        await store.appendToStream(streamId, testEvents(organisationId, 2), { transaction: trx });
        notifiedBeforeCommit = [...notifier.notified];
      });
      await sleep(0);

      // then
      expect(notifiedBeforeCommit).to.deep.equal([]);
      expect(notifier.notified).to.deep.equal([organisationId]);
      expect(await storedRows(streamId)).to.deep.equal({ events: 2 });
    });

    it('leaves nothing and wakes nobody when the transaction rolls back', async () => {
      // given
      const notifier = recordingNotifier();
      store = new PostgresEventStore(knex, { schema, notifier });
      const streamId = uniqueStreamId();

      // when
      const outcome = await rejectionOf(
        knex.transaction(async (trx) => {
          await store.appendToStream(streamId, testEvents(organisationId, 2), { transaction: trx });
          throw new Error('the projection failed');
        }),
      );
      await sleep(0);

      // then
      expect(outcome).to.have.property('message', 'the projection failed');
      expect(notifier.notified).to.deep.equal([]);
      expect(await storedRows(streamId)).to.deep.equal({ events: 0 });
    });

    it('raises the same typed errors', async () => {
      // given
      const streamId = uniqueStreamId();
      await store.appendToStream(streamId, testEvents(organisationId, 1));

      // when
      const error = await rejectionOf(
        knex.transaction((trx) =>
          store.appendToStream(streamId, testEvents(organisationId, 1), {
            transaction: trx,
            expectedRevision: 'noStream',
          }),
        ),
      );

      // then
      expect(error).to.be.instanceOf(WrongExpectedRevisionError).and.include({ actual: 0 });
    });
  });

  describe("each stream's order in the global log", () => {
    /**
     * A stream's revisions in the order the global log gives its events, once all `count` show:
     * the visibility fence hides them while transactions of other tests run (ADR 0003), and waits
     * only for this store's own appends.
     */
    async function revisionsInGlobalOrder(streamId: string, count: number): Promise<number[]> {
      for (let attempt = 0; ; attempt++) {
        const log = await store.readAll({ organisationId });
        const revisions = log.filter((event) => event.streamId === streamId).map((event) => event.streamRevision);
        if (revisions.length >= count || attempt === 200) return revisions;
        await sleep(50);
      }
    }

    /** Resolves once a backend waits for the stream's lock (its 64-bit key is split in classid and objid). */
    async function someoneWaitsForTheLockOf(streamId: string): Promise<void> {
      for (let attempt = 0; attempt < 200; attempt++) {
        const { rows } = await knex.raw(
          `select count(*)::int as waiting from pg_locks
            where locktype = 'advisory' and not granted
              and ((classid::bigint << 32) | objid::bigint) = hashtextextended(?, 0)`,
          [streamId],
        );
        if (rows[0].waiting > 0) return;
        await sleep(10);
      }
      throw new Error(`nobody ever waited for the lock of ${streamId}`);
    }

    it("keeps a stream's order when the stream moves while a batch that holds it waits for another stream", async () => {
      // given a transaction holding stream m, and one batch for a, m and y (in that order) waiting for it
      const [a, m, y] = ['a', 'm', 'y'].map((name) => `order-${name}-${uniqueStreamId()}`) as [string, string, string];
      const holder = await knex.transaction();
      await store.appendToStream(m, [testEvent(organisationId)], { transaction: holder });
      const oneBatchAtATime = new PostgresEventStore(knex, { schema, maxConcurrentAppends: 1 });
      const waitingBatch = Promise.all(
        [a, m, y].map((streamId) => oneBatchAtATime.appendToStream(streamId, [testEvent(organisationId)])),
      );
      await someoneWaitsForTheLockOf(m);

      // when y gets its first event meanwhile, and then the holder commits
      await store.appendToStream(y, [testEvent(organisationId)]);
      await holder.commit();
      const [, , inBatch] = await waitingBatch;

      // then the batch's event came second in y, and comes second in the global log too
      expect(inBatch?.nextExpectedRevision).to.equal(1);
      expect(await revisionsInGlobalOrder(y, 2)).to.deep.equal([0, 1]);
      await oneBatchAtATime.close();
    });

    it("refuses, in a caller's transaction that wrote before the stream last moved, an append that would come first", async () => {
      // given a transaction that has written, then another append to y that commits
      const [x, y] = [uniqueStreamId(), uniqueStreamId()];
      const trx = await knex.transaction();
      await store.appendToStream(x, [testEvent(organisationId)], { transaction: trx });
      await store.appendToStream(y, [testEvent(organisationId)], { expectedRevision: 'noStream' });

      // when the transaction appends to y, expecting what it can see
      const error = await rejectionOf(
        store.appendToStream(y, [testEvent(organisationId)], { transaction: trx, expectedRevision: 0 }),
      ).finally(() => trx.commit());

      // then it is refused with a typed error, and the transaction could still commit what it wrote
      expect(error).to.be.instanceOf(StaleTransactionError).and.include({ streamId: y });
      expect(await storedRows(x)).to.deep.equal({ events: 1 });
      expect(await revisionsInGlobalOrder(y, 1)).to.deep.equal([0]);
    });

    it("lets a caller's transaction append to a stream that last moved before it wrote, and to its own streams", async () => {
      // given y moved before the transaction wrote anything
      const [x, y] = [uniqueStreamId(), uniqueStreamId()];
      await store.appendToStream(y, [testEvent(organisationId)], { expectedRevision: 'noStream' });
      const trx = await knex.transaction();
      await store.appendToStream(x, [testEvent(organisationId)], { transaction: trx });

      // when it appends to y, then to x again
      await store.appendToStream(y, [testEvent(organisationId)], { transaction: trx, expectedRevision: 0 });
      await store.appendToStream(x, [testEvent(organisationId)], { transaction: trx, expectedRevision: 0 });
      await trx.commit();

      // then
      expect(await revisionsInGlobalOrder(y, 2)).to.deep.equal([0, 1]);
      expect(await revisionsInGlobalOrder(x, 2)).to.deep.equal([0, 1]);
    });
  });

  describe('the global log while other transactions run', () => {
    it('shows a store its own appends, and other readers only once older transactions end', async () => {
      // given a transaction elsewhere that started writing before the append
      const other = await knex.transaction();
      await other.raw('select pg_current_xact_id()');
      const streamId = uniqueStreamId();
      const { lastGlobalPosition } = await store.appendToStream(streamId, testEvents(organisationId, 1));
      const otherReader = new PostgresEventStore(knex, { schema });

      // when
      const seenByOtherReader = await otherReader.readAll({ organisationId });
      const ownRead = store.readAll({ organisationId });
      await sleep(50);
      await other.commit();

      // then
      expect(seenByOtherReader, 'hidden behind the fence').to.deep.equal([]);
      expect((await ownRead).map((event) => event.globalPosition)).to.deep.equal([lastGlobalPosition]);
      expect(await otherReader.readAll({ organisationId })).to.have.length(1);
    });

    it('shows a store, and wakes its subscribers for, an append it found already stored', async () => {
      // given a transaction elsewhere that started writing, then an append by another process
      const other = await knex.transaction();
      await other.raw('select pg_current_xact_id()');
      const events = testEvents(organisationId, 1);
      const streamId = uniqueStreamId();
      await new PostgresEventStore(knex, { schema }).appendToStream(streamId, events);
      const notifier = new InProcessAppendNotifier();
      const woken: string[] = [];
      notifier.onAppended((organisation) => woken.push(organisation));
      const retrying = new PostgresEventStore(knex, { schema, notifier });

      // when this store appends the same events again (a retried command), then reads the log
      const retried = await retrying.appendToStream(streamId, events);
      const ownRead = retrying.readAll({ organisationId });
      await sleep(50);
      await other.commit();

      // then it is told they were stored, sees them as it would its own, and its subscribers were woken
      expect(retried.alreadyAppended).to.equal(true);
      expect((await ownRead).map((event) => event.id)).to.deep.equal([events[0]!.id.toLowerCase()]);
      expect(woken).to.deep.equal([organisationId]);
    });
  });

  describe('data', () => {
    it('gives back any JSON data as appended, with a chain that still verifies', async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (data) => {
          // given
          const streamId = uniqueStreamId();
          const event: EventToAppend = testEvent(organisationId, { data });

          // when
          await store.appendToStream(streamId, [event]);

          // then
          const [stored] = await store.readStream(streamId);
          expect(stored!.data).to.deep.equal(JSON.parse(JSON.stringify(data)));
          expect(await store.verifyIntegrity({ streamId })).to.include({ ok: true });
        }),
        { numRuns: 100 },
      );
    });
  });
});
