import type { ExpectedRevision } from './event-store.js';

/** Base of every error the event store raises on purpose; anything else is a bug. */
export class EventStoreError extends Error {
  override readonly name: string = 'EventStoreError';
}

/** The stream was not at the revision the caller expected: someone else wrote first. */
export class WrongExpectedRevisionError extends EventStoreError {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's current revision, or `undefined` when it has no event. */
    readonly actual: number | undefined,
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${actual ?? 'no stream'}`);
  }
}

/** An event was rejected at the boundary (bad envelope, bad id, wrong tenant, ...). */
export class InvalidEventError extends EventStoreError {
  override readonly name = 'InvalidEventError';
}

/** Some, but not all, of the events of an append were already stored: the caller reused ids. */
export class DuplicateEventIdError extends EventStoreError {
  override readonly name = 'DuplicateEventIdError';
  constructor(readonly eventId: string) {
    super(`event ${eventId} is already stored in another append`);
  }
}

/** A stream belongs to one organisme gestionnaire; writing to it as another one is refused. */
export class TenantMismatchError extends EventStoreError {
  override readonly name = 'TenantMismatchError';
  constructor(readonly streamId: string) {
    super(`stream ${streamId} belongs to another organisation`);
  }
}

/**
 * The database's transaction counter is behind the transaction ids stored in the log: a logical
 * restore into a new cluster without moving its epoch forwards (docs/operations.md). Appending
 * then would give new events smaller ids than old ones, and readers of the global log, who resume
 * after the last pair they saw, would never read them.
 */
export class TransactionIdsBehindLogError extends EventStoreError {
  override readonly name = 'TransactionIdsBehindLogError';
  constructor(
    /** The highest transaction id stored in the log, as text (an xid8). */
    readonly highestStored: string,
    /** The next transaction id the database will hand out, as text. */
    readonly nextTransactionId: string,
  ) {
    super(
      `the log holds transaction id ${highestStored} but the database's next one is ${nextTransactionId}: ` +
        'move the cluster epoch past the log (pg_resetwal -e) before appending, see docs/operations.md',
    );
  }
}

/**
 * An append in a caller's transaction that took its transaction id before the stream's last append
 * committed. The global log is ordered by transaction id (ADR 0003), so its events would come
 * before that append's, against the stream's own order. Nothing was written by this append; the
 * caller's transaction is still usable, and the append succeeds when retried in a new transaction.
 */
export class StaleTransactionError extends EventStoreError {
  override readonly name = 'StaleTransactionError';
  constructor(readonly streamId: string) {
    super(
      `stream ${streamId} moved after this transaction began writing: ` +
        'its events would precede that move in the global log, retry in a new transaction',
    );
  }
}

/**
 * A time-stamp for an anchor (ADR 0024) that could not be had: the authority could not be reached
 * or answered too late (`unreachable`), refused (`refused`, with its status text), or answered
 * with something that is not a token over what was asked (`invalid-response`); or the certificates
 * given to trust are not certificates (`invalid-certificates`).
 */
export class TimestampError extends EventStoreError {
  override readonly name = 'TimestampError';
  /** The HTTP status of an authority that did not answer 200 (401: it wants a user and password). */
  readonly httpStatus: number | undefined;

  constructor(
    message: string,
    readonly reason: 'unreachable' | 'refused' | 'invalid-response' | 'invalid-certificates',
    options?: { cause?: unknown; httpStatus?: number },
  ) {
    super(message, options);
    this.httpStatus = options?.httpStatus;
  }
}

/** An anchor (ADR 0004) that is malformed, or whose digest no longer matches its content. */
export class InvalidAnchorError extends EventStoreError {
  override readonly name = 'InvalidAnchorError';
  constructor(
    message: string,
    /** `altered`: well formed, but changed after it was taken, which is itself an alert. */
    readonly reason: 'malformed' | 'altered',
  ) {
    super(message);
  }
}

/**
 * The database could not be reached, or the connection went during the operation (a restart, a
 * failover), and the PostgreSQL store's one retry on a new connection (ADR 0023) did not help; on
 * EventStoreDB, the client found no server or no answer in time. For an append the outcome is
 * unknown: the events may have been committed just before the connection went. Appending the same
 * events again, with the same ids, is safe: what is stored is never stored twice, and the retry
 * says so (`alreadyAppended`). The driver's error is the `cause`.
 */
export class EventStoreUnavailableError extends EventStoreError {
  override readonly name = 'EventStoreUnavailableError';
  constructor(
    readonly operation: 'append' | 'read' | 'verify',
    options: { cause: unknown },
  ) {
    super(
      operation === 'append'
        ? 'the database is out of reach: this append may or may not have been recorded, append the same events again'
        : `the database is out of reach: the ${operation} did not complete, try again`,
      options,
    );
  }
}
