/**
 * The event store's port, its SQL and in-memory adapters, command handling, tamper evidence and
 * crypto-shredding. The EventStoreDB adapter is at `@dui-pds/eventstore/eventstoredb`, so that
 * only its users load the gRPC client; the conformance suite at `@dui-pds/eventstore/testing`.
 */
export { type Anchor, type AnchorTaking, type AnchorTimestamp, anchorOf, parseAnchor, takeAnchor } from './anchor.js';
export { type PreparedEvent, prepareEvents } from './append-preparation.js';
export {
  type CommandMetadata,
  type CommandRequest,
  type CommandResult,
  type DomainEvent,
  deriveEventId,
  foldStream,
  handleCommand,
} from './command-handler.js';
export * from './crypto/index.js';
export {
  DuplicateEventIdError,
  EventStoreError,
  EventStoreUnavailableError,
  InvalidAnchorError,
  InvalidEventError,
  StaleTransactionError,
  TenantMismatchError,
  TimestampError,
  TransactionIdsBehindLogError,
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
  ReadInTransaction,
  ReadStreamOptions,
  SubscribeOptions,
  VerifyOptions,
} from './event-store.js';
export {
  type ChainCheckOptions,
  GENESIS_HASH,
  type StoredEvent,
  type StreamHead,
  verifyStream,
  verifyStreams,
} from './hash-chain.js';
export { InMemoryEventStore, type InMemoryEventStoreOptions } from './in-memory/in-memory-event-store.js';
export type {
  IntegrityProblem,
  IntegrityReport,
  IntegrityViolation,
  LogPrefix,
  StreamEnd,
} from './integrity-report.js';
export { checkLogPrefix, type LogEntry, walkLogPrefix } from './log-prefix.js';
export { type AppendNotifier, InProcessAppendNotifier } from './notifier.js';
export { arrayLiteral, integerArrayLiteral, nullableArrayLiteral } from './postgres/array-literal.js';
export {
  connectPostgres,
  DEFAULT_PGLITE_DIRECTORY,
  type OpenEventStoreOptions,
  type OpenedEventStore,
  openEventStore,
  openPglite,
  withEventStoreConnections,
} from './postgres/connect.js';
export { isConnectionLost, isDatabaseUnavailable } from './postgres/database-unavailable.js';
export type { SchemaMigration } from './postgres/migration.js';
export { eventStoreMigrations, type MigrateOptions, migrateEventStore } from './postgres/migrations.js';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store.js';
export { checkedSchemaName, DEFAULT_SCHEMA } from './postgres/schema-name.js';
export { type Queryable, selectRows } from './postgres/sql-rows.js';
export { checkTransactionIdsAheadOfLog } from './postgres/transaction-ids.js';
export {
  type QueuedCommandRequest,
  StreamCommandQueue,
  type StreamCommandQueueOptions,
} from './stream-command-queue.js';
export { type FoldedState, LruStreamStateCache, type StreamStateCache } from './stream-state-cache.js';
export { pollGlobalLog } from './subscription.js';
export * from './timestamping/index.js';
