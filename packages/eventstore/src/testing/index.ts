export {
  dropSchema,
  dropSchemasStartingWith,
  rewriteStreamFrom,
  slipIntoThePastOfTheLog,
  TEST_DATABASE_URL,
  tamperWith,
  testPostgres,
  uniqueSchema,
} from '../postgres/test-databases.js';
export {
  type ConformanceOptions,
  describeEventStoreConformance,
  type EventStoreTampering,
  type EventStoreUnderTest,
} from './conformance.js';
export {
  idsOf,
  rejectionOf,
  type TestEventOverrides,
  takeEvents,
  testEvent,
  testEvents,
  uniqueOrganisationId,
  uniqueStreamId,
} from './fixtures.js';
export {
  type LocalTimestampAuthority,
  type LocalTimestampAuthorityBehaviour,
  type RevocationListOptions,
  type RevocationReason,
  startLocalTimestampAuthority,
} from './local-timestamp-authority.js';
