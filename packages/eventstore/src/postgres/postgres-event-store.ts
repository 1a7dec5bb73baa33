import type { Knex } from 'knex';
import { type PreparedEvent, prepareEvents } from '../append-preparation.js';
import { EventStoreError, InvalidEventError } from '../errors.js';
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
import { type IntegrityReport, verifyStreams } from '../hash-chain.js';
import type { AppendNotifier } from '../notifier.js';
import { pollGlobalLog } from '../subscription.js';
import { translateAppendError } from './append-errors.js';
import { arrayLiteral, byteaArrayLiteral, integerArrayLiteral, jsonArrayLiteral } from './array-literal.js';
import { OwnAppendsFence } from './own-appends-fence.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './row-mapping.js';
import { checkedSchemaName, DEFAULT_SCHEMA } from './schema-name.js';
import { type Queryable, selectRows } from './sql-rows.js';
import { storedStreams } from './stored-streams.js';

export interface PostgresEventStoreOptions {
  /** The PostgreSQL schema holding the tables (migrated with `migrateEventStore`). Defaults to `dui`. */
  schema?: string;
  /** Wakes subscribers when something is appended; they poll without it. */
  notifier?: AppendNotifier;
  /** Stamps `recordedAt`. Defaults to the system clock. */
  clock?: () => Date;
}

type AppendRow = readonly [nextRevision: number, lastPosition: string, alreadyAppended: boolean, transactionId: string];

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
  readonly #readAllSql: Record<'fromStart' | 'after', Record<'allTenants' | 'oneTenant', string>>;

  constructor(knex: Knex, options: PostgresEventStoreOptions = {}) {
    this.#knex = knex;
    this.#schema = checkedSchemaName(options.schema ?? DEFAULT_SCHEMA);
    this.#notifier = options.notifier;
    this.#clock = options.clock ?? (() => new Date());
    this.#appendSql = `select next_revision, last_position::text, already_appended, pg_current_xact_id()::text
      from ${this.#schema}.append_to_stream(?, ?, ?, ?, ?::uuid[], ?::text[], ?::int[], ?::jsonb[], ?::jsonb[], ?::bytea[])`;
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
    const recordedAt = this.#clock();
    const prepared = prepareForStorage(streamId, events, recordedAt);
    const organisationId = prepared[0]!.metadata.organisationId;
    const db: Queryable = options.transaction ?? this.#knex;

    let row: AppendRow | undefined;
    try {
      [row] = await selectRows<AppendRow>(db, this.#appendSql, [
        streamId,
        organisationId,
        String(expected),
        recordedAt.toISOString(),
        arrayLiteral(prepared.map((event) => event.id)),
        arrayLiteral(prepared.map((event) => event.type)),
        integerArrayLiteral(prepared.map((event) => event.version)),
        jsonArrayLiteral(prepared.map((event) => event.data)),
        jsonArrayLiteral(prepared.map((event) => event.metadata)),
        byteaArrayLiteral(prepared.map((event) => event.contentHash)),
      ]);
    } catch (error) {
      throw await translateAppendError(error, {
        streamId,
        expected,
        // a caller's transaction is aborted by the error: only a fresh connection can look
        currentRevision: () => (options.transaction ? Promise.resolve(undefined) : this.#streamRevision(streamId)),
      });
    }
    if (!row) throw new Error('append_to_stream returned no row');
    const [nextExpectedRevision, lastPosition, alreadyAppended, transactionId] = row;
    if (!alreadyAppended) this.#afterCommit(organisationId, BigInt(transactionId), options.transaction);
    return { nextExpectedRevision, lastGlobalPosition: BigInt(lastPosition), alreadyAppended };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const conditions = ['e.stream_id = ?'];
    const bindings: (string | number)[] = [streamId];
    if (options.fromRevision !== undefined) {
      conditions.push(backwards ? 'e.stream_revision <= ?' : 'e.stream_revision >= ?');
      bindings.push(options.fromRevision);
    }
    const rows = await selectRows<EventRow>(
      this.#knex,
      `select ${EVENT_COLUMNS} from ${this.#schema}.events e
        where ${conditions.join(' and ')}
        order by e.stream_revision ${backwards ? 'desc' : 'asc'}
        ${limitClause(options.maxCount)}`,
      bindings,
    );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    await this.#ownAppends.waitForOwnAppends(this.#knex);
    const bindings: string[] = [];
    const fromStart = options.after === undefined || options.after <= 0n;
    if (!fromStart) bindings.push(String(options.after));
    if (options.organisationId !== undefined) bindings.push(options.organisationId);
    const sql =
      this.#readAllSql[fromStart ? 'fromStart' : 'after'][
        options.organisationId === undefined ? 'allTenants' : 'oneTenant'
      ];
    const rows = await selectRows<EventRow>(this.#knex, `${sql} ${limitClause(options.maxCount)}`, bindings);
    return rows.map(toRecordedEvent);
  }

  subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const signal = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    return pollGlobalLog((read) => this.readAll(read), this.#notifier, { ...options, signal });
  }

  async verifyIntegrity(options: VerifyOptions = {}): Promise<IntegrityReport> {
    // one snapshot for the whole walk, so that heads and events always agree
    return this.#knex.transaction((trx) => verifyStreams(storedStreams(trx, this.#schema, options.streamId)), {
      isolationLevel: 'repeatable read',
      readOnly: true,
    });
  }

  async close(): Promise<void> {
    this.#closing.abort();
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

  async #streamRevision(streamId: string): Promise<number | undefined> {
    const [row] = await selectRows<readonly [number]>(
      this.#knex,
      `select revision from ${this.#schema}.streams where stream_id = ?`,
      [streamId],
    );
    return row && row[0] >= 0 ? row[0] : undefined;
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

function limitClause(maxCount: number | undefined): string {
  if (maxCount === undefined || !Number.isFinite(maxCount)) return '';
  return `limit ${Math.max(0, Math.floor(maxCount))}`;
}
