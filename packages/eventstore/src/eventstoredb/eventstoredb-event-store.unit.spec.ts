import assert from 'node:assert/strict';
import { InvalidEventError, TenantMismatchError, WrongExpectedRevisionError } from '../errors.js';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { idsOf, testEvent, testEvents, uniqueOrganisationId, uniqueStreamId } from '../testing/fixtures.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';
import { FakeEventStoreDbClient } from './fake-eventstoredb-client.js';

// The adapter's own logic, on a fake server; eventstoredb-event-store.int.spec.ts runs the same
// suite on a real one.
describeEventStoreConformance('EventStoreDB adapter on a fake client', async () => {
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

describe('EventStoreDbEventStore', () => {
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
});
