import { InvalidEventError, WrongExpectedRevisionError } from './errors.js';
import type { ExpectedRevision } from './event-store.js';

/**
 * Refuses an append whose expectation does not hold. `actual` is the revision of the stream's
 * last event, `undefined` for a stream with no event. Shared by the adapters that check the
 * expectation in the client (in-memory, EventStoreDB) so that they agree with the SQL ones.
 */
export function assertExpectedRevision(streamId: string, expected: ExpectedRevision, actual: number | undefined): void {
  if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new InvalidEventError(`expected revision ${expected} is not a revision (an integer from 0)`);
  }
  if (!isExpectedRevisionMet(expected, actual)) throw new WrongExpectedRevisionError(streamId, expected, actual);
}

/** Whether a stream whose last event has revision `actual` (`undefined`: no event) meets the expectation. */
export function isExpectedRevisionMet(expected: ExpectedRevision, actual: number | undefined): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'noStream':
      return actual === undefined;
    case 'streamExists':
      return actual !== undefined;
    default:
      return actual === expected;
  }
}
