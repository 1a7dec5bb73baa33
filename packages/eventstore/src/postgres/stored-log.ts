import type { IntegrityViolation } from '../integrity-report.js';
import type { LogEntry } from '../log-prefix.js';
import { type Queryable, selectRows } from './sql-rows.js';

/** Rows per read: the rows are short (ids and a hash), so a page costs little memory. */
const PAGE_SIZE = 10_000;

type LogRow = readonly [
  globalPosition: string,
  streamId: string,
  streamRevision: number,
  id: string,
  hash: string,
  transactionId: string,
];

/**
 * The global log in the order every reader shares (ADR 0003: below the snapshot's xmin, by
 * transaction id then position), each event named and hashed, nothing else: what the log's
 * running hash needs (`log-prefix.ts`). Run it in the repeatable-read transaction of the streams'
 * walk, so that both see the same snapshot.
 */
export async function* storedLog(db: Queryable, schema: string): AsyncGenerator<LogEntry> {
  let cursor: { transactionId: string; globalPosition: string } | undefined;
  for (;;) {
    const rows = await selectRows<LogRow>(
      db,
      `select e.global_position::text, e.stream_id, e.stream_revision, e.id, encode(e.hash, 'hex'), e.transaction_id::text
         from ${schema}.events e
        where e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          ${cursor ? 'and (e.transaction_id, e.global_position) > (?::xid8, ?::bigint)' : ''}
        order by e.transaction_id, e.global_position
        limit ${PAGE_SIZE}`,
      cursor ? [cursor.transactionId, cursor.globalPosition] : [],
    );
    for (const [globalPosition, streamId, streamRevision, id, hash, transactionId] of rows) {
      yield { id, streamId, streamRevision, globalPosition: BigInt(globalPosition), hash };
      cursor = { transactionId, globalPosition };
    }
    if (rows.length < PAGE_SIZE) return;
  }
}

/**
 * An event no reader of the global log sees: its transaction id is one no transaction had when the
 * snapshot was taken, which the store never writes (a committed append's id is below the
 * snapshot's xmax). Someone set it there to hide the event from the projections and registers (as
 * the last event of its stream, its chain and its stream's order still hold), or the log was
 * restored into a cluster whose transaction ids were not moved past the log's. Run it in the
 * streams' walk's snapshot.
 */
export async function eventBeyondTheLog(
  db: Queryable,
  schema: string,
  streamId?: string,
): Promise<IntegrityViolation | undefined> {
  const [row] = await selectRows<readonly [string, string, number, string]>(
    db,
    `select e.global_position::text, e.stream_id, e.stream_revision, e.id
       from ${schema}.events e
      where e.transaction_id >= pg_snapshot_xmax(pg_current_snapshot())
        ${streamId === undefined ? '' : 'and e.stream_id = ?'}
      order by e.transaction_id, e.global_position
      limit 1`,
    streamId === undefined ? [] : [streamId],
  );
  if (!row) return undefined;
  const [globalPosition, eventStreamId, streamRevision, id] = row;
  return {
    streamId: eventStreamId,
    problem: 'hidden',
    eventId: id,
    streamRevision,
    globalPosition: BigInt(globalPosition),
    detail:
      'its transaction id is one no transaction had yet, so no reader of the global log sees this event: ' +
      "it was set there, or the log was restored into a cluster whose transaction ids are behind the log's",
  };
}
