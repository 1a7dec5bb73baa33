import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import {
  CachedSessionStore,
  migrateSessionStore,
  PostgresSessionStore,
  RedisSessionStore,
  SealedTokensSessionStore,
  type SessionStore,
} from '../auth/index.js';
import {
  FallbackIdempotencyStore,
  FallbackRateLimitStore,
  type IdempotencyStore,
  migrateIdempotencyStore,
  PostgresIdempotencyStore,
  RedisIdempotencyStore,
  redisRateLimitStore,
} from '../server/index.js';

/**
 * What the server keeps in Redis, each with what stands in while Redis is away (ADR 0018): the
 * server goes on serving, a little slower and with per-instance rate limits, and uses Redis again
 * as soon as it answers.
 */

/** How long Redis caches a session at most: a logout that could not reach it lapses by then. */
export const SESSION_CACHE_TTL_MS = 60_000;

/** What a process says when its Redis connection goes, and when it is back: once each. */
export interface RedisAvailability {
  unavailable(reason: { name: string; code?: string }): void;
  availableAgain(): void;
}

/** The server's words for it, in its log. */
export function loggedRedisAvailability(logger: Logger): RedisAvailability {
  return {
    unavailable: (reason) =>
      logger.warn(
        { reason: reason.name, code: reason.code },
        'Redis unavailable: sessions, idempotency keys and rate limits fall back',
      ),
    availableAgain: () => logger.info('Redis available again'),
  };
}

/**
 * A Redis connection made to fail fast while Redis is away (no offline queue, short timeouts), so
 * that the fallbacks take over at once instead of requests waiting on reconnects, and nothing piles
 * up in memory meanwhile. Connected before it is returned: a process does not start on a Redis it
 * never reached. The server's connection, and the projection workers' (their leases).
 */
export async function connectRedis(url: string, availability: RedisAvailability): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy: (attempts) => Math.min(attempts * 200, 2_000),
  });
  let away = false;
  // one line when Redis goes and one when it is back, not one per failed command
  redis.on('error', (error: Error & { code?: string }) => {
    if (away) return;
    away = true;
    availability.unavailable({ name: error.name, ...(error.code ? { code: error.code } : {}) });
  });
  redis.on('ready', () => {
    if (!away) return;
    away = false;
    availability.availableAgain();
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return redis;
}

/** Idempotency keys in Redis, in PostgreSQL while Redis fails. */
export async function idempotencyKeysWithFallback(
  redis: Redis,
  knex: Knex,
  options: { schema: string; keyPrefix: string },
  logger: Logger,
): Promise<IdempotencyStore> {
  const { schema, keyPrefix } = options;
  await migrateIdempotencyStore(knex, { schema });
  return new FallbackIdempotencyStore(
    new RedisIdempotencyStore(redis, { prefix: keyPrefix }),
    new PostgresIdempotencyStore(knex, { schema }),
    {
      onDegraded: (error) =>
        logger.warn({ reason: error instanceof Error ? error.name : 'unknown' }, 'idempotency keys kept in PostgreSQL'),
      onRecovered: () => logger.info('idempotency keys kept in Redis again'),
    },
  );
}

/** Sessions kept in PostgreSQL, read through Redis, their provider tokens sealed in both. */
export async function sessionsCachedInRedis(
  redis: Redis,
  knex: Knex,
  options: { schema: string; kind: 'professional' | 'portal'; keyPrefix: string; tokensKey: Buffer },
): Promise<SessionStore> {
  await migrateSessionStore(knex, { schema: options.schema });
  return new SealedTokensSessionStore(
    new CachedSessionStore(
      new PostgresSessionStore(knex, { schema: options.schema, kind: options.kind }),
      new RedisSessionStore(redis, { keyPrefix: options.keyPrefix, maxTtlMs: SESSION_CACHE_TTL_MS }),
      { cacheTtlMs: SESSION_CACHE_TTL_MS },
    ),
    options.tokensKey,
  );
}

/** Rate limits counted in Redis, in this process while Redis fails. */
export function rateLimitsWithFallback(redis: Redis, keyPrefix: string): FallbackRateLimitStore {
  return new FallbackRateLimitStore(redisRateLimitStore(redis, keyPrefix));
}
