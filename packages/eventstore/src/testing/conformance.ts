import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { z } from 'zod';
import { parseAnchor } from '../anchor.js';
import {
  DuplicateEventIdError,
  InvalidEventError,
  TenantMismatchError,
  WrongExpectedRevisionError,
} from '../errors.js';
import type { EventToAppend, RecordedEvent } from '../event.js';
import type { EventStore, ExpectedRevision, ReadAllOptions } from '../event-store.js';
import { GENESIS_HASH, hashEvent } from '../hash-chain.js';
import { emptyModel, eventStoreCommandSequences, newRealEventStore } from './event-store-model.js';
import {
  anchorOnceItSees,
  idsOf,
  readAllOnceVisible,
  takeEvents,
  testEvent,
  testEvents,
  uniqueOrganisationId,
  uniqueStreamId,
  within,
} from './fixtures.js';

/** Rewrites stored events behind the store's back, to prove that `verifyIntegrity` notices. */
export interface EventStoreTampering {
  /** Replaces the data of a stored event, leaving its hashes as they were. */
  alterData(streamId: string, streamRevision: number, data: unknown): Promise<void>;
  /** Deletes a stored event that is not the last of its stream. */
  removeEvent(streamId: string, streamRevision: number): Promise<void>;
}

/** What an adapter's spec file hands the suite: a store that starts empty, or at least shares nothing with the tests. */
export interface EventStoreUnderTest<Transaction = never> {
  store: EventStore<Transaction>;
  dispose(): Promise<void>;
  /** Optional: the tampering tests run only for adapters that provide it. */
  tamper?: EventStoreTampering;
}

export interface ConformanceOptions {
  /** Runs of the model-based test, each on a store of its own. Defaults to 30. */
  modelRuns?: number;
  /** Longest command sequence of a run. Defaults to 20. */
  modelMaxCommands?: number;
}

const isoInstant = z.iso.datetime({ offset: true });
const sha256Hex = /^[0-9a-f]{64}$/;

/**
 * The behaviour every event store adapter must have (DESIGN.md, Event store). Each test uses
 * streams and organisations of its own, so the suite also holds on a store that is never emptied.
 */
