import type { DataKeyStore, StoredDataKey } from './data-key-store.js';

interface Waiting {
  serviceUserIds: readonly string[];
  resolve(keys: Map<string, StoredDataKey>): void;
  reject(error: unknown): void;
}

/**
 * Key look-ups made outside a transaction at the same moment, sent as one `getMany`. A handover
 * feed traces a read per usager shown, eight appends at once, each needing its usager's key: one
 * query instead of eight. The look-ups asked for while the current task and its promise callbacks
 * run leave together when they are done, so a lone look-up waits for nothing.
 */
export class SharedKeyLookups {
  readonly #keys: DataKeyStore<unknown>;
  #waiting: Waiting[] = [];

  constructor(keys: DataKeyStore<unknown>) {
    this.#keys = keys;
  }

  getMany(serviceUserIds: readonly string[]): Promise<Map<string, StoredDataKey>> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.length === 0) queueMicrotask(() => void this.#lookUp());
      this.#waiting.push({ serviceUserIds, resolve, reject });
    });
  }

  async #lookUp(): Promise<void> {
    const waiting = this.#waiting;
    this.#waiting = [];
    try {
      const found = await this.#keys.getMany([...new Set(waiting.flatMap((lookup) => lookup.serviceUserIds))]);
      for (const { serviceUserIds, resolve } of waiting) {
        const own = new Map<string, StoredDataKey>();
        for (const serviceUserId of serviceUserIds) {
          const key = found.get(serviceUserId);
          if (key !== undefined) own.set(serviceUserId, key);
        }
        resolve(own);
      }
    } catch (error) {
      for (const { reject } of waiting) reject(error);
    }
  }
}
