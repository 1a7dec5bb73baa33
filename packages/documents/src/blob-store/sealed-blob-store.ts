import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import {
  BlobIntegrityError,
  BlobNotFoundError,
  type BlobStore,
  type ClearBlobAddresses,
  checkedContent,
  isSha256Hex,
  type SealedBlobSlots,
  type StoredBlob,
  sha256Hex,
} from './blob-store.js';

/** Whose bytes these are: the usager the document is about, in the organisation acting. */
export interface BlobOwner {
  organisationId: string;
  serviceUserId: string;
}

/**
 * The usagers' keys for their documents' bytes. The event store derives them from the data keys
 * of crypto-shredding (`contentKey`), so that forgetting a usager destroys them too.
 */
export interface BlobKeys {
  /** The usager's key, made on first use; `'forgotten'` once the usager was forgotten. */
  forSealing(owner: BlobOwner): Promise<Buffer | 'forgotten'>;
  /** `undefined` when the usager has no key yet: nothing of theirs was ever sealed. */
  forOpening(owner: BlobOwner): Promise<Buffer | 'forgotten' | undefined>;
}

/** What sealing a content kept in clear came to, for one usager. */
export type SealingOutcome = 'sealed' | 'alreadySealed' | 'forgotten' | 'missing' | 'altered';

/** The usager was forgotten: their documents' bytes went with their key, wherever copies are kept. */
export class BlobErasedError extends Error {
  override readonly name = 'BlobErasedError';
  constructor(readonly sha256: string) {
    super(`the content ${isSha256Hex(sha256) ? sha256 : 'asked for'} was erased with its usager's key`);
  }
}

/**
 * The documents' bytes of each usager, sealed (AES-256-GCM) with a key of their own (ADR 0026):
 * a copy of the blob directory, of the `sealed_blobs` table or of a backup reads nothing, and
 * once the usager is forgotten nothing can ever read it again, as with their events.
 *
 * Documents still name their content by its SHA-256 (what signatures cover); the bytes of that
 * content for that usager are kept in a slot named from both. Content kept in clear before
 * sealing (under its address in the same adapter) is still read, until `dui documents seal` or
 * the end of retention deletes it.
 */
export class SealedBlobStore {
  constructor(
    /** A blob store adapter: its sealed slots, and the addresses an earlier version kept in clear. */
    private readonly storage: BlobStore & SealedBlobSlots & ClearBlobAddresses,
    private readonly keys: BlobKeys,
  ) {}

  /** Idempotent: the same content for the same usager is sealed to the same bytes, kept once. */
  async put(owner: BlobOwner, content: Uint8Array): Promise<StoredBlob> {
    const sha256 = sha256Hex(content);
    const key = await this.keys.forSealing(owner);
    if (key === 'forgotten') throw new BlobErasedError(sha256);
    const slot = slotOf(owner, sha256);
    await this.storage.putSealed(slot, seal(key, slot, content));
    return { sha256, byteLength: content.byteLength };
  }

  /** The bytes, checked against their address; throws `BlobNotFoundError`, `BlobIntegrityError` or `BlobErasedError`. */
  async get(owner: BlobOwner, sha256: string): Promise<Buffer> {
    if (!isSha256Hex(sha256)) throw new BlobNotFoundError(sha256);
    const slot = slotOf(owner, sha256);
    const sealed = await this.storage.getSealed(slot);
    if (sealed === undefined) return this.#keptInClear(owner, sha256);
    const key = await this.keys.forOpening(owner);
    if (key === 'forgotten') throw new BlobErasedError(sha256);
    const content = key === undefined ? undefined : unseal(key, slot, sealed);
    if (content === undefined) throw new BlobIntegrityError(sha256, null);
    return checkedContent(sha256, content);
  }

  async has(owner: BlobOwner, sha256: string): Promise<boolean> {
    if (!isSha256Hex(sha256)) return false;
    return (await this.storage.getSealed(slotOf(owner, sha256))) !== undefined || (await this.storage.has(sha256));
  }

  /**
   * End of retention: deletes the usager's sealed copy, and the copy kept in clear before sealing
   * unless another usager's document references the same content. True when anything was deleted.
   * Needs no key: it runs after the usager was forgotten.
   */
  async purge(owner: BlobOwner, sha256: string, options: { sharedWithOthers: boolean }): Promise<boolean> {
    if (!isSha256Hex(sha256)) return false;
    const sealed = await this.storage.deleteSealed(slotOf(owner, sha256));
    const clear = !options.sharedWithOthers && (await this.storage.delete(sha256));
    return sealed || clear;
  }

  /**
   * Seals for this usager a content an earlier version kept in clear (`dui documents seal`); the
   * clear copy stays, since other usagers' documents may need it (`deleteClearCopy`, once every
   * one of them has their sealed copy). A clear copy that no longer hashes to its address is left
   * as it is and answered `altered`.
   */
  async sealKeptInClear(owner: BlobOwner, sha256: string): Promise<SealingOutcome> {
    if (!isSha256Hex(sha256)) return 'missing';
    const slot = slotOf(owner, sha256);
    if ((await this.storage.getSealed(slot)) !== undefined) return 'alreadySealed';
    let content: Buffer;
    try {
      content = await this.storage.get(sha256);
    } catch (error) {
      if (error instanceof BlobNotFoundError) return 'missing';
      if (error instanceof BlobIntegrityError) return 'altered';
      throw error;
    }
    const key = await this.keys.forSealing(owner);
    if (key === 'forgotten') return 'forgotten';
    await this.storage.putSealed(slot, seal(key, slot, content));
    return 'sealed';
  }

  /** The addresses kept in clear by an earlier version, referenced or not. */
  keptInClear(): AsyncIterable<string> {
    return this.storage.addresses();
  }

  /** Deletes the copy kept in clear by an earlier version; true when it was there. */
  deleteClearCopy(sha256: string): Promise<boolean> {
    return this.storage.delete(sha256);
  }

  async #keptInClear(owner: BlobOwner, sha256: string): Promise<Buffer> {
    // a forgotten usager's content is not handed out, even from a copy the purge has not reached yet
    if ((await this.keys.forOpening(owner)) === 'forgotten') throw new BlobErasedError(sha256);
    return this.storage.get(sha256);
  }
}

const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The slot of a content for a usager. Computed without their key, so that the purge still finds
 * it after `forget`; a hash, so that the name shows neither the usager nor the content's address.
 */
export function slotOf(owner: BlobOwner, sha256: string): string {
  return createHash('sha256').update(`dui-pds/sealed-blob/v1\0${owner.serviceUserId}\0${sha256}`).digest('hex');
}

/**
 * Layout: format (1 byte) ‖ IV (12) ‖ tag (16) ‖ ciphertext. The IV is an HMAC of the slot, which
 * names one content: the same content is sealed to the same bytes (idempotent puts), and two
 * contents never share an IV under a key. The slot is authenticated too: bytes moved to another
 * slot (another usager, another content) do not open.
 */
function seal(key: Buffer, slot: string, content: Uint8Array): Buffer {
  const iv = createHmac('sha256', key).update(slot).digest().subarray(0, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(slot, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(content), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), ciphertext]);
}

function unseal(key: Buffer, slot: string, sealed: Buffer): Buffer | undefined {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT) return undefined;
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(slot, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
