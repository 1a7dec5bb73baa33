import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InMemoryBlobKeys } from '../testing/in-memory-blob-keys.js';
import { InMemoryBlobStore } from './in-memory-blob-store.js';
import { BlobErasedError, SealedBlobStore } from './sealed-blob-store.js';

describe('sealed blobs and forgotten usagers (DOMAIN.md: crypto-shredding)', () => {
  it('after forget, no read gives a forgotten usager’s bytes; every other usager reads theirs unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ usager: fc.integer({ min: 0, max: 3 }), content: fc.uint8Array({ maxLength: 64 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
        async (documents, forgottenIndexes) => {
          // given documents of four usagers, some with the same content
          const keys = new InMemoryBlobKeys();
          const kept = new InMemoryBlobStore();
          const blobs = new SealedBlobStore(kept, keys);
          const owner = (index: number) => ({ organisationId: 'og-1', serviceUserId: `usager-${index}` });
          const stored = [];
          for (const document of documents) {
            stored.push({ ...document, ...(await blobs.put(owner(document.usager), document.content)) });
          }

          // when some usagers are forgotten
          for (const index of forgottenIndexes) keys.forget(owner(index).serviceUserId);

          // then
          const forgotten = new Set(forgottenIndexes);
          for (const document of stored) {
            const read = blobs.get(owner(document.usager), document.sha256);
            if (forgotten.has(document.usager)) await assert.rejects(read, BlobErasedError);
            else assert.deepEqual(new Uint8Array(await read), document.content);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
