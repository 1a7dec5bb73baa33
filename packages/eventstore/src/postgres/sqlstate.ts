/**
 * The SQLSTATEs the event store's SQL raises on purpose, so that the adapter can tell them from
 * outages and turn them into typed errors. Class `UD`: the SQL standard leaves classes starting
 * with I to Z to implementations, and PostgreSQL uses none starting with U.
 */
export const EventStoreSqlState = {
  /** DETAIL: the stream's current revision, empty when it has no event. */
  wrongExpectedRevision: 'UD001',
  tenantMismatch: 'UD002',
  /** DETAIL: the event id already stored by another append. */
  duplicateEventId: 'UD003',
  eventLogIsAppendOnly: 'UD004',
} as const;
