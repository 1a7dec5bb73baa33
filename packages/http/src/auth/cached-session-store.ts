import type { SessionRecord, SessionStore } from './session-store.js';

export interface CachedSessionStoreOptions {
  /** Told when the cache fails (the record answered instead): for a log line, never with the session. */
  onCacheError?: (error: unknown) => void;
}

/**
 * Sessions kept for good in `record` (PostgreSQL) and read through `cache` (Redis), so that a
 * cache that stops or restarts empty logs nobody out and refuses nobody (ADR 0018). Every write
 * goes to the record first: only what the record holds is ever cached. A cache that fails is
 * passed over; a logout that could not reach it leaves the session in the cache until the cache
 * entry's own expiry, which the cache store keeps short.
 */
export class CachedSessionStore implements SessionStore {
  readonly #record: SessionStore;
  readonly #cache: SessionStore;
  readonly #onCacheError: (error: unknown) => void;

  constructor(record: SessionStore, cache: SessionStore, options: CachedSessionStoreOptions = {}) {
    this.#record = record;
    this.#cache = cache;
    this.#onCacheError = options.onCacheError ?? (() => {});
  }

  async put(sessionId: string, record: SessionRecord): Promise<void> {
    await this.#record.put(sessionId, record);
    await this.#cache.put(sessionId, record).catch(this.#onCacheError);
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    let cacheAnswered = true;
    const cached = await this.#cache.get(sessionId).catch((error: unknown) => {
      cacheAnswered = false;
      this.#onCacheError(error);
      return undefined;
    });
    if (cached !== undefined) return cached;
    const record = await this.#record.get(sessionId);
    // a session opened while the cache was away, or a cache that restarted empty
    if (record !== undefined && cacheAnswered) await this.#cache.put(sessionId, record).catch(this.#onCacheError);
    return record;
  }

  async delete(sessionId: string): Promise<void> {
    await this.#record.delete(sessionId);
    await this.#cache.delete(sessionId).catch(this.#onCacheError);
  }
}
