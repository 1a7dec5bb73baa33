import type { Knex } from 'knex';
import { type SummarySheet, withEveryPart } from './summary-sheet.js';

/** A usager's whole summary sheet (filter it with `readableSheet` before showing it), or undefined. */
export async function summarySheetOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string },
): Promise<SummarySheet | undefined> {
  const { rows } = (await db.raw('select sheet from ?? where organisation_id = ? and service_user_id = ?', [
    `${readSchema}.sheets`,
    where.organisationId,
    where.serviceUserId,
  ])) as { rows: { sheet: SummarySheet }[] };
  return rows[0] && withEveryPart(rows[0].sheet);
}
