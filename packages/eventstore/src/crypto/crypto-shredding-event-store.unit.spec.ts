import { randomBytes } from 'node:crypto';
import type { RecordedEvent } from '../event.js';
import { InMemoryEventStore } from '../in-memory/in-memory-event-store.js';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { withCryptoShredding } from './crypto-shredding-event-store.js';
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
