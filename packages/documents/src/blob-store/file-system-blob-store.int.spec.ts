import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describeBlobStoreBehaviour } from '../testing/blob-store-behaviour.js';
import { FileSystemBlobStore } from './file-system-blob-store.js';

describeBlobStoreBehaviour('file system', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'dui-blobs-'));
  const store = new FileSystemBlobStore(directory);
  return {
    store,
    async corrupt(addressOrSlot) {
      const addressed = store.pathOf(addressOrSlot);
      const path = (await stat(addressed).catch(() => undefined)) ? addressed : store.sealedPathOf(addressOrSlot);
      const content = await readFile(path);
      content[content.length - 1] = (content[content.length - 1] ?? 0) ^ 0x80;
      await chmod(path, 0o644);
      await writeFile(path, content);
    },
    async everythingKept() {
      const files = (await readdir(directory, { recursive: true, withFileTypes: true })).filter((entry) =>
        entry.isFile(),
      );
      return Buffer.concat(await Promise.all(files.map((file) => readFile(join(file.parentPath, file.name)))));
    },
    async copiesOf(sha256) {
      const shard = dirname(store.pathOf(sha256));
      const entries = await readdir(shard).catch(() => [] as string[]);
      return entries.filter((entry) => entry.includes(sha256)).length;
    },
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
});

describe('the file system blob store on disk', () => {
  it('shards blobs by the first two bytes of their hash, read-only', async () => {
    // given
    const directory = await mkdtemp(join(tmpdir(), 'dui-blobs-'));
    try {
      const store = new FileSystemBlobStore(directory);

      // when
      const { sha256 } = await store.put(Buffer.from('fiche de synthèse'));

      // then
      const path = join(directory, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
      assert.equal(store.pathOf(sha256), path);
      assert.equal((await readFile(path)).toString(), 'fiche de synthèse');
      assert.deepEqual(await readdir(dirname(path)), [sha256]);
      assert.equal((await stat(path)).mode & 0o777, 0o444);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
