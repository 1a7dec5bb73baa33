/**
 * How node-postgres and knex say that the database is out of reach, as opposed to a statement it
 * refused. Two cases, because they call for different answers (ADR 0023):
 * - the connection went under a statement (a restart, a failover, a terminated backend): the pool
 *   opens another one, so the statement can be tried again at once;
 * - no connection could be had (refused, still starting, too many clients, the pool's wait ran
 *   out): trying again at once would only wait again.
 */

/** The socket broke under the statement. */
const LOST_NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE']);
/** admin_shutdown (a terminated backend, a fast shutdown) and crash_shutdown. */
const LOST_SQLSTATES = new Set(['57P01', '57P02']);
/** What node-postgres says, without a code, when a connection dies under a query (knex puts the statement before it). */
const LOST_MESSAGES = /(^|- )(Connection terminated|Client has encountered a connection error)/;

const UNREACHABLE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** cannot_connect_now (starting up, shutting down) and too_many_connections. */
const UNREACHABLE_SQLSTATES = new Set(['57P03', '53300']);
/** Class 08: connection exceptions. */
const CONNECTION_EXCEPTION_CLASS = '08';
const UNREACHABLE_MESSAGES = /(^|- )timeout exceeded when trying to connect/;

/** The connection went under the statement; another connection may well work at once. */
export function isConnectionLost(error: unknown): boolean {
  return someErrorIn(error, ({ code, message }) => {
    if (typeof code === 'string' && (LOST_NETWORK_CODES.has(code) || LOST_SQLSTATES.has(code))) return true;
    return typeof message === 'string' && LOST_MESSAGES.test(message);
  });
}

/** The database cannot be reached right now: a connection was lost, or none could be had. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return (
    isConnectionLost(error) ||
    someErrorIn(error, ({ code, name, message }) => {
      // knex's pool waited its whole acquire timeout for a connection
      if (name === 'KnexTimeoutError') return true;
      if (typeof code === 'string') {
        if (UNREACHABLE_NETWORK_CODES.has(code) || UNREACHABLE_SQLSTATES.has(code)) return true;
        if (code.length === 5 && code.startsWith(CONNECTION_EXCEPTION_CLASS)) return true;
      }
      return typeof message === 'string' && UNREACHABLE_MESSAGES.test(message);
    })
  );
}

interface ErrorFields {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/** Wrappers (an aggregate of connection attempts, a cause) carry the driver's error further in. */
function someErrorIn(error: unknown, test: (fields: ErrorFields) => boolean): boolean {
  for (let depth = 0; depth < 5 && typeof error === 'object' && error !== null; depth += 1) {
    const fields = error as ErrorFields;
    if (test(fields)) return true;
    error = Array.isArray(fields.errors) ? fields.errors[0] : fields.cause;
  }
  return false;
}
