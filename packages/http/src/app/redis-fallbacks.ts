import type { Redis } from 'ioredis';
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
  type IdempotencyKeeper,
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

/** Idempotency keys in Redis, in PostgreSQL while Redis fails. */
export async function idempotencyKeysWithFallback(
  redis: Redis,
  knex: Knex,
  options: { schema: string; keyPrefix: string },
  logger: Logger,
): Promise<IdempotencyKeeper> {
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
