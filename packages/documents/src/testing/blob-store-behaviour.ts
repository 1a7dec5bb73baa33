import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { BlobIntegrityError, BlobNotFoundError, type BlobStore } from '../blob-store/blob-store.js';

/** A store to test, with what the suite cannot do through the port. */
export interface BlobStoreUnderTest {
  store: BlobStore;
  /** Alters the bytes kept under an address behind the store's back (a failing disk, a tampering). */
  corrupt(sha256: string): Promise<void>;
  /** How many copies of this address are physically kept (files, rows, entries), stray temporary ones included. */
  copiesOf(sha256: string): Promise<number>;
  dispose(): Promise<void>;
}

const sha256Of = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');

/**
 * What every adapter of `BlobStore` does, run against each (file system, PostgreSQL, memory): a
 * new adapter passes this suite or is not one.
 */
export function describeBlobStoreBehaviour(name: string, open: () => Promise<BlobStoreUnderTest>): void {
  describe(`the ${name} blob store`, () => {
    let underTest: BlobStoreUnderTest;
    beforeEach(async () => {
      underTest = await open();
    });
    afterEach(() => underTest.dispose());

    it('stores bytes at the SHA-256 of their content and gives the same bytes back', async () => {
      // given a PDF-like content
      const content = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(4096)]);

      // when it is stored and read back
      const stored = await underTest.store.put(content);
      const read = await underTest.store.get(stored.sha256);

      // then
      assert.deepEqual(stored, { sha256: sha256Of(content), byteLength: content.length });
      assert.ok(read.equals(content));
      assert.equal(await underTest.store.has(stored.sha256), true);
    });

    it('stores the same content once, whoever stores it and however often', async () => {
      // given
      const content = randomBytes(1000);

      // when it is stored twice
      const first = await underTest.store.put(content);
      const second = await underTest.store.put(Uint8Array.from(content));

      // then one address, one copy
      assert.deepEqual(second, first);
      assert.equal(await underTest.copiesOf(first.sha256), 1);
    });

    it('stores concurrent puts of the same content as one whole copy', async () => {
      // given a content of a few hundred kilobytes, stored by eight writers at once
      const content = randomBytes(300_000);

      // when
      const stored = await Promise.all(Array.from({ length: 8 }, () => underTest.store.put(content)));

      // then every writer got the address, and one intact copy is kept (no temporary one left)
      assert.deepEqual(new Set(stored.map((blob) => blob.sha256)), new Set([sha256Of(content)]));
      assert.equal(await underTest.copiesOf(sha256Of(content)), 1);
      assert.ok((await underTest.store.get(sha256Of(content))).equals(content));
    });

    it('keeps different contents apart, the empty one included', async () => {
      const one = await underTest.store.put(Buffer.from('contrat v1'));
      const two = await underTest.store.put(Buffer.from('contrat v2'));
      const empty = await underTest.store.put(new Uint8Array(0));

      assert.notEqual(one.sha256, two.sha256);
      assert.equal((await underTest.store.get(two.sha256)).toString(), 'contrat v2');
      assert.deepEqual(empty, { sha256: sha256Of(new Uint8Array(0)), byteLength: 0 });
      assert.equal((await underTest.store.get(empty.sha256)).length, 0);
    });

    it('detects bytes altered where they are kept, and a later store of the content repairs them', async () => {
      // given a stored content, then altered behind the store's back
      const content = Buffer.from('Le contrat de séjour, signé le 20 mars 2026.');
      const { sha256 } = await underTest.store.put(content);
      await underTest.corrupt(sha256);

      // when it is read
      const error = await underTest.store.get(sha256).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );

      // then the read fails with the hashes, and storing the content again puts it right
      assert.ok(error instanceof BlobIntegrityError, `unexpected ${String(error)}`);
      assert.equal(error.sha256, sha256);
      assert.notEqual(error.actualSha256, sha256);
      await underTest.store.put(content);
      assert.ok((await underTest.store.get(sha256)).equals(content));
      assert.equal(await underTest.copiesOf(sha256), 1);
    });

    it('answers an unknown or malformed address as absent', async () => {
      const unknown = sha256Of(Buffer.from('jamais stocké'));
      for (const address of [unknown, '../../../../etc/passwd', unknown.toUpperCase(), '', `${unknown}/..`]) {
        assert.equal(await underTest.store.has(address), false, address);
        await assert.rejects(underTest.store.get(address), BlobNotFoundError);
        assert.equal(await underTest.store.delete(address), false, address);
      }
    });

    it('purges a blob: there once, then gone', async () => {
      // given
      const { sha256 } = await underTest.store.put(Buffer.from('à détruire au terme de la conservation'));
      const kept = await underTest.store.put(Buffer.from('à garder'));

      // when
      const first = await underTest.store.delete(sha256);
      const second = await underTest.store.delete(sha256);

      // then
      assert.deepEqual([first, second], [true, false]);
      assert.equal(await underTest.store.has(sha256), false);
      await assert.rejects(underTest.store.get(sha256), BlobNotFoundError);
      assert.equal(await underTest.copiesOf(sha256), 0);
      assert.equal((await underTest.store.get(kept.sha256)).toString(), 'à garder');
    });

    it('keeps its own copy: the caller changing its bytes afterwards changes nothing stored', async () => {
      const content = Buffer.from('original');
      const { sha256 } = await underTest.store.put(content);
      content.write('modifié');
      assert.equal((await underTest.store.get(sha256)).toString(), 'original');
    });
  });
}
