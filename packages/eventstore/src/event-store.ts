import type { EventToAppend, RecordedEvent } from './event.js';
import type { ChainCheckOptions } from './hash-chain.js';
import type { IntegrityReport } from './integrity-report.js';

/**
 * What the caller believes about the stream before appending:
 * - `'any'`: no check;
 * - `'noStream'`: the stream must have no event yet;
 * - `'streamExists'`: the stream must have at least one event;
 * - a number: the revision of the stream's last event (0 for a stream of one event).
 */
export type ExpectedRevision = 'any' | 'noStream' | 'streamExists' | number;

export interface AppendOptions<Transaction = never> {
  expectedRevision?: ExpectedRevision;
  /** An outer transaction of the caller (inline projections, tests); the store then does not commit. */
  transaction?: Transaction;
}

export interface AppendResult {
  /** The revision of the stream's last event after the append: pass it as the next expected revision. */
  nextExpectedRevision: number;
  /** Global position of the last event appended. */
  lastGlobalPosition: bigint;
  /** True when every event was already stored by an earlier append with the same ids: nothing was written. */
  alreadyAppended: boolean;
  /**
   * The events as stored (revisions, positions, hashes, `recordedAt`), when the store had to read
   * them back anyway (inline projections do): callers that need them are spared another read.
   */
  recorded?: readonly RecordedEvent[];
}

/** Reads made inside a caller's transaction see its own uncommitted appends (inline projections). */
export interface ReadInTransaction<Transaction = never> {
  transaction?: Transaction;
}

export interface ReadStreamOptions {
  /** Revision to start from (inclusive). Defaults to the start (forwards) or the end (backwards). */
  fromRevision?: number;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events strictly after this global position. Defaults to the start of the log. */
  after?: bigint;
  maxCount?: number;
  /** Only the events of this organisme gestionnaire. */
  organisationId?: string;
}

export interface SubscribeOptions extends ReadAllOptions {
  /** Stops the subscription; the iterator then ends without error. */
  signal?: AbortSignal;
  /** Events fetched per read; the next read waits until the consumer has taken these. */
  batchSize?: number;
  /** Longest wait between two reads when nothing wakes the subscription. */
  pollIntervalMs?: number;
}

/** One stream or the whole log, optionally against an anchor (ADR 0004). */
export type VerifyOptions = ChainCheckOptions;

/**
 * The event store port. Every adapter (PostgreSQL, PGlite, EventStoreDB, in-memory) passes the
 * same conformance suite (`@dui-pds/eventstore/testing`).
 */
export interface EventStore<Transaction = never> {
  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions<Transaction>,
  ): Promise<AppendResult>;

  /** The events of a stream; an empty list when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions & ReadInTransaction<Transaction>): Promise<RecordedEvent[]>;

  /** The global log, in the one order every reader sees. */
  readAll(options?: ReadAllOptions & ReadInTransaction<Transaction>): Promise<RecordedEvent[]>;

  /** Catch-up then live: yields every event after `after`, waiting for new ones until aborted. */
  subscribeToAll(options?: SubscribeOptions): AsyncIterable<RecordedEvent>;

  /** Walks the hash chains and reports the first event that was altered, removed, inserted or reordered. */
  verifyIntegrity(options?: VerifyOptions): Promise<IntegrityReport>;

  close(): Promise<void>;
}
