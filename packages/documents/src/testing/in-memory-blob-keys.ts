import { randomBytes } from 'node:crypto';
import type { BlobKeys, BlobOwner } from '../blob-store/sealed-blob-store.js';

/** For tests: a key per usager, kept in this process, and forgotten on demand as `forget` would. */
export class InMemoryBlobKeys implements BlobKeys {
  readonly #keys = new Map<string, Buffer | 'forgotten'>();

  async forSealing(owner: BlobOwner): Promise<Buffer | 'forgotten'> {
    const key = this.#keys.get(owner.serviceUserId) ?? randomBytes(32);
    this.#keys.set(owner.serviceUserId, key);
    return key;
  }

  async forOpening(owner: BlobOwner): Promise<Buffer | 'forgotten' | undefined> {
    return this.#keys.get(owner.serviceUserId);
  }

  forget(serviceUserId: string): void {
    this.#keys.set(serviceUserId, 'forgotten');
  }
}
