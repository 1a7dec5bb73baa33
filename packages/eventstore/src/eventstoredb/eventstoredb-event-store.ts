import {
  type AppendExpectedRevision,
  BACKWARDS,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  type ReadPosition,
  type ReadRevision,
  START,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { type PreparedEvent, prepareEvents } from '../append-preparation.js';
import {
  EventStoreError,
  EventStoreUnavailableError,
  InvalidEventError,
  TenantMismatchError,
  WrongExpectedRevisionError,
} from '../errors.js';
import type { EventToAppend, RecordedEvent } from '../event.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  VerifyOptions,
} from '../event-store.js';
import { assertExpectedRevision } from '../expected-revision.js';
import { chainHash, GENESIS_HASH, verifyStreams } from '../hash-chain.js';
import type { IntegrityReport } from '../integrity-report.js';
import { type AppendNotifier, InProcessAppendNotifier } from '../notifier.js';
import { findPriorAppend } from '../prior-append.js';
import { pollGlobalLog } from '../subscription.js';
import type { EventStoreDbClient } from './eventstoredb-client.js';
import { fromStoredRecord, isSystemRecord, toEventData } from './eventstoredb-envelope.js';

export interface EventStoreDbEventStoreOptions {
  /** Stamps `recordedAt`. */
  clock?: () => Date;
  /** Wakes subscriptions of this process on its own appends; others are found by polling. */
  notifier?: AppendNotifier;
  /**
   * How many of a stream's last events an append searches for the ids of a retried command.
   * EventStoreDB cannot look an event up by id: a retry arriving after more events than this
   * were appended to the same stream is not recognised. Defaults to 200.
   */
  idempotencyWindow?: number;
  /**
   * Attempts of an append that keeps losing the race for the end of its stream to other processes
   * (this store's own appends to a stream take turns). Defaults to 5.
   */
  maxAppendAttempts?: number;
  /** Records fetched per read of $all. Defaults to 500. */
  readAllPageSize?: number;
  /** Dispose the client on `close()`: true when the store created it. */
  ownsClient?: boolean;
}

const WHOLE_STREAM = Number.MAX_SAFE_INTEGER;

/**
 * The event store on EventStoreDB, for those who run it (DESIGN.md, Event store). EventStoreDB
 * keeps the events, their order and the optimistic concurrency; this adapter adds what the port
 * promises beyond that, client side: the hash chain, the tenant of a stream, idempotency by
 * event id, and $all read after a position and filtered by organisation.
 *
 * Requirements: EventStoreDB 22.6 or later (positions on stream reads), and a user allowed to
 * read $all (or an insecure node).
 */
export class EventStoreDbEventStore implements EventStore {
  readonly #client: EventStoreDbClient;
  readonly #clock: () => Date;
  readonly #notifier: AppendNotifier;
  readonly #idempotencyWindow: number;
  readonly #maxAppendAttempts: number;
  readonly #pageSize: number;
  readonly #ownsClient: boolean;
  readonly #closing = new AbortController();
  /** Per stream, this store's latest append: the next one starts after it. */
  readonly #lastAppendOf = new Map<string, Promise<unknown>>();

