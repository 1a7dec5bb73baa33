import { type Request, type Response, Router } from 'express';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { isDraining } from './draining.js';
import { HttpProblem, sendProblem } from './problem-details.js';

/**
 * `/health` says the process answers (liveness: restart it if not); `/ready` says it can serve
 * (readiness: send it requests), checking what it depends on, and says no while it shuts down.
 */
export interface ReadinessCheck {
  /** Shown in the answer and the logs: `database`, `redis`. */
  name: string;
  check(): Promise<unknown>;
  /**
   * False for what the server can do without for a while (Redis: see ADR 0018): its failure is
   * shown in the answer, but the instance stays ready. True by default.
   */
  required?: boolean;
}

export interface HealthOptions {
  checks: readonly ReadinessCheck[];
  /** A check slower than this fails; 2 seconds by default. */
  timeoutMs?: number;
  logger: Logger;
}

export function healthRoutes(options: HealthOptions): Router {
  const timeoutMs = options.timeoutMs ?? 2000;
  const router = Router();
  router.get('/health', (_request, response) => {
    response.setHeader('Cache-Control', 'no-store');
    response.json({ status: 'ok' });
  });
  router.get('/ready', async (request: Request, response: Response) => {
    if (isDraining(request.app)) {
      sendProblem(
        response,
        new HttpProblem('service-unavailable', 'Le service s’arrête : il ne prend plus de nouvelles requêtes.'),
      );
      return;
    }
    const results = await Promise.all(
      options.checks.map(async ({ name, check, required = true }) => {
        try {
          await withTimeout(check(), timeoutMs);
          return { name, required, status: 'ok' as const };
        } catch (error) {
          options.logger.warn({ err: error, check: name }, 'readiness check failed');
          return { name, required, status: 'failed' as const };
        }
      }),
    );
    const checks = Object.fromEntries(results.map(({ name, status }) => [name, status]));
    const failed = results.filter(({ status, required }) => required && status === 'failed').map(({ name }) => name);
    if (failed.length > 0) {
      sendProblem(
        response,
        new HttpProblem('service-unavailable', `Service pas encore prêt : ${failed.join(', ')} indisponible.`, {
          extensions: { checks },
        }),
      );
      return;
    }
    response.setHeader('Cache-Control', 'no-store');
    response.json({ status: 'ready', checks });
  });
  return router;
}

export function databaseCheck(knex: Knex): ReadinessCheck {
  return { name: 'database', check: () => knex.raw('select 1') };
}

/** Not required: while Redis is away the server works on its fallbacks (ADR 0018). */
export function redisCheck(redis: Redis): ReadinessCheck {
  return { name: 'redis', check: () => redis.ping(), required: false };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
