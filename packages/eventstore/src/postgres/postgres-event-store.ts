import type { Knex } from 'knex';
import { type PreparedEvent, prepareEvents } from '../append-preparation.js';
import {
  DuplicateEventIdError,
  EventStoreError,
  EventStoreUnavailableError,
  InvalidEventError,
  StaleTransactionError,
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
  ReadInTransaction,
  ReadStreamOptions,
  SubscribeOptions,
  VerifyOptions,
} from '../event-store.js';
import { verifyStreams } from '../hash-chain.js';
import type { IntegrityReport } from '../integrity-report.js';
import type { AppendNotifier } from '../notifier.js';
import { pollGlobalLog } from '../subscription.js';
import { AppendBatcher } from './append-batcher.js';
import { translateAppendError } from './append-errors.js';
import { AppendStatus } from './append-function.sql.js';
import { arrayLiteral, byteaArrayLiteral, integerArrayLiteral, nullableArrayLiteral } from './array-literal.js';
import { isConnectionLost, isDatabaseUnavailable } from './database-unavailable.js';
import { DirectPool, type PreparedStatement, positionalParameters } from './direct-pool.js';
import { OwnAppendsFence } from './own-appends-fence.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './row-mapping.js';
import { checkedSchemaName, DEFAULT_SCHEMA } from './schema-name.js';
import { type Queryable, selectRows } from './sql-rows.js';
import { eventBeyondTheLog, storedLog } from './stored-log.js';
import { storedStreams } from './stored-streams.js';

export interface PostgresEventStoreOptions {
  /** The PostgreSQL schema holding the tables (migrated with `migrateEventStore`). Defaults to `dui`. */
  schema?: string;
  /** Wakes subscribers when something is appended; they poll without it. */
  notifier?: AppendNotifier;
  /** Stamps `recordedAt`. Defaults to the system clock. */
  clock?: () => Date;
  /**
   * Appends (outside a caller's transaction) on their way at once; more wait and travel together
   * in the next round trip, shared among the free slots. Defaults to 2 (a small server: each batch
   * keeps one backend busy); raise it with the database server's cores.
   */
  maxConcurrentAppends?: number;
}

/** One append on its way to `append_to_streams`. */
interface PendingAppend {
  streamId: string;
  organisationId: string;
  expected: ExpectedRevision;
  events: PreparedEvent[];
}

type AppendRow = readonly [
  appendIndex: number,
  status: AppendStatus,
  nextRevision: number | null,
  lastPosition: string | null,
  actualRevision: number | null,
  transactionId: string,
];

interface AppendOutcome {
  status: AppendStatus;
  nextRevision: number | null;
  lastPosition: string | null;
  actualRevision: number | null;
  transactionId: string;
}

/** Batches on their way at once from one store; tuned with `pnpm bench` (ADR 0007). */
const DEFAULT_MAX_CONCURRENT_APPENDS = 2;
const MAX_EVENTS_PER_BATCH = 1_000;

/**
 * The event store on PostgreSQL, and on PGlite with the same SQL (ADR 0003, ADR 0004).
 *
 * `readAll` shows the log below the visibility fence only, so it may lag behind commits while
 * other transactions run; it does wait (briefly) for the store's own appends, see `OwnAppendsFence`.
 *
 * The store does not own the knex instance it is given: `close()` ends its subscriptions and
 * leaves the pool to whoever made it (see `openEventStore` for a store that owns its pool).
 */
export class PostgresEventStore implements EventStore<Knex.Transaction> {
  readonly #knex: Knex;
  readonly #schema: string;
  readonly #notifier: AppendNotifier | undefined;
  readonly #clock: () => Date;
  readonly #closing = new AbortController();
  readonly #ownAppends = new OwnAppendsFence();
  readonly #appendSql: string;
  readonly #batcher: AppendBatcher<PendingAppend, AppendOutcome>;
  /** The append as a named statement, prepared once per connection (pg only). */
  readonly #appendStatement: PreparedStatement;
  /** The pg connections under knex, for the hottest statement; undefined on PGlite. */
  readonly #pool: DirectPool | undefined;
  readonly #readAllSql: Record<'fromStart' | 'after', Record<'allTenants' | 'oneTenant', string>>;

