import assert from 'node:assert/strict';
import { takeAnchor } from '../anchor.js';
import { DuplicateEventIdError, InvalidEventError } from '../errors.js';
import type { RecordedEvent } from '../event.js';
import { hashEvent } from '../hash-chain.js';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { takeEvents, testEvent, testEvents, uniqueStreamId, within } from '../testing/fixtures.js';
import { InMemoryEventStore } from './in-memory-event-store.js';

describeEventStoreConformance('in-memory', async () => {
  const store = new InMemoryEventStore();
  const storedEvent = (streamId: string, revision: number) => {
    const event = store.unsafeRawEvents().get(streamId)?.[revision];
    if (!event) throw new Error(`no event ${streamId}@${revision} to tamper with`);
    return event;
  };
  return {
    store,
    dispose: () => store.close(),
    tamper: {
      async alterData(streamId, revision, data) {
        storedEvent(streamId, revision).data = data;
      },
      async removeEvent(streamId, revision) {
        storedEvent(streamId, revision);
        store.unsafeRawEvents().get(streamId)!.splice(revision, 1);
      },
    },
  };
});

describe('InMemoryEventStore', () => {
  const organisationId = 'og-1';

  it('numbers the global log from 1', async () => {
    // given
    const store = new InMemoryEventStore();

    // when
    await store.appendToStream('a', testEvents(organisationId, 2));
    await store.appendToStream('b', testEvents(organisationId, 1));

    // then
    const positions = (await store.readAll()).map((event) => event.globalPosition);
    assert.deepEqual(positions, [1n, 2n, 3n]);
  });

  it('stamps recordedAt with its clock', async () => {
    // given
    const store = new InMemoryEventStore({ clock: () => new Date('2025-01-02T03:04:05.678Z') });

    // when
    await store.appendToStream('a', [testEvent(organisationId)]);

    // then
    const [event] = await store.readStream('a');
    assert.equal(event!.metadata.recordedAt, '2025-01-02T03:04:05.678Z');
  });

  it('produces the same hashes for the same events at the same instant', async () => {
    // given
    const clock = () => new Date('2025-01-02T03:04:05.678Z');
    const events = testEvents(organisationId, 2);
    const [one, two] = [new InMemoryEventStore({ clock }), new InMemoryEventStore({ clock })];

    // when
    await one.appendToStream('a', events);
    await two.appendToStream('a', events);

    // then
    const hashes = async (store: InMemoryEventStore) => (await store.readStream('a')).map((event) => event.hash);
    assert.deepEqual(await hashes(one), await hashes(two));
  });

  it('refuses an event id already stored in another stream', async () => {
    // given
    const store = new InMemoryEventStore();
    const event = testEvent(organisationId);
    await store.appendToStream('a', [event]);

    // when
    const attempt = store.appendToStream('b', [event]);

    // then
    await assert.rejects(attempt, DuplicateEventIdError);
    assert.deepEqual(await store.readStream('b'), []);
  });

  it('refuses an expected revision that is not a revision', async () => {
    // given
    const store = new InMemoryEventStore();

    // when
    const attempt = store.appendToStream('a', [testEvent(organisationId)], { expectedRevision: -1 });

    // then
    await assert.rejects(attempt, InvalidEventError);
  });

  it('ends its subscriptions when closed', async () => {
    // given
    const store = new InMemoryEventStore();
    await store.appendToStream('a', [testEvent(organisationId)]);
    const subscription = store.subscribeToAll()[Symbol.asyncIterator]();
    await takeEvents(subscription, 1);
    const waiting = subscription.next();

    // when
    await store.close();

    // then
    assert.deepEqual(await within(waiting, 1_000), { done: true, value: undefined });
  });

  describe('tamper evidence', () => {
    async function givenStoreWithStream(count: number) {
      const store = new InMemoryEventStore();
      const streamId = uniqueStreamId();
      await store.appendToStream(streamId, testEvents(organisationId, count));
      return { store, streamId, raw: store.unsafeRawEvents().get(streamId)! };
    }

    it('reports the removal of the last event of a stream', async () => {
      // given
      const { store, streamId, raw } = await givenStoreWithStream(3);

      // when
      raw.pop();

      // then
      const report = await store.verifyIntegrity({ streamId });
      assert.equal(report.ok, false);
      if (!report.ok) assert.equal(report.firstBadEvent.problem, 'removed');
    });

    it('reports two events swapped', async () => {
      // given
      const { store, streamId, raw } = await givenStoreWithStream(3);

      // when
      [raw[1], raw[2]] = [raw[2]!, raw[1]!];
      raw[1]!.streamRevision = 1;
      raw[2]!.streamRevision = 2;

      // then
      const report = await store.verifyIntegrity({ streamId });
      assert.equal(report.ok, false);
      if (!report.ok) assert.equal(report.firstBadEvent.problem, 'reordered');
    });

    it('reports metadata rewritten along with a recomputed hash of the event', async () => {
      // given
      const { store, streamId, raw } = await givenStoreWithStream(3);
      const forged = raw[1]!;

      // when
      forged.metadata.actor = { kind: 'system', id: 'intruder' };
      forged.hash = hashEvent(forged.previousHash, forged.streamRevision, forged);

      // then: the successor is no longer chained to it
      const report = await store.verifyIntegrity({ streamId });
      assert.equal(report.ok, false);
      if (!report.ok) assert.equal(report.firstBadEvent.streamRevision, 2);
    });

    it('does not let a caller tamper through what it read', async () => {
      // given
      const { store, streamId } = await givenStoreWithStream(2);
      const [read] = await store.readStream(streamId);
      const { hash, data } = read!;

      // when
      read!.hash = '0'.repeat(64);
      read!.data = { forged: true };

      // then
      const [again] = await store.readStream(streamId);
      assert.deepEqual({ hash: again!.hash, data: again!.data }, { hash, data });
      assert.deepEqual(await store.verifyIntegrity(), { ok: true, streamsChecked: 1, eventsChecked: 2 });
    });
  });

  describe('against an anchor, the order of its global log', () => {
    /** Two registers, then an anchor of them: a-0, a-1, b-0. */
    async function givenAnchoredLog() {
      const store = new InMemoryEventStore();
      await store.appendToStream('register-a', testEvents(organisationId, 2));
      await store.appendToStream('register-b', testEvents(organisationId, 1));
      const taken = await takeAnchor(store, new Date('2026-11-29T06:00:00Z'));
      if (!taken.ok) throw new Error('the log should verify');
      return { store, anchor: taken.anchor };
    }

    function moveToTheStart(store: InMemoryEventStore, streamId: string): RecordedEvent {
      const log = store.unsafeRawLog();
      const index = log.findIndex((event) => event.streamId === streamId);
      const [moved] = log.splice(index, 1);
      log.unshift(moved!);
      return moved!;
    }

    it('reports events of two streams swapped as reordered, which the chains do not show', async () => {
      // given
      const { store, anchor } = await givenAnchoredLog();

      // when register-b's event is moved before register-a's
      moveToTheStart(store, 'register-b');

      // then
      assert.equal((await store.verifyIntegrity()).ok, true);
      const report = await store.verifyIntegrity({ anchor });
      assert.equal(report.ok, false);
      if (!report.ok)
        assert.deepEqual([report.firstBadEvent.problem, report.firstBadEvent.streamRevision], ['reordered', 1]);
    });

    it('reports a stream begun since and slipped into the past of the log as inserted, at its event', async () => {
      // given
      const { store, anchor } = await givenAnchoredLog();
      await store.appendToStream('register-c', testEvents(organisationId, 1));

      // when
      const slipped = moveToTheStart(store, 'register-c');

      // then
      const report = await store.verifyIntegrity({ anchor });
      assert.equal(report.ok, false);
      if (!report.ok)
        assert.deepEqual([report.firstBadEvent.problem, report.firstBadEvent.eventId], ['inserted', slipped.id]);
    });
  });
});
