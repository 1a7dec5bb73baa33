import assert from 'node:assert/strict';
import { InvalidEventError, TenantMismatchError, WrongExpectedRevisionError } from '../errors.js';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { idsOf, testEvent, testEvents, uniqueOrganisationId, uniqueStreamId } from '../testing/fixtures.js';
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
});
