import type { Knex } from 'knex';
import { inFacility, inScope, type Sql, sql } from './report-sql.js';
import { AGE_BANDS_OF_REPORTS, type ReportAgeBand, type ReportScope } from './report-types.js';

/**
 * The pieces of SQL the reports share, over the outbox table `E` (reporting-events.ts for the
 * payloads). Each applies what later facts say about an earlier one: a correction moves or changes
 * it, a cancellation removes it, whatever the day the correction was made.
 *
 * How they are written, on purpose: the outbox is often freshly filled (a rebuild, a bulk import)
 * and not analysed yet, and PostgreSQL then plans nested loops that compare every act with every
 * cancellation. So a fact is matched with its corrections and cancellations through `not in
 * (small set)`, which PostgreSQL runs as a hashed subplan whatever its estimates, or through the
 * outbox's index on the fact's id; and the per-subject facts (traits, profiles, admissions) are
 * read as small lists and joined in TypeScript, never joined in SQL with the big sets.
 */

/**
 * `act_corrections`, `act_cancellations` and `acts` (subject_key, facility_id, act_id, profession,
 * collective): the acts of the scope whose day, once corrected, is in the period, not cancelled.
 * Only the acts recorded in the period and those corrected are read, so the outbox's index on
 * (organisation, type, day) does the work, however many years it holds.
 */
export function actsOfPeriod(E: Sql, scope: ReportScope): Sql {
  return sql`
  act_corrections as materialized (
    select distinct on (c.data->>'actId') c.data->>'actId' as act_id, c.data->>'performedOn' as performed_on
      from ${E} c
     where c.organisation_id = ${scope.organisationId} and c.type = 'act.corrected'
       and c.data->>'actId' is not null and c.data->>'performedOn' is not null
     order by c.data->>'actId', c.position desc
  ),
  act_cancellations as materialized (
    select x.data->>'actId' as act_id
      from ${E} x
     where x.organisation_id = ${scope.organisationId} and x.type = 'act.cancelled' and x.data->>'actId' is not null
  ),
  act_candidates as (
    select r.subject_key, r.facility_id, r.data
      from ${E} r
     where ${inScope('r', scope)} and r.type = 'act.recorded'
       and r.occurred_on between ${scope.from} and ${scope.to}
       and r.data->>'actId' not in (select act_id from act_corrections)
    union all
    select r.subject_key, r.facility_id, r.data
      from act_corrections c
      join ${E} r
        on r.organisation_id = ${scope.organisationId} and r.type = 'act.recorded' and r.data->>'actId' = c.act_id
     where c.performed_on between ${scope.from} and ${scope.to} ${inFacility('r', scope)}
  ),
  acts as materialized (
    select a.subject_key, a.facility_id, a.data->>'actId' as act_id, a.data->>'profession' as profession,
           (a.data->>'collective')::boolean as collective
      from act_candidates a
     where a.data->>'actId' not in (select act_id from act_cancellations)
  )`;
}

/** `countered` (line_id): the pharmacy lines countered, whose dispensation does not count. */
export function counteredLines(E: Sql, scope: ReportScope): Sql {
  return sql`
  countered as materialized (
    select k.data->>'lineId' as line_id
      from ${E} k
     where k.organisation_id = ${scope.organisationId} and k.type = 'pharmacy-line.countered'
       and k.data->>'lineId' is not null
  )`;
}

async function rows<Row>(db: Knex | Knex.Transaction, query: Sql): Promise<Row[]> {
  const result = (await db.raw(query.text, query.values as Knex.RawBinding[])) as { rows: Row[] };
  return result.rows;
}

export interface Traits {
  sex: string | null;
  birthYear: number | null;
  anonymous: boolean;
}

/**
 * The latest sex, birth year and anonymity of every subject of the organisation, from
 * registration or a later correction, whatever the ESSMS and the day: a corrected birth year is
 * the true one for past years too.
 */
