import { describeBlobStoreBehaviour } from '../testing/blob-store-behaviour.js';
import { InMemoryBlobStore } from './in-memory-blob-store.js';

describeBlobStoreBehaviour('in-memory', async () => {
  const store = new InMemoryBlobStore();
  return {
    store,
    corrupt: async (addressOrSlot) => store.corrupt(addressOrSlot),
    everythingKept: async () => Buffer.concat(store.everything()),
    copiesOf: async (sha256) => ((await store.has(sha256)) ? 1 : 0),
    dispose: async () => {},
  };
});
