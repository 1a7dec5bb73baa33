import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  BlobIntegrityError,
  BlobNotFoundError,
  type BlobStore,
  type ClearBlobAddresses,
  type SealedBlobSlots,
} from '../blob-store/blob-store.js';
import { BlobErasedError, SealedBlobStore, slotOf } from '../blob-store/sealed-blob-store.js';
import { InMemoryBlobKeys } from './in-memory-blob-keys.js';

/** A store to test, with what the suite cannot do through the port. */
export interface BlobStoreUnderTest {
  store: BlobStore & SealedBlobSlots & ClearBlobAddresses;
  /** Alters the bytes kept under an address, or in a sealed slot, behind the store's back (a failing disk, a tampering). */
  corrupt(addressOrSlot: string): Promise<void>;
  /** Every byte kept, addressed or sealed, as a backup would copy it. */
  everythingKept(): Promise<Buffer>;
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

    it('lists the addresses it keeps, not the sealed slots, and no longer the deleted ones', async () => {
      // given two contents, one deleted, and a sealed slot
      const kept = await underTest.store.put(Buffer.from('gardé'));
      const deleted = await underTest.store.put(Buffer.from('supprimé'));
      await underTest.store.delete(deleted.sha256);
      await underTest.store.putSealed(sha256Of(Buffer.from('un emplacement')), Buffer.from('scellé'));

      // when listed
      const addresses = [];
      for await (const address of underTest.store.addresses()) addresses.push(address);

      // then
      assert.deepEqual(addresses, [kept.sha256]);
    });

    it('keeps its own copy: the caller changing its bytes afterwards changes nothing stored', async () => {
      const content = Buffer.from('original');
      const { sha256 } = await underTest.store.put(content);
      content.write('modifié');
      assert.equal((await underTest.store.get(sha256)).toString(), 'original');
    });

    describeSealedBlobs(() => underTest);
  });
}

const DISTINCTIVE = 'Compte rendu de consultation de Héloïse Marchand-Distinctive';