  constructor(knex: Knex, options: PostgresEventStoreOptions = {}) {
    this.#knex = knex;
    this.#schema = checkedSchemaName(options.schema ?? DEFAULT_SCHEMA);
    this.#notifier = options.notifier;
    this.#clock = options.clock ?? (() => new Date());
    this.#appendSql = `select append_index, status, next_revision, last_position::text, actual_revision,
        pg_current_xact_id()::text
      from ${this.#schema}.append_to_streams(?::text[], ?::text[], ?::text[], ?::int[],
        ?::uuid[], ?::text[], ?::int[], ?::json[], ?::json[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::bytea[])`;
    this.#appendStatement = { name: `dui_append_${this.#schema}`, text: positionalParameters(this.#appendSql) };
    this.#pool = DirectPool.of(knex);
    this.#batcher = new AppendBatcher((appends) => this.#appendBatch(this.#knex, appends), {
      maxInFlight: options.maxConcurrentAppends ?? DEFAULT_MAX_CONCURRENT_APPENDS,
      maxEvents: MAX_EVENTS_PER_BATCH,
    });
    this.#readAllSql = {
      fromStart: { allTenants: this.#globalReadSql(false, false), oneTenant: this.#globalReadSql(false, true) },
      after: { allTenants: this.#globalReadSql(true, false), oneTenant: this.#globalReadSql(true, true) },
    };
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions<Knex.Transaction> = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const prepared = prepareForStorage(streamId, events, this.#clock());
    const append: PendingAppend = {
      streamId,
      organisationId: prepared[0]!.metadata.organisationId,
      expected,
      events: prepared,
    };
    let outcome: AppendOutcome;
    try {
      outcome = await this.#reachingTheDatabase('append', options.transaction, async () =>
        options.transaction
          ? (await this.#appendBatch(options.transaction, [append]))[0]!
          : await this.#batcher.submit(append),
      );
    } catch (error) {
      if (error instanceof EventStoreUnavailableError) throw error;
      throw await translateAppendError(error, {
        streamId,
        expected,
        // a caller's transaction is aborted by the error: only a fresh connection can look
        currentRevision: () => (options.transaction ? Promise.resolve(undefined) : this.#streamRevision(streamId)),
      });
    }
    return this.#resultOf(append, outcome, options.transaction);
  }

  async readStream(
    streamId: string,
    options: ReadStreamOptions & ReadInTransaction<Knex.Transaction> = {},
  ): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const conditions = ['e.stream_id = ?'];
    const bindings: (string | number)[] = [streamId];
    if (options.fromRevision !== undefined) {
      conditions.push(backwards ? 'e.stream_revision <= ?' : 'e.stream_revision >= ?');
      bindings.push(options.fromRevision);
    }
    const rows = await this.#reachingTheDatabase('read', options.transaction, () =>
      selectRows<EventRow>(
        options.transaction ?? this.#knex,
        `select ${EVENT_COLUMNS} from ${this.#schema}.events e
          where ${conditions.join(' and ')}
          order by e.stream_revision ${backwards ? 'desc' : 'asc'}
          ${limitClause(options.maxCount)}`,
        bindings,
      ),
    );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions & ReadInTransaction<Knex.Transaction> = {}): Promise<RecordedEvent[]> {
    const rows = await this.#reachingTheDatabase('read', options.transaction, async () => {
      // in a caller's transaction the wait would hold it open, and on PGlite wait on itself
      if (!options.transaction) await this.#ownAppends.waitForOwnAppends(this.#knex);
      return this.#readAllRows(options);
    });
    return rows.map(toRecordedEvent);
  }

  #readAllRows(options: ReadAllOptions & ReadInTransaction<Knex.Transaction>): Promise<EventRow[]> {
    const bindings: string[] = [];
    const fromStart = options.after === undefined || options.after <= 0n;
    if (!fromStart) bindings.push(String(options.after));
    if (options.organisationId !== undefined) bindings.push(options.organisationId);
    const sql =
      this.#readAllSql[fromStart ? 'fromStart' : 'after'][
        options.organisationId === undefined ? 'allTenants' : 'oneTenant'
      ];
    return selectRows<EventRow>(options.transaction ?? this.#knex, `${sql} ${limitClause(options.maxCount)}`, bindings);
  }

  subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const signal = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    return pollGlobalLog((read) => this.readAll(read), this.#notifier, { ...options, signal });
  }

  async verifyIntegrity(options: VerifyOptions = {}): Promise<IntegrityReport> {
    return this.#reachingTheDatabase('verify', undefined, async () => {
      // an anchor keeps the log below the fence: let it pass what was committed before the call
      if (options.streamEnds && options.streamId === undefined)
        await this.#ownAppends.waitForEarlierTransactions(this.#knex);
      // one snapshot for the whole walk, so that heads, events and the log always agree
      return this.#knex.transaction((trx) => this.#verifyInSnapshot(trx, options), {
        isolationLevel: 'repeatable read',
        readOnly: true,
      });
    });
  }

  async #verifyInSnapshot(trx: Knex.Transaction, options: VerifyOptions): Promise<IntegrityReport> {
    const report = await verifyStreams(storedStreams(trx, this.#schema, options.streamId), options, () =>
      storedLog(trx, this.#schema),
    );
    if (!report.ok) return report;
    // it has no place in the log's order: told only when nothing earlier is
    const hidden = await eventBeyondTheLog(trx, this.#schema, options.streamId);
    if (!hidden) return report;
    const { streamsChecked, eventsChecked } = report;
    return { ok: false, streamsChecked, eventsChecked, firstBadEvent: hidden };
  }

  async close(): Promise<void> {
    this.#closing.abort();
  }

  /**
   * Runs what needs the database (ADR 0023). A statement whose connection went under it is run
   * once more, on the new connection the pool opens, unless it was in a caller's transaction (gone
   * with the connection): a connection cut while the server stays up then costs a caller nothing,
   * and an append that did commit before the connection went is found stored by its ids, not
   * stored twice. What still cannot reach the database is raised as `EventStoreUnavailableError`.
   */
  async #reachingTheDatabase<T>(
    operation: EventStoreUnavailableError['operation'],
    transaction: Knex.Transaction | undefined,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await (transaction ? run() : onceMoreIfConnectionLost(run));
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw new EventStoreUnavailableError(operation, { cause: error });
      throw error;
    }
  }

  /**
   * The global log in the one order all readers share (ADR 0003): only transactions below the
   * snapshot's xmin (all ended), ordered by (transaction id, position), resumed after the pair of
   * the event at `after`. Positions are cursors the store handed out: one that names no event
   * (other than 0 and below, the start) has nothing after it.
   */
  #globalReadSql(resumes: boolean, oneTenant: boolean): string {
    const conditions = ['e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())'];
    if (resumes) {
      conditions.push(
        `(e.transaction_id, e.global_position) >
           (select transaction_id, global_position from ${this.#schema}.events where global_position = ?::bigint)`,
      );
    }
    if (oneTenant) conditions.push('e.organisation_id = ?');
    return `select ${EVENT_COLUMNS} from ${this.#schema}.events e
      where ${conditions.join(' and ')}
      order by e.transaction_id, e.global_position`;
  }

  /** Sends appends (in the order given) to the append function in one statement. */
  async #appendBatch(db: Queryable, appends: readonly PendingAppend[]): Promise<AppendOutcome[]> {
    const bindings = appendBindings(appends);
    const rows =
      db === this.#knex && this.#pool
        ? await this.#pool.query<AppendRow>(this.#appendStatement, bindings)
        : await selectRows<AppendRow>(db, this.#appendSql, bindings);
    if (rows.length !== appends.length)
      throw new Error(`append_to_streams answered ${rows.length} of ${appends.length}`);
    return rows
      .map(([appendIndex, status, nextRevision, lastPosition, actualRevision, transactionId]) => ({
        appendIndex,
        outcome: { status, nextRevision, lastPosition, actualRevision, transactionId },
      }))
      .sort((a, b) => a.appendIndex - b.appendIndex)
      .map(({ outcome }) => outcome);
  }

  #resultOf(append: PendingAppend, outcome: AppendOutcome, transaction: Knex.Transaction | undefined): AppendResult {
    const { streamId, expected, events } = append;
    switch (outcome.status) {
      case AppendStatus.appended:
        this.#afterCommit(append.organisationId, BigInt(outcome.transactionId), transaction);
        return {
          nextExpectedRevision: outcome.nextRevision!,
          lastGlobalPosition: BigInt(outcome.lastPosition!),
          alreadyAppended: false,
        };
      case AppendStatus.alreadyAppended:
        // stored by an earlier run whose caller may never have heard back (a connection cut after
        // the commit): this store now reads them as its own, and wakes its subscribers, as that
        // run may not have. The batch's transaction id is above theirs, so the fence covers them.
        this.#afterCommit(append.organisationId, BigInt(outcome.transactionId), transaction);
        return {
          nextExpectedRevision: outcome.nextRevision!,
          lastGlobalPosition: BigInt(outcome.lastPosition!),
          alreadyAppended: true,
        };
      case AppendStatus.wrongExpectedRevision:
        throw new WrongExpectedRevisionError(streamId, expected, outcome.actualRevision ?? undefined);
      case AppendStatus.tenantMismatch:
        throw new TenantMismatchError(streamId);
      case AppendStatus.duplicateEventId:
        throw new DuplicateEventIdError(events[0]!.id);
      case AppendStatus.staleTransaction:
        throw new StaleTransactionError(streamId);
    }
  }

  async #streamRevision(streamId: string): Promise<number | undefined> {
    const [row] = await selectRows<readonly [number | null]>(
      this.#knex,
      `select max(stream_revision) from ${this.#schema}.events where stream_id = ?`,
      [streamId],
    );
    return row?.[0] ?? undefined;
  }

  /**
   * Once the events are committed: at once for an append that committed on its own, at the
   * commit of the caller's transaction otherwise (never on its rollback; for a nested transaction,
   * at the release of its savepoint). Subscribers are woken then, and not before, since they
   * could not see the events yet.
   */
  #afterCommit(organisationId: string, transactionId: bigint, transaction: Knex.Transaction | undefined): void {
    const committed = () => {
      this.#ownAppends.committed(transactionId);
      this.#notifier?.notifyAppended(organisationId);
    };
    if (!transaction) committed();
    else transaction.executionPromise.then(committed, () => undefined);
  }
}