  /** A store on its own connection, e.g. `esdb://localhost:2113?tls=false`. */
  static connect(connectionString: string, options: Omit<EventStoreDbEventStoreOptions, 'ownsClient'> = {}) {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString), {
      ...options,
      ownsClient: true,
    });
  }

  constructor(client: EventStoreDbClient, options: EventStoreDbEventStoreOptions = {}) {
    this.#client = client;
    this.#clock = options.clock ?? (() => new Date());
    this.#notifier = options.notifier ?? new InProcessAppendNotifier();
    this.#idempotencyWindow = options.idempotencyWindow ?? 200;
    this.#maxAppendAttempts = options.maxAppendAttempts ?? 5;
    this.#pageSize = options.readAllPageSize ?? 500;
    this.#ownsClient = options.ownsClient ?? false;
  }

  /**
   * Appends of this store to one stream take turns: each chains to the stream's end as the one
   * before left it, rather than racing it for the end, which an append expecting any revision
   * could otherwise lose `maxAppendAttempts` times in a row to its own process.
   */
  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const before = this.#lastAppendOf.get(streamId) ?? Promise.resolve();
    const append = before.then(() => reachingTheServer('append', () => this.#append(streamId, events, options)));
    const settled = append.catch(() => undefined);
    this.#lastAppendOf.set(streamId, settled);
    void settled.then(() => {
      if (this.#lastAppendOf.get(streamId) === settled) this.#lastAppendOf.delete(streamId);
    });
    return append;
  }

  async #append(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    const prepared = prepareEvents(streamId, events, this.#clock());
    if (streamId.startsWith('$')) throw new InvalidEventError('stream ids starting with $ belong to EventStoreDB');
    const organisationId = prepared[0]!.metadata.organisationId;
    const expected = options.expectedRevision ?? 'any';
    const ids = prepared.map((event) => event.id);

    for (let attempt = 1; ; attempt += 1) {
      const tail = await this.#readTail(streamId);
      const last = tail.at(-1);
      if (last && last.metadata.organisationId !== organisationId) throw new TenantMismatchError(streamId);
      const prior = await this.#findPriorAppend(streamId, tail, ids);
      if (prior) {
        // the run that stored them may never have heard back, nor woken anyone
        this.#notifier.notifyAppended(organisationId);
        return { ...prior, alreadyAppended: true };
      }
      assertExpectedRevision(streamId, expected, last?.streamRevision);

      // The expectation sent to EventStoreDB is always the end we chained to: a writer who got
      // there first makes EventStoreDB refuse, and the next attempt re-reads and re-checks.
      const sent: AppendExpectedRevision = last ? BigInt(last.streamRevision) : NO_STREAM;
      const outcome = await this.#client
        .appendToStream(streamId, chained(prepared, last), { expectedRevision: sent })
        .catch((error: unknown) => {
          if (error instanceof WrongExpectedVersionError) return { success: false as const, error };
          throw error;
        });
      if (outcome.success) {
        this.#notifier.notifyAppended(organisationId);
        const nextExpectedRevision = Number(outcome.nextExpectedRevision);
        return {
          nextExpectedRevision,
          lastGlobalPosition: outcome.position?.commit ?? (await this.#positionOf(streamId, nextExpectedRevision)),
          alreadyAppended: false,
        };
      }
      if (attempt >= this.#maxAppendAttempts) throw lostRace(streamId, expected, outcome);
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { fromRevision, direction = 'forwards', maxCount = WHOLE_STREAM } = options;
    if (maxCount <= 0 || (direction === 'backwards' && fromRevision !== undefined && fromRevision < 0)) return [];
    const from: ReadRevision =
      fromRevision === undefined ? (direction === 'forwards' ? START : END) : BigInt(Math.max(fromRevision, 0));
    return reachingTheServer('read', () => this.#read(streamId, direction, from, maxCount));
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return reachingTheServer('read', () => this.#readAll(options));
  }

  async #readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const { after, maxCount = Number.POSITIVE_INFINITY, organisationId } = options;
    const found: RecordedEvent[] = [];
    if (maxCount <= 0) return found;
    for await (const event of this.#ourEventsAfter(after)) {
      if (organisationId !== undefined && event.metadata.organisationId !== organisationId) continue;
      found.push(event);
      if (found.length >= maxCount) break;
    }
    return found;
  }

  subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const signal = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    // Polling $all through readAll rather than EventStoreDB's push subscription: the consumer's
    // pace bounds the reads (backpressure), and the filters and `after` mean the same as in readAll.
    return pollGlobalLog((readOptions) => this.readAll(readOptions), this.#notifier, { ...options, signal });
  }

  verifyIntegrity(options: VerifyOptions = {}): Promise<IntegrityReport> {
    return reachingTheServer('verify', () => this.#verifyIntegrity(options));
  }

  async #verifyIntegrity(options: VerifyOptions): Promise<IntegrityReport> {
    const streamIds = options.streamId === undefined ? await this.#streamIdsInLog() : [options.streamId];
    const read = (streamId: string) => this.#read(streamId, 'forwards', START, WHOLE_STREAM);
    return verifyStreams(
      (async function* () {
        for (const streamId of streamIds) {
          const events = await read(streamId);
          if (events.length > 0) yield { streamId, events };
        }
      })(),
      options,
      () => this.#ourEventsAfter(undefined),
    );
  }

  async close(): Promise<void> {
    this.#closing.abort();
    if (this.#ownsClient) await this.#client.dispose();
  }

  /** The last events of a stream, oldest first: its end (revision, hash, tenant) and recent ids. */
  async #readTail(streamId: string): Promise<RecordedEvent[]> {
    return (await this.#read(streamId, 'backwards', END, this.#idempotencyWindow)).reverse();
  }

  async #findPriorAppend(
    streamId: string,
    tail: RecordedEvent[],
    ids: string[],
  ): Promise<Omit<AppendResult, 'alreadyAppended'> | undefined> {
    const find = (events: RecordedEvent[]) => {
      const firstRevision = events[0]?.streamRevision ?? 0;
      const lastRevision = findPriorAppend(
        events.map((event) => event.id),
        ids,
        firstRevision,
      );
      const priorLast = lastRevision === undefined ? undefined : events[lastRevision - firstRevision];
      return (
        priorLast && { nextExpectedRevision: priorLast.streamRevision, lastGlobalPosition: priorLast.globalPosition }
      );
    };
    try {
      return find(tail);
    } catch (error) {
      // An earlier append straddling the window's start looks like a partial duplicate: look at the whole stream.
      if ((tail[0]?.streamRevision ?? 0) === 0) throw error;
      return find(await this.#read(streamId, 'forwards', START, WHOLE_STREAM));
    }
  }

  async #positionOf(streamId: string, revision: number): Promise<bigint> {
    const [event] = await this.#read(streamId, 'forwards', BigInt(revision), 1);
    if (!event) throw new EventStoreError(`event ${revision} of ${streamId} vanished right after it was appended`);
    return event.globalPosition;
  }

  async #read(
    streamId: string,
    direction: 'forwards' | 'backwards',
    fromRevision: ReadRevision,
    maxCount: number,
  ): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      const records = this.#client.readStream(streamId, {
        direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
        fromRevision,
        maxCount,
      });
      for await (const { event: record, commitPosition } of records) {
        if (!record) continue;
        const event = fromStoredRecord(record, commitPosition);
        if (!event) throw new EventStoreError(`stream ${streamId} holds event ${record.id}, not written by this store`);
        events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  /** Our events in $all strictly after `after`, page by page, skipping EventStoreDB's own. */
  async *#ourEventsAfter(after: bigint | undefined): AsyncGenerator<RecordedEvent> {
    let from: ReadPosition = after === undefined ? START : { commit: after, prepare: after };
    let seen = after ?? -1n;
    for (;;) {
      let read = 0;
      for await (const { event: record } of this.#client.readAll({
        direction: FORWARDS,
        fromPosition: from,
        maxCount: this.#pageSize,
      })) {
        read += 1;
        if (!record || record.position.commit <= seen) continue;
        from = record.position;
        seen = record.position.commit;
        if (isSystemRecord(record)) continue;
        const event = fromStoredRecord(record);
        if (event) yield event;
      }
      if (read < this.#pageSize) return;
    }
  }

  async #streamIdsInLog(): Promise<string[]> {
    const streamIds = new Set<string>();
    for await (const event of this.#ourEventsAfter(undefined)) streamIds.add(event.streamId);
    return [...streamIds];
  }
}

