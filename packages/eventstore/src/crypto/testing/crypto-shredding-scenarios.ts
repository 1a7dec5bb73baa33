import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { InvalidEventError } from '../../errors.js';
import { type EventToAppend, isErased, type RecordedEvent } from '../../event.js';
import type { EventStore } from '../../event-store.js';
import { rejectionOf, takeEvents } from '../../testing/fixtures.js';
import { type CryptoShreddingEventStore, withCryptoShredding } from '../crypto-shredding-event-store.js';
import type { DataKeyStore } from '../data-key-store.js';
import {
  DataKeyUnwrapError,
  EventDataDecryptionError,
  ServiceUserTenantMismatchError,
  SubjectForgottenError,
} from '../errors.js';
import { isEncryptedData } from '../event-data-cipher.js';
import { unwrapKey } from '../key-wrapping.js';

/** What a spec file hands the scenarios: a store to decorate, its key store, and raw access to its storage. */
export interface CryptoShreddingUnderTest<Transaction> {
  inner: EventStore<Transaction>;
  keys: DataKeyStore<Transaction>;
  /** Everything the storage holds about events, as text (a raw SQL scan, or a dump of memory). */
  rawEvents(): Promise<string>;
  /** Replaces an event's stored data behind the stores' back. */
  alterStoredData(eventId: string, data: unknown): Promise<void>;
  dispose(): Promise<void>;
}

export interface CryptoShreddingScenarioOptions {
  /** Runs of the property; each appends a few events. Defaults to 50. */
  propertyRuns?: number;
}

/** A string no ciphertext or metadata will ever contain by chance. */
const DISTINCTIVE = 'Héloïse Marchand-Distinctive, née le 12/03/1987';

/**
 * The behaviour of `withCryptoShredding` over any store and key store: the unit spec runs it on
 * memory, the integration spec on PostgreSQL and PGlite, where `rawEvents` is a SQL scan.
 */