/** `SealedBlobStore` over this adapter's slots: each usager's bytes sealed with their own key. */
function describeSealedBlobs(underTest: () => BlobStoreUnderTest): void {
  describe('sealed for a usager', () => {
    let keys: InMemoryBlobKeys;
    let blobs: SealedBlobStore;
    const organisationId = 'og-sealed';
    const owner = (serviceUserId: string) => ({ organisationId, serviceUserId });
    const alice = owner('usager-alice');
    const bruno = owner('usager-bruno');

    beforeEach(() => {
      keys = new InMemoryBlobKeys();
      blobs = new SealedBlobStore(underTest().store, keys);
    });

    it('gives the usager’s bytes back, and keeps nothing of them in clear', async () => {
      // given a document of a usager
      const content = Buffer.concat([Buffer.from(`%PDF-1.7\n${DISTINCTIVE}\n`), randomBytes(2048)]);

      // when it is stored for them
      const stored = await blobs.put(alice, content);

      // then it reads back whole under its address, and the storage shows neither bytes nor address
      assert.deepEqual(stored, { sha256: sha256Of(content), byteLength: content.length });
      assert.ok((await blobs.get(alice, stored.sha256)).equals(content));
      assert.equal(await blobs.has(alice, stored.sha256), true);
      const kept = await underTest().everythingKept();
      assert.equal(kept.includes(Buffer.from(DISTINCTIVE)), false);
      assert.equal(kept.includes(content.subarray(200, 264)), false);
      assert.equal(await underTest().store.has(stored.sha256), false, 'nothing under the clear address');
    });

    it('seals the same content once per usager, and apart for two usagers', async () => {
      // given
      const content = Buffer.from(`ordonnance de ${DISTINCTIVE}`);

      // when stored twice for one usager, once for another
      await blobs.put(alice, content);
      const before = (await underTest().everythingKept()).length;
      await blobs.put(alice, Uint8Array.from(content));
      const afterAgain = (await underTest().everythingKept()).length;
      const { sha256 } = await blobs.put(bruno, content);

      // then the second put wrote nothing more; each reads their own copy; the slots differ
      assert.equal(afterAgain, before);
      assert.ok((await blobs.get(bruno, sha256)).equals(content));
      assert.notEqual(slotOf(alice, sha256), slotOf(bruno, sha256));
      const aliceSealed = await underTest().store.getSealed(slotOf(alice, sha256));
      const brunoSealed = await underTest().store.getSealed(slotOf(bruno, sha256));
      assert.ok(aliceSealed && brunoSealed && !aliceSealed.equals(brunoSealed));
    });

    it('does not give one usager’s bytes under another’s name', async () => {
      // given a content stored for one usager only
      const { sha256 } = await blobs.put(alice, Buffer.from(DISTINCTIVE));
      await blobs.put(bruno, Buffer.from('autre chose'));

      // then the other usager finds nothing there, even when their slot holds the first one's bytes
      await assert.rejects(blobs.get(bruno, sha256), BlobNotFoundError);
      const moved = await underTest().store.getSealed(slotOf(alice, sha256));
      await underTest().store.putSealed(slotOf(bruno, sha256), moved!);
      const error = await blobs.get(bruno, sha256).catch((thrown: unknown) => thrown);
      assert.ok(error instanceof BlobIntegrityError && error.actualSha256 === null, String(error));
    });

    it('detects sealed bytes altered where they are kept, and a later put repairs them', async () => {
      // given
      const content = Buffer.from(DISTINCTIVE);
      const { sha256 } = await blobs.put(alice, content);
      await underTest().corrupt(slotOf(alice, sha256));

      // when read, then refused, not handed out
      const error = await blobs.get(alice, sha256).catch((thrown: unknown) => thrown);
      assert.ok(error instanceof BlobIntegrityError && error.actualSha256 === null, String(error));

      // when stored again, then whole
      await blobs.put(alice, content);
      assert.ok((await blobs.get(alice, sha256)).equals(content));
    });

    it('reads nothing of a forgotten usager, lets the purge delete it without the key, leaves others whole', async () => {
      // given two usagers' documents
      const hers = await blobs.put(alice, Buffer.from(`${DISTINCTIVE}, 1`));
      const his = await blobs.put(bruno, Buffer.from(`${DISTINCTIVE}, 2`));

      // when the first is forgotten
      keys.forget(alice.serviceUserId);

      // then her bytes are erased for every read and write; his are untouched
      await assert.rejects(blobs.get(alice, hers.sha256), BlobErasedError);
      await assert.rejects(blobs.put(alice, Buffer.from('nouveau')), BlobErasedError);
      assert.equal((await blobs.get(bruno, his.sha256)).toString(), `${DISTINCTIVE}, 2`);

      // and the purge deletes her sealed copy, once
      assert.equal(await blobs.purge(alice, hers.sha256, { sharedWithOthers: false }), true);
      assert.equal(await blobs.purge(alice, hers.sha256, { sharedWithOthers: false }), false);
      assert.equal(await blobs.has(alice, hers.sha256), false);
    });

    it('still reads what was kept in clear before sealing, until the usager is forgotten and the purge', async () => {
      // given a content kept in clear by an earlier version, referenced by two usagers' documents
      const { sha256 } = await underTest().store.put(Buffer.from('kept in clear'));

      // then both read it through the sealed store
      assert.equal((await blobs.get(alice, sha256)).toString(), 'kept in clear');
      assert.equal((await blobs.get(bruno, sha256)).toString(), 'kept in clear');

      // when one is forgotten, then not to them; a shared copy survives their purge, the last one's does not
      keys.forget(alice.serviceUserId);
      await assert.rejects(blobs.get(alice, sha256), BlobErasedError);
      assert.equal(await blobs.purge(alice, sha256, { sharedWithOthers: true }), false);
      assert.equal((await blobs.get(bruno, sha256)).toString(), 'kept in clear');
      assert.equal(await blobs.purge(bruno, sha256, { sharedWithOthers: false }), true);
      await assert.rejects(blobs.get(bruno, sha256), BlobNotFoundError);
    });

    it('seals in place what was kept in clear, for each usager, then lets the clear copy go', async () => {
      // given a content kept in clear, referenced by two usagers, and one kept in clear then altered
      const content = Buffer.from(`lettre de liaison de ${DISTINCTIVE}`);
      const { sha256 } = await underTest().store.put(content);
      const altered = await underTest().store.put(Buffer.from('abîmé'));
      await underTest().corrupt(altered.sha256);

      // when sealed for each, twice
      const first = [await blobs.sealKeptInClear(alice, sha256), await blobs.sealKeptInClear(bruno, sha256)];
      const again = await blobs.sealKeptInClear(alice, sha256);
      const deleted = await blobs.deleteClearCopy(sha256);

      // then each reads their sealed copy, and nothing is kept in clear any more
      assert.deepEqual([...first, again, deleted], ['sealed', 'sealed', 'alreadySealed', true]);
      assert.ok((await blobs.get(alice, sha256)).equals(content));
      assert.ok((await blobs.get(bruno, sha256)).equals(content));
      assert.equal((await underTest().everythingKept()).includes(Buffer.from(DISTINCTIVE)), false);

      // and what cannot be sealed says why
      assert.equal(await blobs.sealKeptInClear(alice, altered.sha256), 'altered');
      assert.equal(await blobs.sealKeptInClear(alice, sha256Of(Buffer.from('jamais stocké'))), 'missing');
      const kept = await underTest().store.put(Buffer.from('encore en clair'));
      keys.forget(bruno.serviceUserId);
      assert.equal(await blobs.sealKeptInClear(bruno, kept.sha256), 'forgotten');
    });
  });
}
