export {
  type ConformanceOptions,
  describeEventStoreConformance,
  type EventStoreTampering,
  type EventStoreUnderTest,
} from './conformance.js';
export {
  idsOf,
  type TestEventOverrides,
  takeEvents,
  testEvent,
  testEvents,
  uniqueOrganisationId,
  uniqueStreamId,
} from './fixtures.js';
