import { describeBlobStoreBehaviour } from '../testing/blob-store-behaviour.js';
import { InMemoryBlobStore } from './in-memory-blob-store.js';

describeBlobStoreBehaviour('in-memory', async () => {
  const store = new InMemoryBlobStore();
  return {
    store,
    corrupt: async (sha256) => store.corrupt(sha256),
    copiesOf: async (sha256) => ((await store.has(sha256)) ? 1 : 0),
    dispose: async () => {},
  };
});
