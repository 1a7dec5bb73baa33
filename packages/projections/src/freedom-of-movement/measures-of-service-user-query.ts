import { type MeasureOutcome, type MeasureStatus, type MeasureWarning, measureWarning } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** A measure restricting a usager's freedom of movement, as it stands. */
export interface FreedomOfMovementMeasureView {
  measureId: string;
  serviceUserId: string;
  facilityId: string;
  status: MeasureStatus;
  description: string;
  /** The multidisciplinary assessment it rests on: medical data, for whom may read it. */
  assessment: string;
  proposedBy: string;
  proposedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reviewBy: string | null;
  usagerInformed: boolean;
  informedAt: string | null;
  informedHow: string | null;
  reviews: number;
  lastReviewedAt: string | null;
  lastOutcome: MeasureOutcome | null;
  /** What the team should be told about it on the day asked for. */
  warning: MeasureWarning;
  /** The revision of the measure's stream, for `If-Match`. */
  revision: number;
}

interface MeasureRow {
  measure_id: string;
  service_user_id: string;
  facility_id: string;
  status: MeasureStatus;
  description: string;
  assessment: string;
  proposed_by: string;
  proposed_at: string;
  decided_by: string | null;
  decided_at: string | null;
  review_by: string | null;
  usager_informed: boolean;
  informed_at: string | null;
  informed_how: string | null;
  reviews: number;
  last_reviewed_at: string | null;
  last_outcome: MeasureOutcome | null;
  revision: number;
}

/** The measures of one usager in one ESSMS, oldest proposal first, each with its warning as of `today`. */
export async function measuresOfServiceUser(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string; today: string },
): Promise<FreedomOfMovementMeasureView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('measures')
    .where({
      organisation_id: where.organisationId,
      service_user_id: where.serviceUserId,
      facility_id: where.facilityId,
    })
    .orderBy(['proposed_at', 'measure_id'])) as MeasureRow[];
  return rows.map((row) => toView(row, where.today));
}

/** One measure, with its warning as of `today`; undefined when there is none (or its usager was forgotten). */
export async function freedomOfMovementMeasure(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; measureId: string; today: string },
): Promise<FreedomOfMovementMeasureView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('measures')
    .where({ organisation_id: where.organisationId, measure_id: where.measureId })
    .first()) as MeasureRow | undefined;
  return row === undefined ? undefined : toView(row, where.today);
}

function toView(row: MeasureRow, today: string): FreedomOfMovementMeasureView {
  return {
    measureId: row.measure_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    status: row.status,
    description: row.description,
    assessment: row.assessment,
    proposedBy: row.proposed_by,
    proposedAt: row.proposed_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    reviewBy: row.review_by,
    usagerInformed: row.usager_informed,
    informedAt: row.informed_at,
    informedHow: row.informed_how,
    reviews: Number(row.reviews),
    lastReviewedAt: row.last_reviewed_at,
    lastOutcome: row.last_outcome,
    warning: measureWarning(
      { status: row.status, reviewBy: row.review_by ?? undefined, usagerInformed: row.usager_informed },
      today,
    ),
    revision: Number(row.revision),
  };
}
