import type { Knex } from 'knex';

/** What the habilitations model says of one professional in one organisation. */
export interface StoredHabilitations {
  roles: { facilityId: string; role: string }[];
  careTeams: { facilityId: string; serviceUserId: string }[];
  psychologicalNotesAllowedBy: string[];
}

/** Reads one professional's habilitations from the projection's read schema. */
export async function habilitationsOf(
  db: Knex,
  readSchema: string,
  organisationId: string,
  professionalId: string,
): Promise<StoredHabilitations> {
  const where = { organisation_id: organisationId, professional_id: professionalId };
  const [roles, careTeams, allowances] = await Promise.all([
    db.withSchema(readSchema).from('roles').where(where).select('facility_id', 'role'),
    db.withSchema(readSchema).from('care_team_members').where(where).select('facility_id', 'service_user_id'),
    db.withSchema(readSchema).from('psychological_note_readers').where(where).select('service_user_id'),
  ]);
  return {
    roles: roles.map((row) => ({ facilityId: row.facility_id, role: row.role })),
    careTeams: careTeams.map((row) => ({ facilityId: row.facility_id, serviceUserId: row.service_user_id })),
    psychologicalNotesAllowedBy: allowances.map((row) => row.service_user_id),
  };
}
