/**
 * The SQLSTATEs the event store's SQL raises on purpose, so that the adapter can tell them from
 * outages and turn them into typed errors. Class `UD`: the SQL standard leaves classes starting
 * with I to Z to implementations, and PostgreSQL uses none starting with U.
 */
export const EventStoreSqlState = {
  eventLogIsAppendOnly: 'UD004',
} as const;
