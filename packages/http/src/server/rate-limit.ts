import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisStore } from 'rate-limit-redis';
import { HttpProblem, sendProblem } from './problem-details.js';
import { principalOf } from './request-context.js';

/**
 * A budget of requests per client and per minute: per professional once authentication has
 * named one (colleagues behind one NAT do not share it), per IP address before. With Redis the
 * counters are shared by every instance; without, each process counts its own.
 */
export interface RateLimitOptions {
  perMinute: number;
  /** Absent: counted in this process's memory. */
  store?: Store;
  logger: Logger;
}

const WINDOW_MS = 60_000;

export function rateLimiter(options: RateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: options.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: clientKey,
    ...(options.store === undefined ? {} : { store: options.store }),
    // When the counters cannot be reached, care goes on: the request passes, the failure is logged.
    passOnStoreError: true,
    logger: {
      error: (error, message) => options.logger.error({ err: error }, message ?? 'rate limiter failed'),
      warn: (error, message) => options.logger.warn({ err: error }, message ?? 'rate limiter warning'),
    },
    handler: (request: Request, response: Response) => {
      const seconds = retryAfterSeconds(request, response);
      sendProblem(
        response,
        new HttpProblem(
          'rate-limited',
          `Trop de requêtes en peu de temps : réessayez dans ${seconds} seconde${seconds > 1 ? 's' : ''}.`,
          { headers: { 'Retry-After': String(seconds) } },
        ),
      );
    },
  });
}

/** The professional when known, else the address (IPv6 grouped by /56, as one client holds a prefix). */
export function clientKey(request: Request, response: Response): string {
  const professionalId = principalOf(response)?.professionalId;
  if (professionalId !== undefined) return `professional:${professionalId}`;
  return `ip:${ipKeyGenerator(request.ip ?? 'unknown')}`;
}

function retryAfterSeconds(request: Request, response: Response): number {
  const header = Number(response.getHeader('Retry-After'));
  if (Number.isFinite(header) && header > 0) return Math.ceil(header);
  const resetTime = (request as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const remainingMs = resetTime === undefined ? WINDOW_MS : resetTime.getTime() - Date.now();
  return Math.max(1, Math.ceil(remainingMs / 1000));
}

/** Counters in Redis, shared by every instance of the shell. */
export function redisRateLimitStore(redis: Redis, prefix = 'dui:rate-limit:'): Store {
  return new RedisStore({
    prefix,
    sendCommand: (command: string, ...args: string[]) =>
      redis.call(command, ...args) as Promise<boolean | number | string | (boolean | number | string)[]>,
  });
}
