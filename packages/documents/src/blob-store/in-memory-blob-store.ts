import {
  BlobNotFoundError,
  type BlobStore,
  type ClearBlobAddresses,
  checkedContent,
  isSha256Hex,
  type SealedBlobSlots,
  type StoredBlob,
  sha256Hex,
} from './blob-store.js';

/** For tests: the same behaviour as the real stores, kept in this process. */
export class InMemoryBlobStore implements BlobStore, SealedBlobSlots, ClearBlobAddresses {
  readonly #blobs = new Map<string, Buffer>();
  readonly #sealed = new Map<string, Buffer>();

  async put(content: Uint8Array): Promise<StoredBlob> {
    const sha256 = sha256Hex(content);
    const held = this.#blobs.get(sha256);
    // a copy, so that the caller changing its array later changes nothing here
    if (held === undefined || sha256Hex(held) !== sha256) this.#blobs.set(sha256, Buffer.from(content));
    return { sha256, byteLength: content.byteLength };
  }

  async get(sha256: string): Promise<Buffer> {
    const held = isSha256Hex(sha256) ? this.#blobs.get(sha256) : undefined;
    if (held === undefined) throw new BlobNotFoundError(sha256);
    return checkedContent(sha256, Buffer.from(held));
  }

  async has(sha256: string): Promise<boolean> {
    return isSha256Hex(sha256) && this.#blobs.has(sha256);
  }

  async delete(sha256: string): Promise<boolean> {
    return isSha256Hex(sha256) && this.#blobs.delete(sha256);
  }

  async *addresses(): AsyncIterable<string> {
    yield* [...this.#blobs.keys()];
  }

  async putSealed(slot: string, sealed: Uint8Array): Promise<void> {
    if (!isSha256Hex(slot)) throw new BlobNotFoundError(slot);
    this.#sealed.set(slot, Buffer.from(sealed));
  }

  async getSealed(slot: string): Promise<Buffer | undefined> {
    const held = this.#sealed.get(slot);
    return held === undefined ? undefined : Buffer.from(held);
  }

  async deleteSealed(slot: string): Promise<boolean> {
    return this.#sealed.delete(slot);
  }

  /** How many blobs are held. */
  get size(): number {
    return this.#blobs.size;
  }

  /** Everything held, addressed or sealed: for tests that look for what must not be there. */
  everything(): Buffer[] {
    return [...this.#blobs.values(), ...this.#sealed.values()].map((held) => Buffer.from(held));
  }

  /** Alters the bytes under an address or in a sealed slot, as a failing disk would: for integrity tests. */
  corrupt(addressOrSlot: string, change: (content: Buffer) => Buffer = flipFirstBit): void {
    const kept = this.#blobs.has(addressOrSlot) ? this.#blobs : this.#sealed;
    const held = kept.get(addressOrSlot);
    if (held === undefined) throw new BlobNotFoundError(addressOrSlot);
    kept.set(addressOrSlot, change(Buffer.from(held)));
  }
}

function flipFirstBit(content: Buffer): Buffer {
  if (content.length === 0) return Buffer.from([0]);
  content[0] = (content[0] ?? 0) ^ 1;
  return content;
}