function chained(prepared: readonly PreparedEvent[], last: RecordedEvent | undefined) {
  let previousHash = last?.hash ?? GENESIS_HASH;
  let revision = last?.streamRevision ?? -1;
  return prepared.map((event) => {
    revision += 1;
    const hash = chainHash(previousHash, revision, event.contentHash);
    const data = toEventData(event, previousHash, hash);
    previousHash = hash;
    return data;
  });
}

function lostRace(
  streamId: string,
  expected: ExpectedRevision,
  outcome: { error?: WrongExpectedVersionError; nextExpectedRevision?: bigint },
): WrongExpectedRevisionError {
  const current = outcome.error?.actualVersion ?? outcome.nextExpectedRevision;
  const actual = typeof current === 'bigint' && current >= 0n ? Number(current) : undefined;
  return new WrongExpectedRevisionError(streamId, expected, actual);
}

/**
 * The client's outages as the port's typed error (ADR 0023): the server down or out of reach, or
 * no answer in time, when an append may or may not have been recorded. The client opens a new
 * channel on the next call by itself; the store does not try again.
 */
async function reachingTheServer<T>(
  operation: EventStoreUnavailableError['operation'],
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UnavailableError || error instanceof DeadlineExceededError) {
      throw new EventStoreUnavailableError(operation, { cause: error });
    }
    throw error;
  }
}
