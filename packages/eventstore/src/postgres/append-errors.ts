import { DuplicateEventIdError, InvalidEventError, WrongExpectedRevisionError } from '../errors.js';
import type { ExpectedRevision } from '../event-store.js';

const UNIQUE_VIOLATION = '23505';
/** Data exceptions (class 22: bad JSON text, timestamp out of range, ...) come from the events' content. */
const DATA_EXCEPTION_CLASS = '22';
/** Program limits (class 54: a value too big for an index row, ...) too. */
const PROGRAM_LIMIT_CLASS = '54';

interface DatabaseErrorFields {
  code?: unknown;
  constraint?: unknown;
  detail?: unknown;
}

export interface AppendAttempt {
  streamId: string;
  expected: ExpectedRevision;
  /** Looks the stream's revision up again, when the error itself does not carry it. */
  currentRevision(): Promise<number | undefined>;
}

/**
 * Turns what the database raised during an append into the port's typed errors (what the caller
 * did wrong is not raised but reported by the append function, see `AppendStatus`). Anything not
 * recognised is returned unchanged: it is not something the caller did (a database out of reach
 * is told apart before, see `EventStoreUnavailableError`).
 */
export async function translateAppendError(error: unknown, attempt: AppendAttempt): Promise<unknown> {
  if (typeof error !== 'object' || error === null) return error;
  const { code, constraint, detail } = error as DatabaseErrorFields;
  const detailText = typeof detail === 'string' ? detail : '';
  switch (code) {
    case UNIQUE_VIOLATION:
      if (constraint === 'events_id_unique') return new DuplicateEventIdError(duplicateKey(detailText));
      // the append function orders writers on the stream row; reaching the unique index means a
      // writer it could not see (another transaction isolation, a manual insert) took the revision
      if (constraint === 'events_stream_revision_unique' || constraint === 'streams_pkey') {
        return new WrongExpectedRevisionError(attempt.streamId, attempt.expected, await attempt.currentRevision());
      }
      return error;
  }
  if (typeof code === 'string' && (code.startsWith(DATA_EXCEPTION_CLASS) || code.startsWith(PROGRAM_LIMIT_CLASS))) {
    // the driver's message repeats the whole statement with its bindings: keep it as the cause only
    return new InvalidEventError(`the database refused the events' content (SQLSTATE ${code})`, { cause: error });
  }
  return error;
}

/** `Key (id)=(0190...) already exists.` → `0190...` */
function duplicateKey(detail: string): string {
  return /\)=\((.*)\) already exists/.exec(detail)?.[1] ?? detail;
}