export async function traitsOfSubjects(
  db: Knex | Knex.Transaction,
  E: Sql,
  scope: ReportScope,
): Promise<Map<string, Traits>> {
  const found = await rows<{
    subject_key: string;
    sex: string | null;
    birth_year: number | null;
    anonymous: boolean | null;
  }>(
    db,
    sql`
    select distinct on (t.subject_key) t.subject_key, t.data->>'sex' as sex, (t.data->>'birthYear')::int as birth_year,
           (t.data->>'anonymous')::boolean as anonymous
      from ${E} t
     where t.organisation_id = ${scope.organisationId} and t.type in ('usager.registered', 'usager.profile-updated')
       and t.subject_key is not null
     order by t.subject_key, t.position desc`,
  );
  return new Map(
    found.map((row) => [
      row.subject_key,
      { sex: row.sex, birthYear: row.birth_year, anonymous: row.anonymous === true },
    ]),
  );
}

export interface LatestProfile {
  facilityId: string;
  /** Its order in the outbox: the latest of a subject's profiles across ESSMS is the highest. */
  position: bigint;
  data: Record<string, string | number | null>;
}

/** The latest usage profile of the year of each subject in each ESSMS of the scope, by subject. */
export async function profilesOfYear(
  db: Knex | Knex.Transaction,
  E: Sql,
  scope: ReportScope,
  year: number,
): Promise<Map<string, LatestProfile[]>> {
  const found = await rows<{ subject_key: string; facility_id: string; position: string; data: LatestProfile['data'] }>(
    db,
    sql`
    select distinct on (p.subject_key, p.facility_id) p.subject_key, p.facility_id, p.position::text as position, p.data
      from ${E} p
     where ${inScope('p', scope)} and p.type = 'usage-profile.recorded' and p.data->>'year' = ${String(year)}
       and p.subject_key is not null
     order by p.subject_key, p.facility_id, p.position desc`,
  );
  const profiles = new Map<string, LatestProfile[]>();
  for (const row of found) {
    const data = typeof row.data === 'string' ? (JSON.parse(row.data) as LatestProfile['data']) : row.data;
    const list = profiles.get(row.subject_key) ?? [];
    list.push({ facilityId: row.facility_id, position: BigInt(row.position), data });
    profiles.set(row.subject_key, list);
  }
  return profiles;
}

/** Of a subject's profiles in several ESSMS, the latest recorded. */
export function latestOf(profiles: readonly LatestProfile[] | undefined): LatestProfile | undefined {
  let latest: LatestProfile | undefined;
  for (const profile of profiles ?? []) if (!latest || profile.position > latest.position) latest = profile;
  return latest;
}

/** The (facility, subject) pairs admitted in the period in the scope. */
export async function admissionsOfPeriod(
  db: Knex | Knex.Transaction,
  E: Sql,
  scope: ReportScope,
): Promise<{ facilityId: string; subjectKey: string }[]> {
  const found = await rows<{ facility_id: string; subject_key: string }>(
    db,
    sql`
    select distinct a.facility_id, a.subject_key
      from ${E} a
     where ${inScope('a', scope)} and a.type = 'accompaniment.admitted'
       and a.occurred_on between ${scope.from} and ${scope.to} and a.subject_key is not null`,
  );
  return found.map((row) => ({ facilityId: row.facility_id, subjectKey: row.subject_key }));
}

export { rows as queryRows };

/** The age band of a birth year at the end of a year: the age reached that year. */
export function ageBandOf(birthYear: number | null | undefined, year: number): ReportAgeBand {
  if (birthYear === null || birthYear === undefined || !Number.isFinite(birthYear)) return 'unknown';
  const age = year - birthYear;
  if (age < 18) return 'under18';
  if (age <= 24) return '18-24';
  if (age <= 29) return '25-29';
  if (age <= 39) return '30-39';
  if (age <= 49) return '40-49';
  if (age <= 59) return '50-59';
  return '60plus';
}

export function emptyAgeBands(): Record<ReportAgeBand, number> {
  return Object.fromEntries(AGE_BANDS_OF_REPORTS.map((band) => [band, 0])) as Record<ReportAgeBand, number>;
}
