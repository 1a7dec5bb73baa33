import { RAPID_TEST_RESULTS, RAPID_TESTS, VISIT_SERVICES, VISIT_SETTINGS } from '@dui-pds/domain';
import type { Knex } from 'knex';
import { countsByCode } from './counts.js';
import { queryRows } from './report-facts.js';
import { checkedScope } from './report-scope.js';
import { inFacility, inScope, outboxTable, queryReport, type Sql, sql, verbatim } from './report-sql.js';
import type { CaarudActivityReport, ReportScope } from './report-types.js';

type Counts = Record<string, number> | null;

interface CaarudRow {
  users: string[] | null;
  passages: number;
  identified: number;
  bySetting: Counts;
  unidentifiedBySetting: Counts;
  services: Counts;
  supplies: Counts;
  syringesDuringPassages: number | null;
  syringesOutsidePassages: number | null;
  rapidTests: Counts;
}

/** `test.result` codes, every pair: the rapid tests of an ASA-CAARUD. */
export const RAPID_TEST_CODES = RAPID_TESTS.flatMap((test) => RAPID_TEST_RESULTS.map((result) => `${test}.${result}`));

/**
 * `visit_corrections` (visit_id and each field a correction replaced, the latest one per field) and
 * `visit_cancellations`. A correction carries only the fields it replaces, whole: a field keeps the
 * value of the latest correction that set it, or the passage's own.
 */
function visitCorrections(E: Sql, scope: ReportScope): Sql {
  const latest = (expression: string, present: string) =>
    sql`(array_agg(${verbatim(expression)} order by c.position desc) filter (where ${verbatim(present)}))[1]`;
  return sql`
  visit_corrections as materialized (
    select c.data->>'visitId' as visit_id,
           ${latest(`c.data->>'occurredOn'`, `c.data->>'occurredOn' is not null`)} as day,
           ${latest(`c.data->>'setting'`, `c.data->>'setting' is not null`)} as setting,
           ${latest(`c.data->'services'`, `jsonb_typeof(c.data->'services') = 'array'`)} as services,
           ${latest(`c.data->'supplies'`, `jsonb_typeof(c.data->'supplies') = 'array'`)} as supplies,
           ${latest(`(c.data->>'syringesCollected')::int`, `c.data->>'syringesCollected' is not null`)} as syringes,
           ${latest(`c.data->'rapidTests'`, `jsonb_typeof(c.data->'rapidTests') = 'array'`)} as rapid_tests
      from ${E} c
     where c.organisation_id = ${scope.organisationId} and c.type = 'visit.corrected' and c.data->>'visitId' is not null
     group by 1
  ),
  visit_cancellations as materialized (
    select x.data->>'visitId' as visit_id
      from ${E} x
     where x.organisation_id = ${scope.organisationId} and x.type = 'visit.cancelled' and x.data->>'visitId' is not null
  )`;
}

/** A passage as corrected: the columns the report reads, from a row `r` and its corrections `c`. */
const CORRECTED_VISIT = `r.subject_key, (r.data->>'identified')::boolean as identified,
  coalesce(c.day, r.occurred_on) as day,
  coalesce(c.setting, r.data->>'setting') as setting,
  coalesce(c.services, r.data->'services') as services,
  coalesce(c.supplies, r.data->'supplies') as supplies,
  coalesce(c.syringes, (r.data->>'syringesCollected')::int) as syringes,
  coalesce(c.rapid_tests, r.data->'rapidTests') as rapid_tests`;

/**
 * The ASA-CAARUD activity report of an ESSMS or of the organisme gestionnaire, for any period:
 * passages as corrected, cancelled ones left out, unidentified passages counted apart and never
 * as users; "new" users are those whose first passage ever (in the ESSMS, or in any of the
 * organisation's) is in the period.
 */
