export { type PreparedEvent, prepareEvents } from './append-preparation.js';
export {
  DuplicateEventIdError,
  EventStoreError,
  InvalidEventError,
  TenantMismatchError,
  WrongExpectedRevisionError,
} from './errors.js';
export {
  type Actor,
  actorSchema,
  type ErasedData,
  type EventMetadata,
  type EventToAppend,
  eventMetadataSchema,
  isErased,
  type RecordedEvent,
} from './event.js';
export type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  VerifyOptions,
} from './event-store.js';
export {
  GENESIS_HASH,
  type IntegrityProblem,
  type IntegrityReport,
  type IntegrityViolation,
  type StoredEvent,
  type StreamHead,
  verifyStream,
  verifyStreams,
} from './hash-chain.js';
export { type AppendNotifier, InProcessAppendNotifier } from './notifier.js';
export { pollGlobalLog } from './subscription.js';