export function describeCryptoShredding<Transaction>(
  adapterName: string,
  factory: () => Promise<CryptoShreddingUnderTest<Transaction>>,
  options: CryptoShreddingScenarioOptions = {},
): void {
  describe(`crypto-shredding: ${adapterName}`, () => {
    let underTest: CryptoShreddingUnderTest<Transaction>;
    let store: CryptoShreddingEventStore<Transaction>;
    let masterKey: Buffer;
    let organisationId: string;

    beforeEach(async () => {
      underTest = await factory();
      masterKey = randomBytes(32);
      store = withCryptoShredding(underTest.inner, { keys: underTest.keys, masterKey });
      organisationId = `og-${randomUUID()}`;
    });

    afterEach(async () => {
      await underTest.dispose();
    });

    function usager(): string {
      return `usager-${randomUUID()}`;
    }

    function event(serviceUserId: string | undefined, data: unknown, organisation = organisationId): EventToAppend {
      return {
        id: uuidv7(),
        type: 'HandoverRecorded',
        data,
        metadata: {
          organisationId: organisation,
          actor: { kind: 'professional', id: 'pro-1', role: 'infirmier' },
          occurredAt: '2024-03-01T10:00:00.000Z',
          ...(serviceUserId === undefined ? {} : { serviceUserId }),
        },
      };
    }

    function stream(): string {
      return `handover-${randomUUID()}`;
    }

    async function subscribed(count: number): Promise<RecordedEvent[]> {
      const abort = new AbortController();
      try {
        const iterator = store.subscribeToAll({ organisationId, signal: abort.signal })[Symbol.asyncIterator]();
        return await takeEvents(iterator, count);
      } finally {
        abort.abort();
      }
    }

    it('gives back exactly the data appended, on every read path', async () => {
      // given
      const streamId = stream();
      const data = { note: DISTINCTIVE, mood: 'calme', doses: [1, 2.5, null], nested: { ok: true } };
      const appended = event(usager(), data);

      // when
      await store.appendToStream(streamId, [appended]);

      // then
      const [read] = await store.readStream(streamId);
      assert.deepEqual(read?.data, data);
      assert.deepEqual(read?.metadata.serviceUserId, appended.metadata.serviceUserId);
      assert.deepEqual((await store.readAll({ organisationId }))[0]?.data, data);
      assert.deepEqual((await subscribed(1))[0]?.data, data);
    });

    it('stores a usager’s data only as an $encrypted envelope: no plaintext in storage', async () => {
      // given
      const streamId = stream();
      const appended = event(usager(), { note: DISTINCTIVE });

      // when
      await store.appendToStream(streamId, [appended]);

      // then
      assert.ok(!(await underTest.rawEvents()).includes(DISTINCTIVE), 'the plaintext is in storage');
      const [stored] = await underTest.inner.readStream(streamId);
      assert.ok(isEncryptedData(stored?.data), `stored as ${JSON.stringify(stored?.data)}`);
      assert.deepEqual({ v: stored.data.$encrypted.v, alg: stored.data.$encrypted.alg }, { v: 1, alg: 'A256GCM' });
    });

    it('leaves the data of events about no usager in clear', async () => {
      // given
      const streamId = stream();
      const data = { note: 'réunion d’équipe' };

      // when
      await store.appendToStream(streamId, [event(undefined, data)]);

      // then
      const [stored] = await underTest.inner.readStream(streamId);
      assert.deepEqual(stored?.data, data);
    });

    it('after forget, erases the usager on every read path, spares the others, and the chains still verify', async () => {
      // given
      const [forgotten, remembered] = [usager(), usager()];
      const [sharedStream, ownStream] = [stream(), stream()];
      await store.appendToStream(sharedStream, [
        event(forgotten, { note: DISTINCTIVE }),
        event(remembered, { note: 'remembered' }),
        event(undefined, { note: 'about nobody' }),
      ]);
      await store.appendToStream(ownStream, [event(forgotten, { note: `${DISTINCTIVE} again` })]);

      // when
      await store.forget(forgotten);

      // then
      const expected = [{ $erased: true, serviceUserId: forgotten }, { note: 'remembered' }, { note: 'about nobody' }];
      const erasedOwn = [{ $erased: true, serviceUserId: forgotten }];
      assert.deepEqual(dataOf(await store.readStream(sharedStream)), expected, 'readStream');
      assert.deepEqual(dataOf(await store.readStream(ownStream)), erasedOwn, 'readStream of its own stream');
      assert.deepEqual(dataOf(await store.readAll({ organisationId })), [...expected, ...erasedOwn], 'readAll');
      assert.deepEqual(dataOf(await subscribed(4)), [...expected, ...erasedOwn], 'subscribeToAll');
      assert.ok(!(await underTest.rawEvents()).includes(DISTINCTIVE), 'raw storage');
      const [first] = await store.readStream(sharedStream);
      assert.ok(isErased(first?.data));
      assert.equal(first?.metadata.serviceUserId, forgotten, 'the metadata outlives the erasure');
      assert.deepEqual(await store.verifyIntegrity({ streamId: sharedStream }), {
        ok: true,
        streamsChecked: 1,
        eventsChecked: 3,
      });
      assert.equal((await store.verifyIntegrity()).ok, true, 'the whole log verifies');
    });

    it('refuses to append about a forgotten usager with SubjectForgottenError, and writes nothing', async () => {
      // given
      const [forgotten, other] = [usager(), usager()];
      const streamId = stream();
      await store.appendToStream(streamId, [event(forgotten, { note: 'before' })]);
      await store.forget(forgotten);

      // when
      const error = await rejectionOf(
        store.appendToStream(streamId, [event(other, { note: 'fine' }), event(forgotten, { note: 'after' })]),
      );

      // then
      assert.ok(error instanceof SubjectForgottenError, String(error));
      assert.equal(error.serviceUserId, forgotten);
      assert.equal((await underTest.inner.readStream(streamId)).length, 1);
    });

    it('forgets for good a usager nothing was written about yet', async () => {
      // given
      const forgotten = usager();

      // when
      await store.forget(forgotten);

      // then
      const error = await rejectionOf(store.appendToStream(stream(), [event(forgotten, { note: 'too late' })]));
      assert.ok(error instanceof SubjectForgottenError, String(error));
      assert.equal((await underTest.keys.get(forgotten))?.status, 'destroyed');
    });

    it('keeps the row of a destroyed key, without the key, as proof of erasure; forgetting twice keeps the first date', async () => {
      // given
      const forgotten = usager();
      await store.appendToStream(stream(), [event(forgotten, { note: 'x' })]);
      await store.forget(forgotten);
      const first = await underTest.keys.get(forgotten);

      // when
      await store.forget(forgotten);

      // then
      const second = await underTest.keys.get(forgotten);
      assert.equal(second?.status, 'destroyed');
      assert.ok(!('wrappedKey' in second), 'no key is left');
      assert.equal(second.organisationId, organisationId);
      assert.deepEqual(second, first);
    });

    it('fetches the keys a read batch needs in one call', async () => {
      // given
      const subjects = [usager(), usager(), usager()];
      const streamId = stream();
      await store.appendToStream(
        streamId,
        subjects.flatMap((subject) => [event(subject, { n: 1 }), event(subject, { n: 2 })]),
      );
      const calls: string[] = [];
      const counting = withCryptoShredding(underTest.inner, { keys: countingKeys(underTest.keys, calls), masterKey });

      // when
      await counting.readStream(streamId);
      await counting.readAll({ organisationId });

      // then
      assert.deepEqual(calls, ['getMany', 'getMany']);
    });

    it('gives a usager one key when two processes write their first event at once', async () => {
      // given: two processes, each sure that the usager has no key yet
      const subject = usager();
      const barrier = twoPartyBarrier();
      const processes = [1, 2].map(() =>
        withCryptoShredding(underTest.inner, { keys: keysMeetingAt(barrier, underTest.keys), masterKey }),
      );
      const [a, b] = [stream(), stream()];

      // when
      await Promise.all([
        processes[0]!.appendToStream(a, [event(subject, { from: 'a' })]),
        processes[1]!.appendToStream(b, [event(subject, { from: 'b' })]),
      ]);

      // then: each reads what the other wrote, so both encrypted under the same key
      assert.deepEqual(dataOf(await processes[0]!.readStream(b)), [{ from: 'b' }]);
      assert.deepEqual(dataOf(await processes[1]!.readStream(a)), [{ from: 'a' }]);
      assert.deepEqual(dataOf(await store.readStream(a)), [{ from: 'a' }]);
    });

    it('refuses to write about a usager of another organisation', async () => {
      // given
      const subject = usager();
      await store.appendToStream(stream(), [event(subject, { note: 'ours' })]);

      // when
      const error = await rejectionOf(
        store.appendToStream(stream(), [event(subject, { note: 'theirs' }, `og-${randomUUID()}`)]),
      );

      // then
      assert.ok(error instanceof ServiceUserTenantMismatchError, String(error));
    });

    it('refuses data that is not JSON with InvalidEventError, before creating any key', async () => {
      // given
      const subject = usager();

      // when
      const error = await rejectionOf(store.appendToStream(stream(), [event(subject, { count: 1n })]));

      // then
      assert.ok(error instanceof InvalidEventError, String(error));
      assert.equal(await underTest.keys.get(subject), undefined);
    });

    it('answers a retried append with the first result, and stores the same ciphertext', async () => {
      // given
      const streamId = stream();
      const events = [event(usager(), { note: 'once' })];
      const first = await store.appendToStream(streamId, events);

      // when
      const retried = await store.appendToStream(streamId, events);

      // then
      assert.deepEqual(retried, { ...first, alreadyAppended: true });
      assert.equal((await store.readStream(streamId)).length, 1);
    });

    it('fails with EventDataDecryptionError, not a crash, when a ciphertext was altered', async () => {
      // given
      const streamId = stream();
      const subject = usager();
      await store.appendToStream(streamId, [event(subject, { note: 'intact' })]);
      const [stored] = await underTest.inner.readStream(streamId);
      assert.ok(isEncryptedData(stored?.data));
      const ciphertext = Buffer.from(stored.data.$encrypted.ciphertext, 'base64');
      ciphertext[0] = ciphertext[0]! ^ 1;
      await underTest.alterStoredData(stored.id, {
        $encrypted: { ...stored.data.$encrypted, ciphertext: ciphertext.toString('base64') },
      });

      // when
      const error = await rejectionOf(store.readStream(streamId));

      // then
      assert.ok(error instanceof EventDataDecryptionError, String(error));
      assert.deepEqual(
        { eventId: error.eventId, serviceUserId: error.serviceUserId },
        { eventId: stored.id, serviceUserId: subject },
      );
      assert.equal((await store.verifyIntegrity({ streamId })).ok, false, 'the chain notices too');
    });

    it('fails with EventDataDecryptionError when a ciphertext is moved onto another event', async () => {
      // given
      const streamId = stream();
      const subject = usager();
      await store.appendToStream(streamId, [event(subject, { note: 'first' }), event(subject, { note: 'second' })]);
      const [first, second] = await underTest.inner.readStream(streamId);

      // when
      await underTest.alterStoredData(second!.id, first!.data);
      const error = await rejectionOf(store.readStream(streamId));

      // then
      assert.ok(error instanceof EventDataDecryptionError, String(error));
      assert.equal(error.eventId, second!.id);
    });

    it('fails with DataKeyUnwrapError under the wrong master key, on reads and on writes', async () => {
      // given
      const streamId = stream();
      const subject = usager();
      await store.appendToStream(streamId, [event(subject, { note: 'secret' })]);
      const misconfigured = withCryptoShredding(underTest.inner, { keys: underTest.keys, masterKey: randomBytes(32) });

      // when
      const onRead = await rejectionOf(misconfigured.readStream(streamId));
      const onWrite = await rejectionOf(misconfigured.appendToStream(streamId, [event(subject, { note: 'more' })]));

      // then
      assert.ok(onRead instanceof DataKeyUnwrapError, String(onRead));
      assert.equal(onRead.serviceUserId, subject);
      assert.ok(onWrite instanceof DataKeyUnwrapError, String(onWrite));
      assert.equal((await underTest.inner.readStream(streamId)).length, 1, 'nothing was written');
    });

    it('reads exactly the data of remembered usagers and the erased marker for forgotten ones (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ subject: fc.integer({ min: 0, max: 4 }), data: fc.jsonValue() }), {
            minLength: 1,
            maxLength: 8,
          }),
          fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 5 }),
          async (writes, forgottenIndexes) => {
            // given: usagers of this run only, since forgetting is forever
            const subjects = Array.from({ length: 5 }, usager);
            const streamId = stream();
            const events = writes.map((write) => event(subjects[write.subject], write.data));
            await store.appendToStream(streamId, events);

            // when
            for (const index of forgottenIndexes) await store.forget(subjects[index]!);

            // then
            const forgotten = new Set(forgottenIndexes.map((index) => subjects[index]));
            const expected = writes.map((write) => {
              const subject = subjects[write.subject]!;
              return forgotten.has(subject) ? { $erased: true, serviceUserId: subject } : asJson(write.data);
            });
            assert.deepEqual(dataOf(await store.readStream(streamId)), expected);
          },
        ),
        { numRuns: options.propertyRuns ?? 50 },
      );
    });

    describe('the content key kept outside the log', () => {
      it('is one per usager, the same at every call, made on first use only when asked', async () => {
        // given two usagers, one with events, one with none
        const written = usager();
        const untouched = usager();
        await store.appendToStream(stream(), [event(written, { note: DISTINCTIVE })]);

        // when their keys are asked for
        const first = await store.contentKey(written, { organisationId, create: false });
        const again = await store.contentKey(written, { organisationId, create: true });
        const none = await store.contentKey(untouched, { organisationId, create: false });
        const made = await store.contentKey(untouched, { organisationId, create: true });

        // then
        assert.ok(Buffer.isBuffer(first) && first.length === 32);
        assert.deepEqual(again, first);
        assert.equal(none, undefined);
        assert.ok(Buffer.isBuffer(made) && !made.equals(first));
        assert.deepEqual(await store.contentKey(untouched, { organisationId, create: false }), made);
      });

      it('is not the data key the events are encrypted with', async () => {
        // given a usager and their stored data key, opened with the master key
        const serviceUserId = usager();
        const contentKey = await store.contentKey(serviceUserId, { organisationId, create: true });
        const stored = await underTest.keys.get(serviceUserId);
        assert.equal(stored?.status, 'active');

        // then the content key differs from the data key (it is derived, not shared)
        const dataKey =
          stored?.status === 'active'
            ? unwrapKey({ current: masterKey, previous: [] }, { dataKeyOf: serviceUserId }, stored.wrappedKey)?.key
            : undefined;
        assert.ok(Buffer.isBuffer(dataKey) && Buffer.isBuffer(contentKey));
        assert.equal(dataKey.equals(contentKey), false);
      });

      it('is gone once the usager is forgotten, and refused to another organisation', async () => {
        // given
        const serviceUserId = usager();
        await store.contentKey(serviceUserId, { organisationId, create: true });

        // then another organisation is refused
        await assert.rejects(
          store.contentKey(serviceUserId, { organisationId: `og-${randomUUID()}`, create: false }),
          ServiceUserTenantMismatchError,
        );

        // when forgotten
        await store.forget(serviceUserId);

        // then
        assert.equal(await store.contentKey(serviceUserId, { organisationId, create: false }), 'forgotten');
        assert.equal(await store.contentKey(serviceUserId, { organisationId, create: true }), 'forgotten');
      });
    });
  });
}

