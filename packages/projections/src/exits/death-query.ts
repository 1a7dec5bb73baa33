import type { Knex } from 'knex';

/**
 * The day of the usager's death, when one is recorded in any ESSMS of the organisation: an exit
 * whose reason, as last corrected, is `death` (the earliest, should two ESSMS record it). An exit
 * corrected away from `death` no longer counts.
 */
export async function deathDayOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string },
): Promise<string | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('exits')
    .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId, exit_reason: 'death' })
    .min('exit_day as exitDay')
    .first()) as { exitDay: string | null } | undefined;
  return row?.exitDay ?? undefined;
}

/** Whether a death is recorded for a usager in any ESSMS of the organisation (see `deathDayOf`). */
export async function deathRecordedFor(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string },
): Promise<boolean> {
  return (await deathDayOf(db, readSchema, where)) !== undefined;
}

/** Which of these usagers have a death recorded in the organisation (as `deathRecordedFor` says it), in one query. */
export async function deathsRecordedAmong(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserIds: readonly string[] },
): Promise<Set<string>> {
  if (where.serviceUserIds.length === 0) return new Set();
  const rows = (await db
    .withSchema(readSchema)
    .from('exits')
    .where({ organisation_id: where.organisationId, exit_reason: 'death' })
    .whereIn('service_user_id', [...where.serviceUserIds])
    .distinct('service_user_id')) as { service_user_id: string }[];
  return new Set(rows.map((row) => row.service_user_id));
}
