import { HttpProblem } from './problem-details.js';

/**
 * Errors that say "the database cannot be reached right now", not "this request is wrong": the
 * server is restarting or refusing connections, a connection was cut, or the pool found no
 * connection in time. A client should try again shortly, so they are answered with 503 and
 * `Retry-After`, never with a 500 that reads as a bug.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** SQLSTATEs of an unavailable server: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Class 08: connection exceptions. */
const CONNECTION_EXCEPTION_CLASS = '08';

/** What node-postgres says, without a code, when a connection dies under a query (knex puts the statement before it). */
const CONNECTION_LOST_MESSAGES =
  /(^|- )(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/** How long a client should wait before trying again: PostgreSQL restarts in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export function isDatabaseUnavailable(error: unknown): boolean {
  // wrappers (an aggregate of connection attempts, a cause) carry the driver's error further in
  for (let depth = 0; depth < 5 && typeof error === 'object' && error !== null; depth += 1) {
    const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
      if (code.length === 5 && code.startsWith(CONNECTION_EXCEPTION_CLASS)) return true;
    }
    // knex's pool waited its whole acquire timeout for a connection
    if (name === 'KnexTimeoutError') return true;
    if (typeof message === 'string' && CONNECTION_LOST_MESSAGES.test(message)) return true;
    const nested = error as { errors?: unknown; cause?: unknown };
    error = Array.isArray(nested.errors) ? nested.errors[0] : nested.cause;
  }
  return false;
}

export function databaseUnavailableProblem(): HttpProblem {
  return new HttpProblem(
    'service-unavailable',
    `La base de données est momentanément injoignable. Réessayez dans ${DATABASE_RETRY_AFTER_SECONDS} secondes ; une commande renvoyée avec la même clé d’idempotence n’est jamais enregistrée deux fois.`,
    { headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) } },
  );
}
