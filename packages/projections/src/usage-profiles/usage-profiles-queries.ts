import type { Housing, Income, Injection, MainProduct, Referral, UsagePopulation, UseLevel } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** The current usage profile of a usager in one ESSMS for one year. */
export interface UsageProfileView {
  profileId: string;
  serviceUserId: string;
  facilityId: string;
  year: number;
  population: UsagePopulation;
  referral: Referral;
  housing: Housing;
  income: Income;
  mainProduct: MainProduct | null;
  useLevel: UseLevel | null;
  injection: Injection | null;
  /** The day (Europe/Paris) of the latest record. */
  recordedOn: string;
  /** How many later records replaced the first. */
  corrections: number;
  /** The revision of the profile's stream, for `If-Match`. */
  revision: number;
}

interface ProfileRow {
  profile_id: string;
  service_user_id: string;
  facility_id: string;
  year: number;
  population: UsagePopulation;
  referral: Referral;
  housing: Housing;
  income: Income;
  main_product: MainProduct | null;
  use_level: UseLevel | null;
  injection: Injection | null;
  recorded_on: string;
  corrections: number;
  revision: number;
}

const toView = (row: ProfileRow): UsageProfileView => ({
  profileId: row.profile_id,
  serviceUserId: row.service_user_id,
  facilityId: row.facility_id,
  year: row.year,
  population: row.population,
  referral: row.referral,
  housing: row.housing,
  income: row.income,
  mainProduct: row.main_product,
  useLevel: row.use_level,
  injection: row.injection,
  recordedOn: row.recorded_on,
  corrections: row.corrections,
  revision: row.revision,
});

/** The usager's current profile in this ESSMS for this year, or null when none was recorded. */
export async function usageProfileOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string; year: number },
): Promise<UsageProfileView | null> {
  const row = (await db
    .withSchema(readSchema)
    .table('profiles')
    .where({
      organisation_id: where.organisationId,
      service_user_id: where.serviceUserId,
      facility_id: where.facilityId,
      year: where.year,
    })
    .first()) as ProfileRow | undefined;
  return row ? toView(row) : null;
}

/** The usager's current profiles, in one ESSMS or in all, the latest year first. */
export async function usageProfilesOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId?: string },
): Promise<UsageProfileView[]> {
  const query = db
    .withSchema(readSchema)
    .table('profiles')
    .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId });
  if (where.facilityId !== undefined) query.andWhere('facility_id', where.facilityId);
  const rows = (await query.orderBy([
    { column: 'year', order: 'desc' },
    { column: 'facility_id', order: 'asc' },
  ])) as ProfileRow[];
  return rows.map(toView);
}
