import assert from 'node:assert/strict';
import { UnavailableError } from '@eventstore/db-client';
import {
  EventStoreUnavailableError,
  InvalidEventError,
  TenantMismatchError,
  WrongExpectedRevisionError,
} from '../errors.js';
import { InProcessAppendNotifier } from '../notifier.js';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { idsOf, testEvent, testEvents, uniqueOrganisationId, uniqueStreamId } from '../testing/fixtures.js';
import type { EventStoreDbClient } from './eventstoredb-client.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';
import { FakeEventStoreDbClient } from './fake-eventstoredb-client.js';

/**
 * Unit tests of the adapter's own mapping logic (envelope in EventStoreDB metadata, hash chain,
 * tenancy, idempotency window, retries, $all paging and filtering) on FakeEventStoreDbClient, an
 * in-memory fake of the client. No server is involved: passing here proves nothing about
 * EventStoreDB itself. The EventStoreDB conformance run is eventstoredb-event-store.int.spec.ts,
 * which needs EVENTSTOREDB_URL and is pending without it.
 */
describe('EventStoreDB adapter mapping on a fake client (unit; not the EventStoreDB conformance run)', () => {
  describeEventStoreConformance('EventStoreDB adapter mapping on FakeEventStoreDbClient, no server', async () => {
    const client = new FakeEventStoreDbClient();
    const store = new EventStoreDbEventStore(client, { readAllPageSize: 7 });
    return {
      store,
      dispose: () => store.close(),
      tamper: {
        async alterData(streamId, revision, data) {
          client.unsafeRewriteData(streamId, revision, data);
        },
        async removeEvent(streamId, revision) {
          client.unsafeDrop(streamId, revision);
        },
      },
    };
  });
});

describe('EventStoreDbEventStore mapping logic on FakeEventStoreDbClient (unit, no server)', () => {
  const organisationId = uniqueOrganisationId();

  it('recognises a retry whose events straddle the start of the idempotency window', async () => {
    // given
    const store = new EventStoreDbEventStore(new FakeEventStoreDbClient(), { idempotencyWindow: 3 });
    const streamId = uniqueStreamId();
    const retried = testEvents(organisationId, 3);
    const first = await store.appendToStream(streamId, retried);
    await store.appendToStream(streamId, testEvents(organisationId, 2));

    // when
    const result = await store.appendToStream(streamId, retried);

    // then
    assert.deepEqual(result, { ...first, alreadyAppended: true });
    assert.equal((await store.readStream(streamId)).length, 5);
  });

  it('gives up with WrongExpectedRevisionError when it keeps losing the race for the end of the stream', async () => {
    // given: another writer appends between every read and write of ours
    const client = new FakeEventStoreDbClient();
    const streamId = uniqueStreamId();
    const store = new EventStoreDbEventStore(client, { maxAppendAttempts: 2 });
    await store.appendToStream(streamId, [testEvent(organisationId)]);
    const readStream = client.readStream.bind(client);
    const competitor = new EventStoreDbEventStore({
      appendToStream: client.appendToStream.bind(client),
      readStream,
      readAll: client.readAll.bind(client),
      dispose: async () => {},
    });
    client.readStream = async function* (...args) {
      yield* readStream(...args);
      await competitor.appendToStream(streamId, [testEvent(organisationId)]);
    };

    // when
    const attempt = store.appendToStream(streamId, [testEvent(organisationId)], { expectedRevision: 'any' });

    // then
    await assert.rejects(attempt, WrongExpectedRevisionError);
  });

  it('refuses stream ids that EventStoreDB reserves for itself', async () => {
    // given
    const store = new EventStoreDbEventStore(new FakeEventStoreDbClient());

    // when
    const attempt = store.appendToStream('$settings', [testEvent(organisationId)]);

    // then
    await assert.rejects(attempt, InvalidEventError);
  });

  it('takes the tenant of a stream from its last event', async () => {
    // given
    const store = new EventStoreDbEventStore(new FakeEventStoreDbClient(), { idempotencyWindow: 1 });
    const streamId = uniqueStreamId();
    await store.appendToStream(streamId, testEvents(organisationId, 3));

    // when
    const attempt = store.appendToStream(streamId, [testEvent(uniqueOrganisationId())]);

    // then
    await assert.rejects(attempt, TenantMismatchError);
  });

  it('leaves EventStoreDB system events out of the log', async () => {
    // given: the fake writes a statistics event every third append
    const store = new EventStoreDbEventStore(new FakeEventStoreDbClient());
    const appended = [testEvents(organisationId, 1), testEvents(organisationId, 1), testEvents(organisationId, 1)];
    for (const events of appended) await store.appendToStream(uniqueStreamId(), events);

    // when
    const log = await store.readAll();

    // then
    assert.deepEqual(idsOf(log), idsOf(appended.flat()));
  });

  it('says the server is out of reach as EventStoreUnavailableError, and an append sent again once it is back is stored once', async () => {
    // given a server that records an append, then goes away before answering, and stays away
    const client = new FakeEventStoreDbClient();
    const outage = () => new UnavailableError(undefined, '14 UNAVAILABLE: No connection established');
    let reachable = true;
    const flaky: EventStoreDbClient = {
      async appendToStream(...args) {
        if (!reachable) throw outage();
        await client.appendToStream(...args);
        reachable = false;
        throw outage();
      },
      async *readStream(...args) {
        if (!reachable) throw outage();
        yield* client.readStream(...args);
      },
      async *readAll(...args) {
        if (!reachable) throw outage();
        yield* client.readAll(...args);
      },
      dispose: async () => {},
    };
    const notifier = new InProcessAppendNotifier();
    const woken: string[] = [];
    notifier.onAppended((organisation) => woken.push(organisation));
    const store = new EventStoreDbEventStore(flaky, { notifier });
    const streamId = uniqueStreamId();
    const events = testEvents(organisationId, 2);

    // when
    const append = await store.appendToStream(streamId, events, { expectedRevision: 'noStream' }).catch((e) => e);
    const reads = await Promise.all([
      store.readStream(streamId).catch((e) => e),
      store.readAll().catch((e) => e),
      store.verifyIntegrity().catch((e) => e),
    ]);

    // then each is refused as out of reach, with the client's error as its cause
    for (const [error, operation] of [
      [append, 'append'],
      [reads[0], 'read'],
      [reads[1], 'read'],
      [reads[2], 'verify'],
    ] as const) {
      assert.ok(error instanceof EventStoreUnavailableError, String(error));
      assert.equal(error.operation, operation);
      assert.ok(error.cause instanceof UnavailableError);
    }
    // and once the server is back, the same append finds its events recorded, once, and wakes
    // the subscribers the lost answer did not
    assert.deepEqual(woken, []);
    reachable = true;
    const again = await store.appendToStream(streamId, events, { expectedRevision: 'noStream' });
    assert.equal(again.alreadyAppended, true);
    assert.deepEqual(woken, [organisationId]);
    assert.deepEqual(idsOf(await store.readStream(streamId)), idsOf(events));
  });
});
