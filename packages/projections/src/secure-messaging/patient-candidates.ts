import type { IdentityStatus, InsOid, MatchCandidate, Sex } from '@dui-pds/domain';
import type { Knex } from 'knex';

interface CandidateRow {
  service_user_id: string;
  facility_id: string;
  anonymous: boolean;
  identity_status: IdentityStatus | null;
  ins_value: string | null;
  ins_oid: InsOid | null;
  birth_name: string | null;
  birth_first_names: string[] | null;
  birth_date: string | null;
  sex: Sex | null;
  birthplace_code: string | null;
}

/**
 * The organisation's records a received document may belong to, read from the service users'
 * model: those holding its INS, and those born on its birth date (the strict traits are compared
 * by `matchReceivedPatient`, accents aside, which SQL equality would not do). Every ESSMS of the
 * organisation: a result is filed where the usager is.
 */
export async function patientCandidates(
  db: Knex,
  serviceUsersSchema: string,
  where: { organisationId: string; insValue?: string; birthDate?: string },
): Promise<MatchCandidate[]> {
  if (where.insValue === undefined && where.birthDate === undefined) return [];
  const rows = (await db
    .withSchema(serviceUsersSchema)
    .from('identities')
    .where({ organisation_id: where.organisationId })
    .andWhere((query) => {
      if (where.insValue !== undefined) query.orWhereRaw('upper(ins_value) = ?', [where.insValue.toUpperCase()]);
      if (where.birthDate !== undefined) query.orWhere('birth_date', where.birthDate);
    })
    .orderBy('service_user_id')
    .limit(200)) as CandidateRow[];
  return rows.map((row) => ({
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    anonymous: row.anonymous,
    identityStatus: row.identity_status,
    ins: row.ins_value === null || row.ins_oid === null ? null : { value: row.ins_value, oid: row.ins_oid },
    traits:
      row.anonymous || row.birth_name === null || row.birth_date === null || row.sex === null
        ? null
        : {
            birthName: row.birth_name,
            birthFirstNames: row.birth_first_names ?? [],
            birthDate: row.birth_date,
            sex: row.sex,
            birthplaceCode: row.birthplace_code ?? '',
          },
  }));
}
