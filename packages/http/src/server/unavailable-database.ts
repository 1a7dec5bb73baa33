import {
  EventStoreUnavailableError,
  isDatabaseUnavailable as isDriverErrorOfUnavailableDatabase,
} from '@dui-pds/eventstore';
import { HttpProblem } from './problem-details.js';

/** How long a client should wait before trying again: PostgreSQL restarts in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * Errors that say "the database cannot be reached right now", not "this request is wrong": the
 * event store's typed error (it has already tried once more on a new connection), and the
 * driver's own errors from the projections' and read models' queries. A client should try again
 * shortly, so they are answered with 503 and `Retry-After`, never with a 500 that reads as a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return error instanceof EventStoreUnavailableError || isDriverErrorOfUnavailableDatabase(error);
}

export function databaseUnavailableProblem(): HttpProblem {
  return new HttpProblem(
    'service-unavailable',
    `La base de données est momentanément injoignable. Réessayez dans ${DATABASE_RETRY_AFTER_SECONDS} secondes ; une commande renvoyée avec la même clé d’idempotence n’est jamais enregistrée deux fois.`,
    { headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) } },
  );
}
