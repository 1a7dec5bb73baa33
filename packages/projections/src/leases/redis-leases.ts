import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { type Lease, type LeaseManager, LeaseManagerClosed, LeaseReleased } from './lease.js';

export interface RedisLeaseOptions {
  /** How long a lease outlives its holder's last renewal; 5000 by default. */
  ttlMs?: number;
  /** Prepended to every key; 'dui:lease:' by default. */
  prefix?: string;
}

export class RedisLeaseExpired extends Error {
  constructor(key: string, options?: { cause?: unknown }) {
    super(`The lease on ${key} could not be renewed`, options);
    this.name = 'RedisLeaseExpired';
  }
}

// Both scripts compare the token first: a holder that lost its key must never extend or delete
// the key of whoever holds it now.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Keys with an expiry, renewed by their holder: a holder that dies stops renewing, and its key
 * expires after at most a ttl. The Redis connection belongs to the caller: close() leaves it open.
 */
export class RedisLeaseManager implements LeaseManager {
  readonly #redis: Redis;
  readonly #ttlMs: number;
  readonly #prefix: string;
  readonly #held = new Set<RedisLease>();
  #closed = false;

  constructor(redis: Redis, options: RedisLeaseOptions = {}) {
    this.#redis = redis;
    this.#ttlMs = options.ttlMs ?? 5000;
    this.#prefix = options.prefix ?? 'dui:lease:';
  }

  async tryAcquire(key: string): Promise<Lease | undefined> {
    if (this.#closed) throw new LeaseManagerClosed();
    const token = randomUUID();
    const redisKey = this.#prefix + key;
    const sentAt = performance.now();
    const reply = await this.#redis.set(redisKey, token, 'PX', this.#ttlMs, 'NX');
    if (reply !== 'OK') return undefined;
    const lease = new RedisLease(key, {
      redis: this.#redis,
      redisKey,
      token,
      ttlMs: this.#ttlMs,
      validUntil: sentAt + this.#ttlMs,
      forget: () => this.#held.delete(lease),
    });
    this.#held.add(lease);
    if (this.#closed) {
      await lease.release();
      throw new LeaseManagerClosed();
    }
    return lease;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#held].map((lease) => lease.release()));
  }
}

interface RedisLeaseState {
  redis: Redis;
  redisKey: string;
  token: string;
  ttlMs: number;
  /** performance.now() after which the key may have expired unless a renewal was confirmed. */
  validUntil: number;
  forget: () => void;
}

class RedisLease implements Lease {
  readonly #controller = new AbortController();
  readonly lost = this.#controller.signal;
  readonly #state: RedisLeaseState;
  readonly #renewal: NodeJS.Timeout;
  #renewalInFlight = false;
  #released: Promise<void> | undefined;

  constructor(
    readonly key: string,
    state: RedisLeaseState,
  ) {
    this.#state = state;
    this.#renewal = setInterval(() => this.#renew(), Math.max(1, Math.floor(state.ttlMs / 3))).unref();
  }

  release(): Promise<void> {
    this.#released ??= this.#release();
    return this.#released;
  }

  async #release(): Promise<void> {
    const wasLost = this.lost.aborted;
    this.#stop(new LeaseReleased(this.key));
    if (wasLost) return;
    const { redis, redisKey, token } = this.#state;
    // Failing to delete only delays the next holder by the ttl.
    await redis.eval(RELEASE, 1, redisKey, token).catch(() => {});
  }

  #renew(): void {
    const now = performance.now();
    // A renewal stuck in a reconnecting client gives no answer, but the key expires all the same.
    if (now >= this.#state.validUntil) {
      this.#lose(new Error('no renewal confirmed within the ttl'));
      return;
    }
    if (this.#renewalInFlight) return;
    this.#renewalInFlight = true;
    const { redis, redisKey, token, ttlMs } = this.#state;
    redis.eval(RENEW, 1, redisKey, token, ttlMs).then(
      (extended) => {
        this.#renewalInFlight = false;
        if (extended === 1) this.#state.validUntil = now + ttlMs;
        else this.#lose(new Error('the key is gone or held by another token'));
      },
      (error: unknown) => this.#lose(error),
    );
  }

  #lose(cause: unknown): void {
    if (this.lost.aborted) return;
    this.#stop(new RedisLeaseExpired(this.key, { cause }));
  }

  #stop(reason: Error): void {
    clearInterval(this.#renewal);
    this.#state.forget();
    this.#controller.abort(reason);
  }
}
