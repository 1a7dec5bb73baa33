import type { Knex } from 'knex';
import { decodeReportingCursor, encodeReportingCursor, START_OF_OUTBOX } from './reporting-cursor.js';
import type { ReportingEventType } from './reporting-events.js';

/** A reporting event as consumers receive it (docs/reporting-events.md). */
export interface PublishedReportingEvent {
  /** Stable: the same fact always has this id (deduplicate by it). */
  id: string;
  type: ReportingEventType;
  version: number;
  organisationId: string;
  facilityId: string | null;
  occurredOn: string;
  subjectKey: string | null;
  data: Record<string, unknown>;
  /** The cursor just after this event. */
  cursor: string;
}

export interface ReportingPage {
  events: PublishedReportingEvent[];
  /** Hand it back as `after` for the next page; the same cursor when nothing new was committed. */
  next: string;
}

export const MAX_REPORTING_PAGE = 1_000;

interface OutboxRow {
  position: string;
  transaction_id: string;
  id: string;
  type: ReportingEventType;
  version: number;
  organisation_id: string;
  facility_id: string | null;
  occurred_on: string;
  subject_key: string | null;
  data: Record<string, unknown> | string;
}

/**
 * The reporting events after a cursor (from the start without one), in the outbox's order, at
 * most `limit`: of one organisme gestionnaire, or of all of them (the Redis relay). Only rows
 * below the visibility fence are read (ADR 0003): a transaction still running, even one that took
 * an earlier position, is read once it has committed, after the cursor, never skipped.
 *
 * `readSchema`: the outbox's read schema (`runtime.readSchema('reporting_outbox')`). Throws
 * `InvalidReportingCursorError` for a cursor it did not give.
 */
export async function readReportingEvents(
  db: Knex | Knex.Transaction,
  readSchema: string,
  options: { organisationId?: string | undefined; after?: string | undefined; limit: number },
): Promise<ReportingPage> {
  const after = options.after === undefined ? START_OF_OUTBOX : decodeReportingCursor(options.after);
  const limit = Math.max(1, Math.min(MAX_REPORTING_PAGE, Math.trunc(options.limit)));
  const tenant = options.organisationId === undefined ? '' : 'and organisation_id = ?';
  const { rows } = (await db.raw(
    `select position::text, transaction_id::text, id, type, version, organisation_id, facility_id, occurred_on,
            subject_key, data
       from ??
      where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        and (transaction_id, position) > (?::xid8, ?::bigint)
        ${tenant}
      order by transaction_id, position
      limit ?`,
    [
      `${readSchema}.events`,
      after.transactionId,
      after.position,
      ...(options.organisationId === undefined ? [] : [options.organisationId]),
      limit,
    ],
  )) as { rows: OutboxRow[] };
  const events = rows.map((row) => ({
    id: row.id,
    type: row.type,
    version: row.version,
    organisationId: row.organisation_id,
    facilityId: row.facility_id,
    occurredOn: row.occurred_on,
    subjectKey: row.subject_key,
    data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data,
    cursor: encodeReportingCursor({ transactionId: row.transaction_id, position: row.position }),
  }));
  return { events, next: events.at(-1)?.cursor ?? encodeReportingCursor(after) };
}
