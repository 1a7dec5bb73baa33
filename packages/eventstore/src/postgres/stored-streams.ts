import { GENESIS_HASH, type StoredEvent, type StreamHead } from '../hash-chain.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './row-mapping.js';
import { type Queryable, selectRows } from './sql-rows.js';

/** Rows per read: enough to amortise the round trip, few enough to keep memory flat. */
const PAGE_SIZE = 5_000;

export interface StoredStream {
  streamId: string;
  events: StoredEvent[];
  head: StreamHead;
}

type IntegrityRow = readonly [...EventRow, headRevision: number | null, headHash: string | null, transactionId: string];

/**
 * A stream never created by the store has no head row: its head is "before the first event", so
 * that the check reports its first event as inserted.
 */
const NO_HEAD: StreamHead = { revision: -1, hash: GENESIS_HASH };

/**
 * The stored streams one at a time, raw (never decrypted), each with the head the `streams` table
 * keeps for it and each event's transaction id (the first key of the global log's order), for
 * `verifyStreams`. The log is walked in pages by (stream, revision), so memory holds one page and
 * one stream, never the whole log. Run it in one repeatable-read transaction so that every page
 * sees the same snapshot: heads and events then always agree.
 */
export async function* storedStreams(db: Queryable, schema: string, streamId?: string): AsyncGenerator<StoredStream> {
  let current: StoredStream | undefined;
  let cursor: { streamId: string; revision: number } | undefined;
  for (;;) {
    const rows = await selectRows<IntegrityRow>(db, ...pageQuery(schema, streamId, cursor));
    for (const row of rows) {
      const event: StoredEvent = { ...toRecordedEvent(row), transactionId: BigInt(row[12]) };
      if (current?.streamId !== event.streamId) {
        if (current) yield current;
        current = { streamId: event.streamId, events: [], head: headOf(row) };
      }
      current.events.push(event);
      cursor = { streamId: event.streamId, revision: event.streamRevision };
    }
    if (rows.length < PAGE_SIZE) break;
  }
  if (current) yield current;
  yield* headsWithoutEvents(db, schema, streamId);
}

function pageQuery(
  schema: string,
  streamId: string | undefined,
  cursor: { streamId: string; revision: number } | undefined,
): [string, (string | number)[]] {
  const conditions: string[] = [];
  const bindings: (string | number)[] = [];
  if (streamId !== undefined) {
    conditions.push('e.stream_id = ?');
    bindings.push(streamId);
  }
  if (cursor) {
    conditions.push('(e.stream_id, e.stream_revision) > (?, ?)');
    bindings.push(cursor.streamId, cursor.revision);
  }
  const where = conditions.length > 0 ? `where ${conditions.join(' and ')}` : '';
  return [
    `select ${EVENT_COLUMNS}, s.revision, encode(s.head_hash, 'hex'), e.transaction_id::text
       from ${schema}.events e left join ${schema}.streams s on s.stream_id = e.stream_id
       ${where}
       order by e.stream_id, e.stream_revision
       limit ${PAGE_SIZE}`,
    bindings,
  ];
}

function headOf(row: IntegrityRow): StreamHead {
  const headRevision = row[10];
  const headHash = row[11];
  return headRevision === null || headHash === null ? NO_HEAD : { revision: headRevision, hash: headHash };
}

/** Streams whose every event is gone: only their head is left to tell. */
async function* headsWithoutEvents(db: Queryable, schema: string, streamId?: string): AsyncGenerator<StoredStream> {
  const rows = await selectRows<readonly [string, number, string | null]>(
    db,
    `select s.stream_id, s.revision, encode(s.head_hash, 'hex')
       from ${schema}.streams s
      where not exists (select 1 from ${schema}.events e where e.stream_id = s.stream_id)
        ${streamId === undefined ? '' : 'and s.stream_id = ?'}`,
    streamId === undefined ? [] : [streamId],
  );
  for (const [id, revision, hash] of rows) {
    yield { streamId: id, events: [], head: { revision, hash: hash ?? GENESIS_HASH } };
  }
}
