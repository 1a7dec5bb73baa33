import { prepareEvents } from '../append-preparation.js';
import { DuplicateEventIdError, TenantMismatchError } from '../errors.js';
import type { EventToAppend, RecordedEvent } from '../event.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  VerifyOptions,
} from '../event-store.js';
import { assertExpectedRevision } from '../expected-revision.js';
import { chainHash, GENESIS_HASH, type StreamHead, verifyStreams } from '../hash-chain.js';
import type { IntegrityReport } from '../integrity-report.js';
import { type AppendNotifier, InProcessAppendNotifier } from '../notifier.js';
import { findPriorAppend } from '../prior-append.js';
import { pollGlobalLog } from '../subscription.js';

export interface InMemoryEventStoreOptions {
  /** Stamps `recordedAt`; tests pin it to get reproducible hashes. */
  clock?: () => Date;
  /** Wakes subscriptions on append; an in-process one by default. */
  notifier?: AppendNotifier;
}

/**
 * The event store in a process's memory, for unit tests. Same semantics as the durable stores
 * (the conformance suite proves it); an append runs without any `await`, which is what makes it
 * atomic here.
 */
export class InMemoryEventStore implements EventStore {
  readonly #clock: () => Date;
  readonly #notifier: AppendNotifier;
  readonly #streams = new Map<string, RecordedEvent[]>();
  /** What the store wrote last in each stream, so that verification notices a removed tail. */
  readonly #heads = new Map<string, StreamHead>();
  readonly #log: RecordedEvent[] = [];
  /** Event id → stream: ids are unique across the store, as in the SQL stores. */
  readonly #streamOfEvent = new Map<string, string>();
  readonly #closing = new AbortController();
  #lastPosition = 0n;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.#clock = options.clock ?? (() => new Date());
    this.#notifier = options.notifier ?? new InProcessAppendNotifier();
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const prepared = prepareEvents(streamId, events, this.#clock());
    const stream = this.#streams.get(streamId) ?? [];
    const organisationId = prepared[0]!.metadata.organisationId;
    const streamOrganisation = stream[0]?.metadata.organisationId;
    if (streamOrganisation !== undefined && streamOrganisation !== organisationId) {
      throw new TenantMismatchError(streamId);
    }

    const ids = prepared.map((event) => event.id);
    const foreign = ids.find((id) => this.#streamOfEvent.has(id) && this.#streamOfEvent.get(id) !== streamId);
    if (foreign !== undefined) throw new DuplicateEventIdError(foreign);
    const priorLast = findPriorAppend(
      stream.map((event) => event.id),
      ids,
    );
    if (priorLast !== undefined) {
      // Checked before the expected revision: a retry carries the expectation of the first attempt.
      return {
        nextExpectedRevision: priorLast,
        lastGlobalPosition: stream[priorLast]!.globalPosition,
        alreadyAppended: true,
      };
    }

    const last = stream.at(-1);
    assertExpectedRevision(streamId, options.expectedRevision ?? 'any', last?.streamRevision);

    let previousHash = last?.hash ?? GENESIS_HASH;
    let revision = last ? last.streamRevision : -1;
    const recorded = prepared.map(({ contentHash, ...event }): RecordedEvent => {
      revision += 1;
      this.#lastPosition += 1n;
      const hash = chainHash(previousHash, revision, contentHash);
      const stored = {
        ...event,
        streamId,
        streamRevision: revision,
        globalPosition: this.#lastPosition,
        previousHash,
        hash,
      };
      previousHash = hash;
      return stored;
    });

    stream.push(...recorded);
    this.#streams.set(streamId, stream);
    this.#log.push(...recorded);
    for (const event of recorded) this.#streamOfEvent.set(event.id, streamId);
    const newest = recorded.at(-1)!;
    this.#heads.set(streamId, { revision: newest.streamRevision, hash: newest.hash });
    this.#notifier.notifyAppended(organisationId);
    return {
      nextExpectedRevision: newest.streamRevision,
      lastGlobalPosition: newest.globalPosition,
      alreadyAppended: false,
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const stream = this.#streams.get(streamId) ?? [];
    const { fromRevision, direction = 'forwards', maxCount = Number.POSITIVE_INFINITY } = options;
    const selected =
      direction === 'forwards'
        ? stream.filter((event) => event.streamRevision >= (fromRevision ?? 0))
        : stream.filter((event) => fromRevision === undefined || event.streamRevision <= fromRevision).reverse();
    return copies(selected.slice(0, maxCount));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { after = 0n, maxCount = Number.POSITIVE_INFINITY, organisationId } = options;
    const selected: RecordedEvent[] = [];
    for (const event of this.#log) {
      if (selected.length >= maxCount) break;
      if (event.globalPosition <= after) continue;
      if (organisationId !== undefined && event.metadata.organisationId !== organisationId) continue;
      selected.push(event);
    }
    return copies(selected);
  }

  subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const signal = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    return pollGlobalLog((readOptions) => this.readAll(readOptions), this.#notifier, { ...options, signal });
  }

  async verifyIntegrity(options: VerifyOptions = {}): Promise<IntegrityReport> {
    const streamIds = options.streamId === undefined ? [...this.#streams.keys()] : [options.streamId];
    const streams = this.#streams;
    const heads = this.#heads;
    const logNow = [...this.#log];
    return verifyStreams(
      (async function* () {
        for (const streamId of streamIds) {
          const events = streams.get(streamId);
          const head = heads.get(streamId);
          if (events === undefined && head === undefined) continue;
          yield { streamId, events: events ?? [], head };
        }
      })(),
      options,
      async function* () {
        yield* logNow;
      },
    );
  }

  async close(): Promise<void> {
    this.#closing.abort();
  }

  /**
   * FOR TESTS ONLY: the store's own arrays, stream by stream, so that a test can alter, remove
   * or reorder events behind the store's back and prove that `verifyIntegrity` notices.
   */
  unsafeRawEvents(): Map<string, RecordedEvent[]> {
    return this.#streams;
  }

  /** FOR TESTS ONLY: the global log's own array, to move events in it behind the store's back. */
  unsafeRawLog(): RecordedEvent[] {
    return this.#log;
  }
}

/** Callers get their own copies: mutating what they read must not change the store. */
function copies(events: readonly RecordedEvent[]): RecordedEvent[] {
  return events.map((event) => structuredClone(event));
}