/** The arrays `append_to_streams` takes: one entry per append, then one per event. */
function appendBindings(appends: readonly PendingAppend[]): string[] {
  const events = appends.flatMap((append) => append.events);
  return [
    arrayLiteral(appends.map((append) => append.streamId)),
    arrayLiteral(appends.map((append) => append.organisationId)),
    arrayLiteral(appends.map((append) => String(append.expected))),
    integerArrayLiteral(appends.map((append) => append.events.length)),
    arrayLiteral(events.map((event) => event.id)),
    arrayLiteral(events.map((event) => event.type)),
    integerArrayLiteral(events.map((event) => event.version)),
    arrayLiteral(events.map((event) => event.dataJson)),
    arrayLiteral(events.map((event) => event.metadataJson)),
    nullableArrayLiteral(events.map((event) => event.metadata.serviceUserId)),
    arrayLiteral(events.map((event) => event.metadata.occurredAt)),
    arrayLiteral(events.map((event) => event.metadata.recordedAt)),
    byteaArrayLiteral(events.map((event) => event.contentHash)),
  ];
}

function prepareForStorage(streamId: string, events: readonly EventToAppend[], recordedAt: Date): PreparedEvent[] {
  try {
    // the uuid column gives ids back in lowercase: hash and store them that way from the start
    return prepareEvents(streamId, events.map(withLowercaseId), recordedAt);
  } catch (error) {
    // what cannot be hashed (a lone surrogate in a string, ...) is as invalid as a bad envelope
    if (error instanceof EventStoreError) throw error;
    throw new InvalidEventError(`the events cannot be prepared: ${(error as Error).message}`, { cause: error });
  }
}

function withLowercaseId(event: EventToAppend): EventToAppend {
  return typeof event?.id === 'string' ? { ...event, id: event.id.toLowerCase() } : event;
}

async function onceMoreIfConnectionLost<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isConnectionLost(error)) throw error;
    return run();
  }
}

function limitClause(maxCount: number | undefined): string {
  if (maxCount === undefined || !Number.isFinite(maxCount)) return '';
  return `limit ${Math.max(0, Math.floor(maxCount))}`;
}
