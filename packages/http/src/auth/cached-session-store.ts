import type { SessionRecord, SessionStore } from './session-store.js';

export interface CachedSessionStoreOptions {
  /** Told when the cache fails (the record answered instead): for a log line, never with the session. */
  onCacheError?: (error: unknown) => void;
  /** How long the cache keeps an entry at most (the cache store's own limit); 60 s by default. */
  cacheTtlMs?: number;
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
}

/**
 * Sessions kept for good in `record` (PostgreSQL) and read through `cache` (Redis), so that a
 * cache that stops or restarts empty logs nobody out and refuses nobody (ADR 0018). Every write
 * goes to the record first: only what the record holds is ever cached. A cache that fails is
 * passed over.
 *
 * A write the cache missed (a logout, a refreshed session) leaves its old entry there: until
 * that entry is dropped, this store reads the session from the record, and it drops the entry at
 * its next call once the cache answers again. Other instances sharing the cache may still read
 * the old entry until then, and at most until the entry's own expiry if this process stops first.
 */
export class CachedSessionStore implements SessionStore {
  readonly #record: SessionStore;
  readonly #cache: SessionStore;
  readonly #onCacheError: (error: unknown) => void;
  readonly #cacheTtlMs: number;
  readonly #now: () => number;
  /** Sessions whose cache entry may be out of date, with when the cache missed their write. */
  readonly #unsettled = new Map<string, number>();
  #settling = false;

  constructor(record: SessionStore, cache: SessionStore, options: CachedSessionStoreOptions = {}) {
    this.#record = record;
    this.#cache = cache;
    this.#onCacheError = options.onCacheError ?? (() => {});
    this.#cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  async put(sessionId: string, record: SessionRecord): Promise<void> {
    await this.#record.put(sessionId, record);
    await this.#settle();
    await this.#cache.put(sessionId, record).catch((error: unknown) => this.#missed(sessionId, error));
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    await this.#settle();
    if (this.#unsettled.has(sessionId)) return this.#record.get(sessionId);
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
    await this.#cache.delete(sessionId).catch((error: unknown) => this.#missed(sessionId, error));
  }

  #missed(sessionId: string, error: unknown): void {
    this.#unsettled.set(sessionId, this.#now());
    this.#onCacheError(error);
  }

  /** Drops the entries the cache may hold out of date, if it answers; one caller at a time does it. */
  async #settle(): Promise<void> {
    if (this.#unsettled.size === 0 || this.#settling) return;
    this.#settling = true;
    try {
      for (const [sessionId, missedAt] of this.#unsettled) {
        // past the cache's own limit, the entry has expired by itself
        if (this.#now() - missedAt < this.#cacheTtlMs) await this.#cache.delete(sessionId);
        this.#unsettled.delete(sessionId);
      }
    } catch {
      // the cache is still away: the record keeps answering for these sessions
    } finally {
      this.#settling = false;
    }
  }
}
