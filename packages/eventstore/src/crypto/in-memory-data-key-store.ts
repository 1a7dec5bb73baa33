import type { DataKeyStore, DestroyedDataKey, NewDataKey, StoredDataKey } from './data-key-store.js';

/** For unit tests and throwaway processes: the keys die with the process. */
export class InMemoryDataKeyStore implements DataKeyStore<unknown> {
  readonly #keys = new Map<string, StoredDataKey>();
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  async get(serviceUserId: string): Promise<StoredDataKey | undefined> {
    return copy(this.#keys.get(serviceUserId));
  }

  async getMany(serviceUserIds: readonly string[]): Promise<Map<string, StoredDataKey>> {
    const found = new Map<string, StoredDataKey>();
    for (const id of serviceUserIds) {
      const key = copy(this.#keys.get(id));
      if (key) found.set(id, key);
    }
    return found;
  }

  async create(key: NewDataKey): Promise<StoredDataKey> {
    const existing = this.#keys.get(key.serviceUserId);
    if (existing) return copy(existing);
    const stored: StoredDataKey = {
      status: 'active',
      serviceUserId: key.serviceUserId,
      organisationId: key.organisationId,
      wrappedKey: Buffer.from(key.wrappedKey),
      createdAt: this.#now(),
    };
    this.#keys.set(key.serviceUserId, stored);
    return copy(stored);
  }

  async destroy(serviceUserId: string): Promise<DestroyedDataKey> {
    const existing = this.#keys.get(serviceUserId);
    if (existing?.status === 'destroyed') return { ...existing };
    const now = this.#now();
    const destroyed: DestroyedDataKey = {
      status: 'destroyed',
      serviceUserId,
      organisationId: existing?.organisationId ?? null,
      createdAt: existing?.createdAt ?? now,
      destroyedAt: now,
    };
    this.#keys.set(serviceUserId, destroyed);
    return { ...destroyed };
  }
}

// Callers must not be able to reach into the store's memory, as they could not with a database.
function copy(key: StoredDataKey): StoredDataKey;
function copy(key: StoredDataKey | undefined): StoredDataKey | undefined;
function copy(key: StoredDataKey | undefined): StoredDataKey | undefined {
  if (key?.status === 'active') return { ...key, wrappedKey: Buffer.from(key.wrappedKey) };
  return key && { ...key };
}
