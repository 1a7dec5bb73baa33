import type { Knex } from 'knex';

/**
 * Whether a death is recorded for a usager in any ESSMS of the organisation: an exit whose reason,
 * as last corrected, is `death`. An exit corrected away from `death` no longer counts.
 */
export async function deathRecordedFor(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string },
): Promise<boolean> {
  const row = await db
    .withSchema(readSchema)
    .from('exits')
    .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId, exit_reason: 'death' })
    .first('accompaniment_id');
  return row !== undefined;
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
