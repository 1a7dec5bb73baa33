import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../event.js';
import { InMemoryEventStore } from '../in-memory/in-memory-event-store.js';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { testEvent } from '../testing/fixtures.js';
import { withCryptoShredding } from './crypto-shredding-event-store.js';
import type { StoredDataKey } from './data-key-store.js';
import { InMemoryDataKeyStore } from './in-memory-data-key-store.js';
import { describeCryptoShredding } from './testing/crypto-shredding-scenarios.js';

describeCryptoShredding('in-memory', async () => {
  const inner = new InMemoryEventStore();
  const stored = () => [...inner.unsafeRawEvents().values()].flat();
  return {
    inner,
    keys: new InMemoryDataKeyStore(),
    rawEvents: async () => JSON.stringify(stored(), (_, value) => (typeof value === 'bigint' ? String(value) : value)),
    alterStoredData: async (eventId, data) => {
      const event: RecordedEvent | undefined = stored().find((candidate) => candidate.id === eventId);
      if (event === undefined) throw new Error(`no event ${eventId}`);
      event.data = structuredClone(data);
    },
    dispose: () => inner.close(),
  };
});

// The decorator is an event store in its own right: it must pass the suite every adapter passes.
describeEventStoreConformance('in-memory, with crypto-shredding', async () => {
  const inner = new InMemoryEventStore();
  const store = withCryptoShredding(inner, { keys: new InMemoryDataKeyStore(), masterKey: randomBytes(32) });
  const eventAt = (streamId: string, revision: number) => {
    const event = inner.unsafeRawEvents().get(streamId)?.[revision];
    if (event === undefined) throw new Error(`no event ${streamId}@${revision}`);
    return event;
  };
  return {
    store,
    dispose: () => store.close(),
    tamper: {
      alterData: async (streamId, revision, data) => {
        eventAt(streamId, revision).data = data;
      },
      removeEvent: async (streamId, revision) => {
        inner.unsafeRawEvents().get(streamId)?.splice(revision, 1);
      },
    },
  };
});

describe('crypto-shredding, its look-ups of data keys', () => {
  it('looks up in one query the keys of appends about several usagers made at once', async () => {
    // given the keys of eight usagers, and a key store that counts its queries
    let queries = 0;
    const keys = new (class extends InMemoryDataKeyStore {
      override async getMany(serviceUserIds: readonly string[]): Promise<Map<string, StoredDataKey>> {
        queries += 1;
        return super.getMany(serviceUserIds);
      }
    })();
    const store = withCryptoShredding(new InMemoryEventStore(), { keys, masterKey: randomBytes(32) });
    const usagers = Array.from({ length: 8 }, () => randomUUID());
    const traceOf = (serviceUserId: string) =>
      testEvent('og-1', { type: 'RecordRead', data: { part: 'handovers' }, metadata: { serviceUserId } });
    for (const serviceUserId of usagers) await store.appendToStream(`reads-${serviceUserId}`, [traceOf(serviceUserId)]);
    queries = 0;

    // when a feed traces a read of each at once
    await Promise.all(
      usagers.map((serviceUserId) => store.appendToStream(`reads-${serviceUserId}`, [traceOf(serviceUserId)])),
    );

    // then one look-up, and each trace is readable with its own usager's key
    assert.equal(queries, 1);
    for (const serviceUserId of usagers) {
      const traces = await store.readStream(`reads-${serviceUserId}`);
      assert.deepEqual(
        traces.map((event) => event.data),
        [{ part: 'handovers' }, { part: 'handovers' }],
      );
    }
    await store.close();
  });
});
