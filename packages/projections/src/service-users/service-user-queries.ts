import type { IdentityStatus, InsOid, Sex } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** A usager's identity as screens show it: the displayed traits, or the pseudonym. */
export interface ServiceUserSummary {
  serviceUserId: string;
  facilityId: string;
  anonymous: boolean;
  pseudonym: string | null;
  birthName: string | null;
  birthFirstNames: string[];
  usedName: string | null;
  usedFirstName: string | null;
  postalAddress: string | null;
  birthDate: string | null;
  birthYear: number | null;
  sex: Sex | null;
  birthplaceCode: string | null;
  identityStatus: IdentityStatus | null;
  /** Only for a qualified identity (QUAL): the INS leaves the software for no other. */
  ins: { value: string; oid: InsOid } | null;
  registeredAt: string;
  revision: number;
}

interface IdentityRow {
  service_user_id: string;
  facility_id: string;
  anonymous: boolean;
  pseudonym: string | null;
  birth_name: string | null;
  birth_first_names: string[] | null;
  used_name: string | null;
  used_first_name: string | null;
  postal_address: string | null;
  birth_date: string | null;
  birth_year: number | null;
  sex: Sex | null;
  birthplace_code: string | null;
  identity_status: IdentityStatus | null;
  ins_value: string | null;
  ins_oid: InsOid | null;
  registered_at: string;
  revision: number;
}

const COLUMNS = `service_user_id, facility_id, anonymous, pseudonym, birth_name, birth_first_names, used_name,
  used_first_name, postal_address, birth_date, birth_year, sex, birthplace_code, identity_status, ins_value, ins_oid, registered_at,
  revision`;

/** One usager's identity, or undefined when the organisation has no such record. */
export async function serviceUserIdentity(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string },
): Promise<ServiceUserSummary | undefined> {
  const { rows } = (await db.raw(`select ${COLUMNS} from ?? where organisation_id = ? and service_user_id = ?`, [
    `${readSchema}.identities`,
    where.organisationId,
    where.serviceUserId,
  ])) as { rows: IdentityRow[] };
  return rows[0] && summaryOf(rows[0]);
}

const IDS_PER_QUERY = 1000;

/**
 * The identities of several usagers of one organisation, by usager id, one statement per thousand
 * usagers; those the organisation has no record of are absent. For registers and lists that name
 * many usagers.
 */
export async function serviceUserIdentities(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserIds: readonly string[] },
): Promise<Map<string, ServiceUserSummary>> {
  const found = new Map<string, ServiceUserSummary>();
  const ids = [...new Set(where.serviceUserIds)];
  // in chunks: a register over years may name more usagers than a statement takes parameters
  for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
    const rows: IdentityRow[] = await db
      .select(db.raw(COLUMNS))
      .from(`${readSchema}.identities`)
      .where('organisation_id', where.organisationId)
      .whereIn('service_user_id', ids.slice(start, start + IDS_PER_QUERY));
    for (const row of rows) found.set(row.service_user_id, summaryOf(row));
  }
  return found;
}

/**
 * The usagers of an ESSMS whose birth or used name starts with `name` (accents and case ignored
 * by the upper-cased traits), and born on `birthDate` when given; or whose pseudonym is `name`.
 * At most `limit`, by name.
 */
export async function findServiceUsers(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; name: string; birthDate?: string; limit?: number },
): Promise<ServiceUserSummary[]> {
  const prefix = `${where.name
    .trim()
    .toLocaleUpperCase('fr-FR')
    .replace(/[\\%_]/g, '\\$&')}%`;
  const { rows } = (await db.raw(
    `select ${COLUMNS} from ??
      where organisation_id = ? and facility_id = ?
        and (birth_name like ? or upper(used_name) like ? or pseudonym = ?)
        and (?::text is null or birth_date = ?)
      order by birth_name nulls last, birth_first_names, service_user_id
      limit ?`,
    [
      `${readSchema}.identities`,
      where.organisationId,
      where.facilityId,
      prefix,
      prefix,
      where.name.trim().toUpperCase(),
      where.birthDate ?? null,
      where.birthDate ?? null,
      where.limit ?? 50,
    ],
  )) as { rows: IdentityRow[] };
  return rows.map(summaryOf);
}

function summaryOf(row: IdentityRow): ServiceUserSummary {
  return {
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    anonymous: row.anonymous,
    pseudonym: row.pseudonym,
    birthName: row.birth_name,
    birthFirstNames: row.birth_first_names ?? [],
    usedName: row.used_name,
    usedFirstName: row.used_first_name,
    postalAddress: row.postal_address,
    birthDate: row.birth_date,
    birthYear: row.birth_year === null ? null : Number(row.birth_year),
    sex: row.sex,
    birthplaceCode: row.birthplace_code,
    identityStatus: row.identity_status,
    ins:
      row.identity_status === 'QUAL' && row.ins_value !== null && row.ins_oid !== null
        ? { value: row.ins_value, oid: row.ins_oid }
        : null,
    registeredAt: row.registered_at,
    revision: Number(row.revision),
  };
}
