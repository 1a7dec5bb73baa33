import type { Role } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** A professional holding one or more roles in an ESSMS. */
export interface FacilityStaffRoles {
  professionalId: string;
  roles: Role[];
}

/** Who holds which role in one ESSMS, from the habilitations model, by professional. */
export async function rolesInFacility(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string },
): Promise<FacilityStaffRoles[]> {
  const rows: { professional_id: string; role: Role }[] = await db
    .withSchema(readSchema)
    .from('roles')
    .where({ organisation_id: where.organisationId, facility_id: where.facilityId })
    .orderBy(['professional_id', 'role'])
    .select('professional_id', 'role');
  const byProfessional = new Map<string, Role[]>();
  for (const row of rows) {
    const roles = byProfessional.get(row.professional_id) ?? [];
    roles.push(row.role);
    byProfessional.set(row.professional_id, roles);
  }
  return [...byProfessional].map(([professionalId, roles]) => ({ professionalId, roles }));
}
