import type { ExchangeChanges, ExchangeChannel, ExchangeDirection, ExchangePartner } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** One exchange as it stands, its corrections applied. */
export interface ExchangeView {
  exchangeId: string;
  serviceUserId: string;
  facilityId: string;
  channel: ExchangeChannel;
  direction: ExchangeDirection;
  occurredAt: string;
  recordedBy: string;
  withUsager: boolean;
  partners: ExchangePartner[];
  summary: string;
  /** The corrections, oldest first: why, who, when, and what each changed. */
  corrections: { reason: string; correctedAt: string; correctedBy: string; changes: ExchangeChanges }[];
  /** The revision of the exchange's stream, for `If-Match`. */
  revision: number;
}

interface ExchangeRow {
  exchange_id: string;
  service_user_id: string;
  facility_id: string;
  channel: ExchangeChannel;
  direction: ExchangeDirection;
  occurred_at: string;
  recorded_by: string;
  with_usager: boolean;
  partners: ExchangePartner[] | string;
  summary: string;
  revision: number;
}

interface CorrectionRow {
  exchange_id: string;
  reason: string;
  changes: ExchangeChanges | string;
  corrected_at: string;
  corrected_by: string;
}

const json = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

async function withCorrections(
  db: Knex,
  readSchema: string,
  organisationId: string,
  rows: ExchangeRow[],
): Promise<ExchangeView[]> {
  if (rows.length === 0) return [];
  const corrections = (await db
    .withSchema(readSchema)
    .from('corrections')
    .where({ organisation_id: organisationId })
    .whereIn(
      'exchange_id',
      rows.map((row) => row.exchange_id),
    )
    .orderBy([{ column: 'exchange_id' }, { column: 'revision' }])) as CorrectionRow[];
  return rows.map((row) => ({
    exchangeId: row.exchange_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    channel: row.channel,
    direction: row.direction,
    occurredAt: row.occurred_at,
    recordedBy: row.recorded_by,
    withUsager: row.with_usager,
    partners: json(row.partners),
    summary: row.summary,
    corrections: corrections
      .filter((correction) => correction.exchange_id === row.exchange_id)
      .map((correction) => ({
        reason: correction.reason,
        correctedAt: correction.corrected_at,
        correctedBy: correction.corrected_by,
        changes: json(correction.changes),
      })),
    revision: Number(row.revision),
  }));
}

/**
 * The exchanges of one usager in one ESSMS that happened from `from` to `to` (days in
 * Europe/Paris, both included, either optional), the latest first.
 */
export async function exchangesOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string; from?: string; to?: string },
): Promise<ExchangeView[]> {
  const query = db.withSchema(readSchema).from('exchanges').where({
    organisation_id: where.organisationId,
    service_user_id: where.serviceUserId,
    facility_id: where.facilityId,
  });
  if (where.from !== undefined) query.where('occurred_on', '>=', where.from);
  if (where.to !== undefined) query.where('occurred_on', '<=', where.to);
  const rows = (await query.orderBy([
    { column: 'occurred_at_utc', order: 'desc' },
    { column: 'exchange_id', order: 'asc' },
  ])) as ExchangeRow[];
  return withCorrections(db, readSchema, where.organisationId, rows);
}

/** One exchange; undefined when there is none under this id in this organisation (or its usager was forgotten). */
export async function exchangeById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; exchangeId: string },
): Promise<ExchangeView | undefined> {
  const rows = (await db
    .withSchema(readSchema)
    .from('exchanges')
    .where({ organisation_id: where.organisationId, exchange_id: where.exchangeId })) as ExchangeRow[];
  const [view] = await withCorrections(db, readSchema, where.organisationId, rows);
  return view;
}
