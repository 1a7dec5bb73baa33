import { Redis } from 'ioredis';
import type { Logger } from 'pino';

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