export async function caarudActivityReport(
  db: Knex | Knex.Transaction,
  outboxSchema: string,
  scope: ReportScope,
  now: Date = new Date(),
): Promise<CaarudActivityReport> {
  const checked = checkedScope(scope);
  const E = outboxTable(outboxSchema);
  const { from, to } = checked;
  const row = await queryReport<CaarudRow>(
    db,
    sql`
    with ${visitCorrections(E, checked)},
    visits as materialized (
      select ${verbatim(CORRECTED_VISIT)}
        from ${E} r
        -- uncorrected passages: the correction's columns are all null
        left join visit_corrections c on false
       where ${inScope('r', checked)} and r.type = 'visit.recorded' and r.occurred_on between ${from} and ${to}
         and r.data->>'visitId' not in (select visit_id from visit_corrections)
         and r.data->>'visitId' not in (select visit_id from visit_cancellations)
      union all
      select ${verbatim(CORRECTED_VISIT)}
        from visit_corrections c
        join ${E} r
          on r.organisation_id = ${checked.organisationId} and r.type = 'visit.recorded' and r.data->>'visitId' = c.visit_id
       where coalesce(c.day, r.occurred_on) between ${from} and ${to} ${inFacility('r', checked)}
         and c.visit_id not in (select visit_id from visit_cancellations)
    ),
    collections as (
      select s.data
        from ${E} s
       where ${inScope('s', checked)} and s.type = 'syringes.collected' and s.occurred_on between ${from} and ${to}
         and s.data->>'collectionId' not in (
           select x.data->>'collectionId' from ${E} x
            where x.organisation_id = ${checked.organisationId} and x.type = 'syringe-collection.cancelled'
              and x.data->>'collectionId' is not null)
    )
    select json_build_object(
      'users', (select json_agg(subject_key) from (
          select distinct subject_key from visits where identified and subject_key is not null) s),
      'passages', (select count(*) from visits),
      'identified', (select count(*) from visits where identified),
      'bySetting', (select json_object_agg(setting, n) from (
          select setting, count(*) as n from visits group by 1) s),
      'unidentifiedBySetting', (select json_object_agg(setting, n) from (
          select setting, count(*) as n from visits where not identified group by 1) s),
      'services', (select json_object_agg(service, n) from (
          select service, count(*) as n from visits v cross join jsonb_array_elements_text(v.services) as service group by 1) s),
      'supplies', (select json_object_agg(code, n) from (
          select line->>'supplyCode' as code, sum((line->>'quantity')::int) as n
            from visits v cross join jsonb_array_elements(v.supplies) as line group by 1) s),
      'syringesDuringPassages', (select sum(syringes) from visits),
      'syringesOutsidePassages', (select sum((data->>'quantity')::int) from collections),
      'rapidTests', (select json_object_agg(code, n) from (
          select (t->>'test') || '.' || (t->>'result') as code, count(*) as n
            from visits v cross join jsonb_array_elements(v.rapid_tests) as t group by 1) s)
    ) as report`,
  );
  // "new": no passage before the period (as corrected, not cancelled) in the ESSMS, or in any
  const earlier = await queryRows<{ subject_key: string }>(
    db,
    sql`
    with ${visitCorrections(E, checked)}
    select distinct r.subject_key
      from ${E} r
     where ${inScope('r', checked)} and r.type = 'visit.recorded' and r.occurred_on < ${from}
       and r.subject_key is not null
       and r.data->>'visitId' not in (select visit_id from visit_corrections)
       and r.data->>'visitId' not in (select visit_id from visit_cancellations)
    union
    select r.subject_key
      from visit_corrections c
      join ${E} r
        on r.organisation_id = ${checked.organisationId} and r.type = 'visit.recorded' and r.data->>'visitId' = c.visit_id
     where coalesce(c.day, r.occurred_on) < ${from} and r.subject_key is not null ${inFacility('r', checked)}
       and c.visit_id not in (select visit_id from visit_cancellations)`,
  );
  const users = row.users ?? [];
  const known = new Set(earlier.map(({ subject_key }) => subject_key));
  const passages = Number(row.passages);
  const identified = Number(row.identified);
  const duringPassages = Number(row.syringesDuringPassages ?? 0);
  const outsidePassages = Number(row.syringesOutsidePassages ?? 0);
  return {
    kind: 'caarud',
    scope: checked,
    computedAt: now.toISOString(),
    fileActive: { total: users.length, newUsers: users.filter((subjectKey) => !known.has(subjectKey)).length },
    passages: { total: passages, identified, unidentified: passages - identified },
    passagesBySetting: countsByCode(row.bySetting, VISIT_SETTINGS),
    unidentifiedBySetting: countsByCode(row.unidentifiedBySetting, VISIT_SETTINGS),
    servicesGiven: countsByCode(row.services, VISIT_SERVICES),
    suppliesHandedOut: countsByCode(row.supplies),
    syringesCollected: { duringPassages, outsidePassages, total: duringPassages + outsidePassages },
    rapidTests: countsByCode(row.rapidTests, RAPID_TEST_CODES),
  };
}
