import type { Redis } from 'ioredis';
import type { SessionRecord, SessionStore } from './session-store.js';

export const DEFAULT_SESSION_KEY_PREFIX = 'dui:session:';

/**
 * Sessions shared by every instance of the server. Redis expires each key at the session's `expiresAt`
 * (PXAT): the lifetime is absolute, set once at login. The connection belongs to the caller.
 */
export class RedisSessionStore implements SessionStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #maxTtlMs: number | undefined;

  /**
   * `maxTtlMs`: keeps a key at most this long, as a cache in front of the sessions' record
   * (`CachedSessionStore`) does, so that a logout that could not reach Redis lapses soon.
   */
  constructor(redis: Redis, options: { keyPrefix?: string; maxTtlMs?: number } = {}) {
    this.#redis = redis;
    this.#prefix = options.keyPrefix ?? DEFAULT_SESSION_KEY_PREFIX;
    this.#maxTtlMs = options.maxTtlMs;
  }

  async put(sessionId: string, record: SessionRecord): Promise<void> {
    const expiresAt = Date.parse(record.expiresAt);
    if (!Number.isFinite(expiresAt)) throw new TypeError(`session expiry is not a date: ${record.expiresAt}`);
    const keptUntil = this.#maxTtlMs === undefined ? expiresAt : Math.min(expiresAt, Date.now() + this.#maxTtlMs);
    await this.#redis.set(this.#key(sessionId), JSON.stringify(record), 'PXAT', keptUntil);
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const stored = await this.#redis.get(this.#key(sessionId));
    return stored === null ? undefined : (JSON.parse(stored) as SessionRecord);
  }

  async delete(sessionId: string): Promise<void> {
    await this.#redis.del(this.#key(sessionId));
  }

  #key(sessionId: string): string {
    return this.#prefix + sessionId;
  }
}
