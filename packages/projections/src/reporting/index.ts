export {
  decodeReportingCursor,
  encodeReportingCursor,
  InvalidReportingCursorError,
  type ReportingCursor,
  START_OF_OUTBOX,
} from './reporting-cursor.js';
export {
  dayOf,
  REPORTED_EVENT_TYPES,
  REPORTING_EVENT_VERSIONS,
  type ReportingEventType,
  type ReportingFact,
  type ReportingLookups,
  type ReportingPayloads,
  reportingFactsOf,
} from './reporting-events.js';
export {
  MissingPseudonymKeyError,
  REPORTING_OUTBOX,
  reportingEventId,
  reportingOutboxProjection,
} from './reporting-outbox-projection.js';
export { deriveReportingPseudonymKey, reportingSubjectKey } from './reporting-pseudonym.js';
export {
  MAX_REPORTING_PAGE,
  type PublishedReportingEvent,
  type ReportingPage,
  readReportingEvents,
} from './reporting-queries.js';
export * from './reports/index.js';
