import { createHash } from 'node:crypto';

/**
 * The bytes of the record's documents, kept by their SHA-256 (content addressing): the same
 * content is stored once whoever stores it, an address never names other bytes, and every read
 * hashes what it read again, so that a bit flipped on disk or a file replaced behind the
 * application's back is caught at the first read rather than handed out as the document.
 *
 * Events and read models hold the address only; the end-of-retention purge deletes the bytes.
 */
export interface StoredBlob {
  /** The address: the SHA-256 of the bytes, 64 lowercase hexadecimal characters. */
  sha256: string;
  byteLength: number;
}

export interface BlobStore {
  /** Idempotent: the same content gets the same address and is stored once. */
  put(content: Uint8Array): Promise<StoredBlob>;
  /** The bytes, hashed again; throws `BlobNotFoundError` or `BlobIntegrityError`. */
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
  /** Purges the bytes (end of retention); true when they were there. */
  delete(sha256: string): Promise<boolean>;
}

/**
 * Named places for sealed content (a usager's documents' bytes, encrypted with their own key,
 * `SealedBlobStore`): what is kept there does not hash to its name, so the store does not check
 * it; the seal (AES-256-GCM) authenticates it instead. A slot's name is 64 hexadecimal characters.
 */
/** The addresses a store keeps in clear, for the upgrade that seals them (`dui documents seal`). */
export interface ClearBlobAddresses {
  /** Every address kept, in no particular order; what is stored meanwhile may or may not be listed. */
  addresses(): AsyncIterable<string>;
}

export interface SealedBlobSlots {
  /** Idempotent: sealing is deterministic, so the same slot always gets the same bytes. */
  putSealed(slot: string, sealed: Uint8Array): Promise<void>;
  getSealed(slot: string): Promise<Buffer | undefined>;
  /** True when the slot held something. */
  deleteSealed(slot: string): Promise<boolean>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Whether the text is an address of the store; anything else (a path, an upper-case hash) names nothing. */
export function isSha256Hex(text: string): boolean {
  return SHA256_HEX.test(text);
}

export function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(readonly sha256: string) {
    super(`no blob at ${isSha256Hex(sha256) ? sha256 : 'an invalid address'}`);
  }
}

/**
 * The bytes under an address no longer hash to it: altered or corrupted where they are kept.
 * `actualSha256` is null when they were sealed and no longer open, so that nothing can be hashed.
 */
export class BlobIntegrityError extends Error {
  override readonly name = 'BlobIntegrityError';
  constructor(
    readonly sha256: string,
    readonly actualSha256: string | null,
  ) {
    super(
      actualSha256 === null
        ? `the sealed blob of ${sha256} does not open: altered or sealed for another`
        : `the blob at ${sha256} hashes to ${actualSha256}`,
    );
  }
}

export interface SignedContentVerification {
  valid: boolean;
  /** The hash the signature holds: what the signer saw. */
  signedSha256: string;
  /** The hash of the bytes given now. */
  actualSha256: string;
}

/**
 * Whether these bytes are the ones signed: a signature holds the SHA-256 of the exact version the
 * signer saw, so any byte changed since changes the hash and the signature no longer verifies.
 */
export function verifySignedContent(
  signature: { contentSha256: string },
  content: Uint8Array,
): SignedContentVerification {
  const actualSha256 = sha256Hex(content);
  return { valid: actualSha256 === signature.contentSha256, signedSha256: signature.contentSha256, actualSha256 };
}

/** Checks bytes read back against their address. */
export function checkedContent(sha256: string, content: Buffer): Buffer {
  const actual = sha256Hex(content);
  if (actual !== sha256) throw new BlobIntegrityError(sha256, actual);
  return content;
}