function dataOf(events: readonly RecordedEvent[]): unknown[] {
  return events.map((event) => event.data);
}

/** What a JSON store gives back for a value: JSON has no -0, for one. */
function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** The key store, each call named in `calls`. */
export function countingKeys<Transaction>(keys: DataKeyStore<Transaction>, calls: string[]): DataKeyStore<Transaction> {
  return {
    get: (...args) => {
      calls.push('get');
      return keys.get(...args);
    },
    getMany: (...args) => {
      calls.push('getMany');
      return keys.getMany(...args);
    },
    create: (...args) => {
      calls.push('create');
      return keys.create(...args);
    },
    destroy: (...args) => {
      calls.push('destroy');
      return keys.destroy(...args);
    },
  };
}

interface Barrier {
  arrive(): Promise<void>;
}

/** Holds the first party until the second arrives. */
function twoPartyBarrier(): Barrier {
  let arrived = 0;
  let release: () => void = () => undefined;
  const bothArrived = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    arrive() {
      arrived += 1;
      if (arrived === 2) release();
      return bothArrived;
    },
  };
}

/** A key store whose look-ups both wait for each other, so both processes see no key and both create one. */
function keysMeetingAt<Transaction>(barrier: Barrier, keys: DataKeyStore<Transaction>): DataKeyStore<Transaction> {
  return {
    get: (...args) => keys.get(...args),
    getMany: async (...args) => {
      const found = await keys.getMany(...args);
      await barrier.arrive();
      return found;
    },
    create: (...args) => keys.create(...args),
    destroy: (...args) => keys.destroy(...args),
  };
}
