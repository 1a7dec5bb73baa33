import { MEASURE_REVIEW_LEAD_DAYS, type MeasureWarning, measureWarning } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** A decided measure whose review is due soon or overdue, in one ESSMS. */
export interface MeasureToReview {
  measureId: string;
  serviceUserId: string;
  reviewBy: string;
  usagerInformed: boolean;
  warning: Extract<MeasureWarning, 'review-due-soon' | 'review-overdue'>;
  /** The revision of the measure's stream, for `If-Match` on the review. */
  revision: number;
}

interface MeasureRow {
  measure_id: string;
  service_user_id: string;
  review_by: string;
  usager_informed: boolean;
  revision: number;
}

/**
 * The measures of one ESSMS to review as of `today`: decided (not lifted) measures whose review
 * date is past or within `MEASURE_REVIEW_LEAD_DAYS` days, the most urgent first.
 */
export async function measuresToReview(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; today: string },
): Promise<MeasureToReview[]> {
  const cutoff = new Date(Date.parse(`${where.today}T00:00:00Z`) + MEASURE_REVIEW_LEAD_DAYS * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const { rows } = (await db.raw(
    `select measure_id, service_user_id, review_by, usager_informed, revision
       from ??
      where organisation_id = ? and facility_id = ? and status = 'decided' and review_by <= ?
      order by review_by, measure_id`,
    [`${readSchema}.measures`, where.organisationId, where.facilityId, cutoff],
  )) as { rows: MeasureRow[] };
  return rows.map((row) => ({
    measureId: row.measure_id,
    serviceUserId: row.service_user_id,
    reviewBy: row.review_by,
    usagerInformed: row.usager_informed,
    warning: measureWarning(
      { status: 'decided', reviewBy: row.review_by, usagerInformed: row.usager_informed },
      where.today,
    ) as MeasureToReview['warning'],
    revision: Number(row.revision),
  }));
}