export function describeEventStoreConformance<Transaction = never>(
  adapterName: string,
  factory: () => Promise<EventStoreUnderTest<Transaction>>,
  options: ConformanceOptions = {},
): void {
  describe(`EventStore conformance: ${adapterName}`, () => {
    let underTest: EventStoreUnderTest<Transaction> | undefined;
    let store: EventStore<Transaction>;
    let organisationId: string;

    beforeEach(async () => {
      underTest = await factory();
      store = underTest.store;
      organisationId = uniqueOrganisationId();
    });

    afterEach(async () => {
      await underTest?.dispose();
      underTest = undefined;
    });

    /** A stream of its own, holding the given appends, made one after the other. */
    async function givenStream(...appends: EventToAppend[][]): Promise<string> {
      const streamId = uniqueStreamId();
      for (const events of appends) await store.appendToStream(streamId, events);
      return streamId;
    }

    async function expectRejection<E extends Error>(
      attempt: Promise<unknown>,
      errorType: abstract new (...args: never[]) => E,
    ): Promise<E> {
      try {
        await attempt;
      } catch (error) {
        assert.ok(error instanceof errorType, `expected ${errorType.name}, got ${String(error)}`);
        return error;
      }
      return assert.fail(`expected ${errorType.name}, the call succeeded`);
    }

    describe('appending and reading back', () => {
      it('returns the events with their envelope, metadata, revisions and positions', async () => {
        // given
        const streamId = uniqueStreamId();
        const first = testEvent(organisationId, {
          type: 'AdmissionPrononcee',
          data: { motif: 'addiction', montant: 12.5, liste: [1, 'deux', null], vide: {} },
          metadata: {
            facilityId: '750000001',
            correlationId: 'corr-1',
            causationId: 'cmd-1',
            serviceUserId: 'usager-1',
            actor: { kind: 'professional', id: 'pro-1', role: 'medecin' },
          },
        });
        const second = testEvent(organisationId, { version: 3, metadata: { actor: { kind: 'system', id: 'batch' } } });
        const before = Date.now();

        // when
        const result = await store.appendToStream(streamId, [first, second]);
        const events = await store.readStream(streamId);

        // then
        assert.equal(events.length, 2);
        const [one, two] = events as [RecordedEvent, RecordedEvent];
        assert.deepEqual(
          { id: one.id, type: one.type, version: one.version, data: one.data, streamId: one.streamId },
          { id: first.id, type: 'AdmissionPrononcee', version: 1, data: first.data, streamId },
        );
        assert.equal(two.version, 3, 'an explicit version is kept');
        const { recordedAt, ...metadata } = one.metadata;
        assert.deepEqual(metadata, first.metadata);
        assert.deepEqual({ ...two.metadata, recordedAt: undefined }, { ...second.metadata, recordedAt: undefined });
        assert.ok(isoInstant.safeParse(recordedAt).success, `recordedAt is an ISO instant: ${recordedAt}`);
        assert.ok(Math.abs(Date.parse(recordedAt) - before) < 60_000, 'recordedAt is the time of the append');
        assert.deepEqual(
          events.map((event) => event.streamRevision),
          [0, 1],
        );
        assert.equal(typeof one.globalPosition, 'bigint');
        assert.ok(two.globalPosition > one.globalPosition, 'positions increase within an append');
        assert.deepEqual(result, {
          nextExpectedRevision: 1,
          lastGlobalPosition: two.globalPosition,
          alreadyAppended: false,
        });
      });

      it('continues the revisions and positions of a stream across appends', async () => {
        // given
        const streamId = await givenStream(testEvents(organisationId, 2));

        // when
        const result = await store.appendToStream(streamId, testEvents(organisationId, 2));

        // then
        const events = await store.readStream(streamId);
        assert.deepEqual(
          events.map((event) => event.streamRevision),
          [0, 1, 2, 3],
        );
        assertIncreasingPositions(events);
        assert.equal(result.nextExpectedRevision, 3);
        assert.equal(result.lastGlobalPosition, events[3]!.globalPosition);
      });

      it('gives each caller its own copy: mutating what was read changes nothing stored', async () => {
        // given
        const streamId = await givenStream([testEvent(organisationId, { data: { value: 'original' } })]);
        const [read] = await store.readStream(streamId);

        // when
        (read!.data as { value: string }).value = 'changed';
        read!.metadata.organisationId = 'someone-else';

        // then
        const [again] = await store.readStream(streamId);
        assert.deepEqual(again!.data, { value: 'original' });
        assert.equal(again!.metadata.organisationId, organisationId);
      });

      it('keeps what was appended even if the caller mutates its events afterwards', async () => {
        // given
        const event = testEvent(organisationId, { data: { value: 'original' } });
        const streamId = await givenStream([event]);

        // when
        (event.data as { value: string }).value = 'changed';

        // then
        const [stored] = await store.readStream(streamId);
        assert.deepEqual(stored!.data, { value: 'original' });
      });
    });

    describe('expected revision', () => {
      const accepted: [string, ExpectedRevision, number][] = [
        ['any on a new stream', 'any', 0],
        ['any on an existing stream', 'any', 2],
        ['noStream on a new stream', 'noStream', 0],
        ['streamExists on an existing stream', 'streamExists', 1],
        ['the exact revision of the last event', 1, 2],
        ['revision 0 on a stream of one event', 0, 1],
      ];
      for (const [label, expectedRevision, existing] of accepted) {
        it(`accepts ${label}`, async () => {
          // given
          const streamId = await givenStream(...(existing ? [testEvents(organisationId, existing)] : []));

          // when
          const result = await store.appendToStream(streamId, [testEvent(organisationId)], { expectedRevision });

          // then
          assert.equal(result.nextExpectedRevision, existing);
          assert.equal((await store.readStream(streamId)).length, existing + 1);
        });
      }

      it('treats a missing expectation as any', async () => {
        // given
        const streamId = await givenStream(testEvents(organisationId, 1));

        // when
        const result = await store.appendToStream(streamId, [testEvent(organisationId)]);

        // then
        assert.equal(result.nextExpectedRevision, 1);
      });

      const refused: [string, ExpectedRevision, number, number | undefined][] = [
        ['noStream on an existing stream', 'noStream', 1, 0],
        ['streamExists on a new stream', 'streamExists', 0, undefined],
        ['a revision behind the stream', 0, 2, 1],
        ['a revision ahead of the stream', 5, 2, 1],
        ['a revision on a new stream', 0, 0, undefined],
      ];
      for (const [label, expectedRevision, existing, actual] of refused) {
        it(`refuses ${label}, with the actual revision, and writes nothing`, async () => {
          // given
          const streamId = await givenStream(...(existing ? [testEvents(organisationId, existing)] : []));

          // when
          const error = await expectRejection(
            store.appendToStream(streamId, [testEvent(organisationId)], { expectedRevision }),
            WrongExpectedRevisionError,
          );

          // then
          assert.deepEqual(
            { streamId: error.streamId, expected: error.expected, actual: error.actual },
            { streamId, expected: expectedRevision, actual },
          );
          assert.equal((await store.readStream(streamId)).length, existing);
        });
      }

      it('lets exactly one of two concurrent appends with the same expectation win', async () => {
        // given
        const streamId = await givenStream(testEvents(organisationId, 1));

        // when
        const outcomes = await Promise.allSettled([
          store.appendToStream(streamId, [testEvent(organisationId)], { expectedRevision: 0 }),
          store.appendToStream(streamId, [testEvent(organisationId)], { expectedRevision: 0 }),
        ]);

        // then
        assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
        const failure = outcomes.find((outcome) => outcome.status === 'rejected');
        assert.ok(failure?.reason instanceof WrongExpectedRevisionError, `got ${String(failure?.reason)}`);
        assert.equal((await store.readStream(streamId)).length, 2);
      });

      it('lands every one of concurrent appends expecting any, chained one after the other', async () => {
        // given
        const streamId = await givenStream(testEvents(organisationId, 1));

        // when
        const results = await Promise.all(
          [1, 2, 3, 4].map(() =>
            store.appendToStream(streamId, testEvents(organisationId, 2), { expectedRevision: 'any' }),
          ),
        );

        // then
        const events = await store.readStream(streamId);
        assert.deepEqual(
          events.map((event) => event.streamRevision),
          [0, 1, 2, 3, 4, 5, 6, 7, 8],
        );
        assert.deepEqual(results.map((result) => result.nextExpectedRevision).sort(), [2, 4, 6, 8]);
        assert.deepEqual(await store.verifyIntegrity({ streamId }), { ok: true, streamsChecked: 1, eventsChecked: 9 });
      });
    });

    describe('reading a stream', () => {
      let streamId: string;
      const revisions = (events: RecordedEvent[]) => events.map((event) => event.streamRevision);

      beforeEach(async () => {
        streamId = await givenStream(testEvents(organisationId, 3), testEvents(organisationId, 2));
      });

      const cases: [string, Parameters<EventStore['readStream']>[1], number[]][] = [
        ['forwards from the start by default', {}, [0, 1, 2, 3, 4]],
        ['backwards from the end', { direction: 'backwards' }, [4, 3, 2, 1, 0]],
        ['forwards from a revision, inclusive', { fromRevision: 2 }, [2, 3, 4]],
        ['backwards from a revision, inclusive', { direction: 'backwards', fromRevision: 2 }, [2, 1, 0]],
        ['at most maxCount events forwards', { maxCount: 2 }, [0, 1]],
        ['at most maxCount events from a revision', { fromRevision: 1, maxCount: 2 }, [1, 2]],
        ['at most maxCount events backwards', { direction: 'backwards', maxCount: 2 }, [4, 3]],
        ['nothing forwards from beyond the end', { fromRevision: 5 }, []],
      ];
      for (const [label, readOptions, expected] of cases) {
        it(`reads ${label}`, async () => {
          // given a stream of five events in two appends (beforeEach)

          // when
          const events = await store.readStream(streamId, readOptions);

          // then
          assert.deepEqual(revisions(events), expected);
        });
      }

      it('reads an empty list for a stream that does not exist, in either direction', async () => {
        // given
        const missing = uniqueStreamId('missing');

        // when
        const forwards = await store.readStream(missing);
        const backwards = await store.readStream(missing, { direction: 'backwards' });

        // then
        assert.deepEqual([forwards, backwards], [[], []]);
      });
    });

    describe('reading the global log', () => {
      /** Appends a marker, then the given appends; returns the marker's position and the events, in log order. */
      async function givenLogAfterMarker(...appends: [string, EventToAppend[]][]) {
        const marker = await store.appendToStream(uniqueStreamId('marker'), [testEvent(uniqueOrganisationId())]);
        for (const [streamId, events] of appends) await store.appendToStream(streamId, events);
        return { after: marker.lastGlobalPosition, ids: appends.flatMap(([, events]) => idsOf(events)) };
      }

      it('reads every event after a position, across streams and organisations, in append order', async () => {
        // given
        const other = uniqueOrganisationId();
        const [a, b] = [uniqueStreamId('a'), uniqueStreamId('b')];
        const { after, ids } = await givenLogAfterMarker(
          [a, testEvents(organisationId, 2)],
          [b, testEvents(other, 1)],
          [a, testEvents(organisationId, 1)],
        );

        // when
        const events = await store.readAll({ after });

        // then
        assert.deepEqual(idsOf(events), ids);
        assertIncreasingPositions(events);
        assert.ok(events[0]!.globalPosition > after, 'after is exclusive');
        const [fromStream] = await store.readStream(a);
        assert.deepEqual(events[0], fromStream, 'the log and the stream tell the same event');
      });

      it("keeps each stream's order under concurrent appends to several streams", async function () {
        this.timeout(120_000);
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.record({ stream: fc.nat(3), count: fc.integer({ min: 1, max: 3 }) }), {
              minLength: 2,
              maxLength: 40,
            }),
            async (appends) => {
              // given an organisation and streams of their own for this run
              const ownOrganisation = uniqueOrganisationId();
              const streams = [0, 1, 2, 3].map((index) => uniqueStreamId(`order-${index}`));

              // when the appends all arrive at once, expecting nothing of their streams
              await Promise.all(
                appends.map(({ stream, count }) =>
                  store.appendToStream(streams[stream]!, testEvents(ownOrganisation, count), {
                    expectedRevision: 'any',
                  }),
                ),
              );

              // then the global log gives every stream's events in the stream's own order
              const appended = appends.reduce((events, { count }) => events + count, 0);
              const log = await readAllOnceVisible(store, ownOrganisation, appended);
              assert.equal(log.length, appended, 'every appended event in the log');
              for (const streamId of streams) {
                const revisions = log.filter((event) => event.streamId === streamId).map((e) => e.streamRevision);
                assert.deepEqual(revisions, [...revisions.keys()], `${streamId} in the global log`);
              }
            },
          ),
          { numRuns: 20 },
        );
      });

      it('reads at most maxCount events, and pages through the log with after', async () => {
        // given
        const { after, ids } = await givenLogAfterMarker([uniqueStreamId(), testEvents(organisationId, 5)]);

        // when
        const pages: RecordedEvent[][] = [];
        let cursor = after;
        for (let page = 0; page < 3; page += 1) {
          const events = await store.readAll({ after: cursor, maxCount: 2, organisationId });
          pages.push(events);
          cursor = events.at(-1)?.globalPosition ?? cursor;
        }

        // then
        assert.deepEqual(
          pages.map((page) => page.length),
          [2, 2, 1],
        );
        assert.deepEqual(idsOf(pages.flat()), ids);
      });

      it('reads only the events of one organisation when asked', async () => {
        // given
        const other = uniqueOrganisationId();
        const mine = [testEvents(organisationId, 2), testEvents(organisationId, 1)];
        await givenLogAfterMarker(
          [uniqueStreamId(), mine[0]!],
          [uniqueStreamId(), testEvents(other, 2)],
          [uniqueStreamId(), mine[1]!],
        );

        // when
        const events = await store.readAll({ organisationId });

        // then
        assert.deepEqual(idsOf(events), idsOf(mine.flat()));
        assert.ok(events.every((event) => event.metadata.organisationId === organisationId));
      });

      it('reads nothing after the last position', async () => {
        // given
        const { lastGlobalPosition } = await store.appendToStream(uniqueStreamId(), testEvents(organisationId, 2));

        // when
        const events = await store.readAll({ after: lastGlobalPosition, organisationId });

        // then
        assert.deepEqual(events, []);
      });
    });

    describe('subscribing to the global log', () => {
      let stop: AbortController;
      beforeEach(() => {
        stop = new AbortController();
      });
      afterEach(() => stop.abort());

      function subscribe(subscribeOptions: Omit<Parameters<EventStore['subscribeToAll']>[0], 'signal'> = {}) {
        return store
          .subscribeToAll({ organisationId, pollIntervalMs: 50, ...subscribeOptions, signal: stop.signal })
          [Symbol.asyncIterator]();
      }

      it('catches up with the past, then receives what is appended after subscribing', async () => {
        // given
        const streamId = uniqueStreamId();
        const past = testEvents(organisationId, 3);
        await store.appendToStream(streamId, past);
        const subscription = subscribe();
        const caughtUp = await takeEvents(subscription, 3);

        // when
        const live = testEvents(organisationId, 2);
        await store.appendToStream(uniqueStreamId(), testEvents(uniqueOrganisationId(), 1));
        await store.appendToStream(streamId, live);

        // then
        assert.deepEqual(idsOf(caughtUp), idsOf(past));
        assert.deepEqual(
          idsOf(await takeEvents(subscription, 2)),
          idsOf(live),
          'live events, of this organisation only',
        );
      });

      it('starts strictly after the position it is given', async () => {
        // given
        const events = testEvents(organisationId, 3);
        await store.appendToStream(uniqueStreamId(), events.slice(0, 2));
        await store.appendToStream(uniqueStreamId(), events.slice(2));
        const [, second] = await store.readAll({ organisationId });

        // when
        const subscription = subscribe({ after: second!.globalPosition });

        // then
        assert.deepEqual(idsOf(await takeEvents(subscription, 1)), [events[2]!.id]);
      });

      it('ends without error when aborted while waiting for events', async () => {
        // given
        await store.appendToStream(uniqueStreamId(), testEvents(organisationId, 1));
        const subscription = subscribe();
        await takeEvents(subscription, 1);
        const waiting = subscription.next();

        // when
        stop.abort();

        // then
        const outcome = await within(waiting, 2_000);
        assert.notEqual(outcome, 'timeout', 'the subscription did not stop');
        assert.equal((outcome as IteratorResult<RecordedEvent>).done, true);
      });

      it('yields nothing when already aborted', async () => {
        // given
        await store.appendToStream(uniqueStreamId(), testEvents(organisationId, 2));
        stop.abort();

        // when
        const outcome = await within(subscribe().next(), 2_000);

        // then
        assert.notEqual(outcome, 'timeout', 'the subscription did not stop');
        assert.equal((outcome as IteratorResult<RecordedEvent>).done, true);
      });

      it('reads ahead of a slow consumer by a bounded number of batches only', async () => {
        // given
        await store.appendToStream(uniqueStreamId(), testEvents(organisationId, 100));
        let fetched = 0;
        let reads = 0;
        const readAll = store.readAll;
        // Observes the reads the subscription makes: adapters subscribe through their own readAll.
        store.readAll = async (readOptions?: ReadAllOptions) => {
          const events = await readAll.call(store, readOptions);
          reads += 1;
          fetched += events.length;
          return events;
        };
        const subscription = subscribe({ batchSize: 10 });

        // when
        try {
          await takeEvents(subscription, 5);
          await sleep(100);
        } finally {
          store.readAll = readAll;
        }

        // then
        assert.ok(reads > 0, 'the subscription must read the log through store.readAll for this test to observe it');
        assert.ok(fetched <= 20, `the subscription fetched ${fetched} events for a consumer that took 5`);
      });
    });

    describe('idempotency', () => {
      it('answers a retried append with the first result and writes nothing', async () => {
        // given
        const streamId = uniqueStreamId();
        const events = testEvents(organisationId, 2);
        const first = await store.appendToStream(streamId, events, { expectedRevision: 'noStream' });

        // when
        const retried = await store.appendToStream(streamId, events, { expectedRevision: 'noStream' });

        // then
        assert.deepEqual(retried, { ...first, alreadyAppended: true });
        assert.deepEqual(idsOf(await store.readStream(streamId)), idsOf(events));
        assert.equal((await store.readAll({ organisationId })).length, 2);
      });

      it('recognises a retry even after the stream moved on', async () => {
        // given
        const streamId = uniqueStreamId();
        const events = testEvents(organisationId, 2);
        const first = await store.appendToStream(streamId, events);
        await store.appendToStream(streamId, testEvents(organisationId, 1), { expectedRevision: 1 });

        // when
        const retried = await store.appendToStream(streamId, events, { expectedRevision: 'any' });

        // then
        assert.deepEqual(retried, { ...first, alreadyAppended: true });
        assert.equal((await store.readStream(streamId)).length, 3);
      });

      const partialRetries: [string, (stored: EventToAppend[], fresh: EventToAppend) => EventToAppend[]][] = [
        ['some stored ids followed by a new one', ([, second], fresh) => [second!, fresh]],
        ['a new id followed by a stored one', ([first], fresh) => [fresh, first!]],
        ['the stored ids in another order', ([first, second]) => [second!, first!]],
      ];
      for (const [label, reuse] of partialRetries) {
        it(`refuses ${label} with DuplicateEventIdError and writes nothing`, async () => {
          // given
          const streamId = uniqueStreamId();
          const stored = testEvents(organisationId, 2);
          await store.appendToStream(streamId, stored);

          // when
          await expectRejection(
            store.appendToStream(streamId, reuse(stored, testEvent(organisationId))),
            DuplicateEventIdError,
          );

          // then
          assert.deepEqual(idsOf(await store.readStream(streamId)), idsOf(stored));
        });
      }
    });

    describe('tenancy', () => {
      it('refuses to append to a stream of another organisation, and writes nothing', async () => {
        // given
        const streamId = await givenStream(testEvents(organisationId, 1));

        // when
        const error = await expectRejection(
          store.appendToStream(streamId, testEvents(uniqueOrganisationId(), 1)),
          TenantMismatchError,
        );

        // then
        assert.equal(error.streamId, streamId);
        assert.equal((await store.readStream(streamId)).length, 1);
      });

      it('refuses an append whose events belong to two organisations', async () => {
        // given
        const streamId = uniqueStreamId();

        // when
        await expectRejection(
          store.appendToStream(streamId, [testEvent(organisationId), testEvent(uniqueOrganisationId())]),
          InvalidEventError,
        );

        // then
        assert.deepEqual(await store.readStream(streamId), []);
      });
    });

    describe('invalid input', () => {
      const invalidAppends: [string, (streamId: string, organisationId: string) => [string, EventToAppend[]]][] = [
        ['an empty stream id', (_, organisation) => ['', [testEvent(organisation)]]],
        ['no event', (streamId) => [streamId, []]],
        [
          'an id that is not a UUID',
          (streamId, organisation) => [streamId, [testEvent(organisation, { id: 'not-a-uuid' })]],
        ],
        ['an empty type', (streamId, organisation) => [streamId, [testEvent(organisation, { type: '' })]]],
        ['a version of 0', (streamId, organisation) => [streamId, [testEvent(organisation, { version: 0 })]]],
        [
          'an event without metadata',
          (streamId, organisation) => [
            streamId,
            [{ ...testEvent(organisation), metadata: undefined } as unknown as EventToAppend],
          ],
        ],
        [
          'metadata without an actor',
          (streamId, organisation) => {
            const { actor: _actor, ...metadata } = testEvent(organisation).metadata;
            return [streamId, [{ ...testEvent(organisation), metadata } as unknown as EventToAppend]];
          },
        ],
        [
          'an occurredAt that is not an instant',
          (streamId, organisation) => [streamId, [testEvent(organisation, { metadata: { occurredAt: 'yesterday' } })]],
        ],
        [
          'a valid event followed by an invalid one',
          (streamId, organisation) => [streamId, [testEvent(organisation), testEvent(organisation, { id: 'bad' })]],
        ],
        [
          'the same id twice',
          (streamId, organisation) => {
            const event = testEvent(organisation);
            return [streamId, [event, { ...event }]];
          },
        ],
      ];
      for (const [label, build] of invalidAppends) {
        it(`refuses ${label} with InvalidEventError and writes nothing`, async () => {
          // given
          const [streamId, events] = build(uniqueStreamId(), organisationId);

          // when
          await expectRejection(store.appendToStream(streamId, events), InvalidEventError);

          // then
          if (streamId !== '') assert.deepEqual(await store.readStream(streamId), []);
          assert.deepEqual(await store.readAll({ organisationId }), []);
        });
      }
    });

    describe('hash chain', () => {
      it('chains each event to its predecessor in the stream, from the genesis hash', async () => {
        // given
        const streamId = await givenStream(testEvents(organisationId, 2));

        // when
        await store.appendToStream(streamId, testEvents(organisationId, 1));

        // then
        const events = await store.readStream(streamId);
        assert.deepEqual(
          events.map((event) => event.previousHash),
          [GENESIS_HASH, events[0]!.hash, events[1]!.hash],
        );
        for (const event of events) {
          assert.match(event.hash, sha256Hex);
          assert.equal(event.hash, hashEvent(event.previousHash, event.streamRevision, event), 'the shared formula');
        }
      });

      it('starts every stream at the genesis hash', async () => {
        // given
        const [a, b] = [
          await givenStream(testEvents(organisationId, 1)),
          await givenStream(testEvents(organisationId, 1)),
        ];

        // when
        const firsts = [...(await store.readStream(a)), ...(await store.readStream(b))];

        // then
        assert.deepEqual(
          firsts.map((event) => event.previousHash),
          [GENESIS_HASH, GENESIS_HASH],
        );
        assert.notEqual(firsts[0]!.hash, firsts[1]!.hash);
      });

      it('verifies an untouched stream and an untouched log', async () => {
        // given
        const streamId = await givenStream(testEvents(organisationId, 2), testEvents(organisationId, 2));
        await givenStream(testEvents(organisationId, 1));

        // when
        const stream = await store.verifyIntegrity({ streamId });
        const log = await store.verifyIntegrity();

        // then
        assert.deepEqual(stream, { ok: true, streamsChecked: 1, eventsChecked: 4 });
        assert.equal(log.ok, true, `the log should verify: ${JSON.stringify(log, bigintAsString)}`);
        assert.ok(log.eventsChecked >= 5);
      });

      it('keeps an anchor of the log valid as the log grows', async () => {
        // given a log anchored
        const streamId = await givenStream(testEvents(organisationId, 2));
        const taken = await anchorOnceItSees(store, new Date('2026-11-29T06:00:00Z'), (anchor) =>
          anchor.streams.some((end) => end.streamId === streamId),
        );
        assert.equal(taken.ok, true, `the log should verify: ${JSON.stringify(taken, bigintAsString)}`);
        if (!taken.ok) return;

        // when the stream grows and another begins
        await store.appendToStream(streamId, testEvents(organisationId, 2), { expectedRevision: 1 });
        await givenStream(testEvents(organisationId, 1));

        // then the anchor saw the stream's end then and the log's order, it reads back as it was
        // written, and the log and the stream still verify against it
        const [, second] = await store.readStream(streamId);
        assert.ok(taken.anchor.log, 'the anchor should keep the global log');
        assert.equal(
          taken.anchor.log.events,
          taken.anchor.streams.reduce((events, end) => events + end.revision + 1, 0),
        );
        assert.deepEqual(parseAnchor(JSON.parse(JSON.stringify(taken.anchor))), taken.anchor);
        assert.deepEqual(
          taken.anchor.streams.find((end) => end.streamId === streamId),
          { streamId, revision: 1, hash: second!.hash },
        );
        const log = await store.verifyIntegrity({ anchor: taken.anchor });
        assert.equal(log.ok, true, `the log should verify: ${JSON.stringify(log, bigintAsString)}`);
        assert.deepEqual(await store.verifyIntegrity({ streamId, anchor: taken.anchor }), {
          ok: true,
          streamsChecked: 1,
          eventsChecked: 4,
        });
      });

      it('reports the altered event when data changed behind the store', async function () {
        if (!underTest?.tamper) return this.skip();
        // given
        const streamId = await givenStream(testEvents(organisationId, 3));
        const [, second] = await store.readStream(streamId);

        // when
        await underTest.tamper.alterData(streamId, 1, { index: 'forged' });

        // then
        for (const report of [await store.verifyIntegrity({ streamId }), await store.verifyIntegrity()]) {
          assert.equal(report.ok, false);
          if (report.ok) continue;
          assert.equal(report.firstBadEvent.problem, 'altered');
          assert.equal(report.firstBadEvent.eventId, second!.id);
          assert.equal(report.firstBadEvent.streamRevision, 1);
        }
      });

      it('reports the removal of an event behind the store', async function () {
        if (!underTest?.tamper) return this.skip();
        // given
        const streamId = await givenStream(testEvents(organisationId, 3));

        // when
        await underTest.tamper.removeEvent(streamId, 1);

        // then
        const report = await store.verifyIntegrity({ streamId });
        assert.equal(report.ok, false);
        if (!report.ok) assert.equal(report.firstBadEvent.problem, 'removed');
      });
    });
  });

  describe(`EventStore model: ${adapterName}`, () => {
    it('behaves like a simple model under random appends and reads', async function () {
      this.timeout(300_000);
      await fc.assert(
        fc.asyncProperty(eventStoreCommandSequences(options.modelMaxCommands ?? 20), async (commands) => {
          // given a store of its own for every run
          const { store, dispose } = await factory();
          try {
            // when / then: each command's result equals the model's
            await fc.asyncModelRun(() => ({ model: emptyModel(), real: newRealEventStore(store) }), commands);
          } finally {
            await dispose();
          }
        }),
        { numRuns: options.modelRuns ?? 30 },
      );
    });
  });
}

function assertIncreasingPositions(events: readonly RecordedEvent[]): void {
  for (const [index, event] of events.entries()) {
    const previous = events[index - 1];
    if (previous) assert.ok(event.globalPosition > previous.globalPosition, 'global positions increase');
  }
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
