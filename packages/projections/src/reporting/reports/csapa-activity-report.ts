import {
  EXAM_CATEGORIES,
  EXIT_REASONS,
  HOUSINGS,
  INCOMES,
  INJECTIONS,
  MAIN_PRODUCTS,
  REFERRALS,
  TSO_PRODUCTS,
  USE_LEVELS,
} from '@dui-pds/domain';
import type { Knex } from 'knex';
import { countsByCode, UNKNOWN } from './counts.js';
import {
  actsOfPeriod,
  admissionsOfPeriod,
  ageBandOf,
  counteredLines,
  emptyAgeBands,
  latestOf,
  profilesOfYear,
  traitsOfSubjects,
} from './report-facts.js';
import { checkedScope, yearOfEnd } from './report-scope.js';
import { inScope, outboxTable, queryReport, sql } from './report-sql.js';
import type { CsapaActivityReport, ReportScope } from './report-types.js';

type Counts = Record<string, number> | null;

interface CsapaRow {
  subjects: string[] | null;
  actsByProfession: Counts;
  collectiveActs: number;
  participants: number;
  prescribed: Counts;
  dispensed: Record<string, { patients: number; units: number }> | null;
  exams: Counts;
  exits: Counts;
}

export const SEXES_OF_REPORTS = ['F', 'M', 'I'] as const;
const PROFILE_FIELDS = {
  referral: REFERRALS,
  housing: HOUSINGS,
  income: INCOMES,
  mainProduct: MAIN_PRODUCTS,
  useLevel: USE_LEVELS,
  injection: INJECTIONS,
} as const;
type ProfileField = keyof typeof PROFILE_FIELDS;

/**
 * The CSAPA annual activity report (DGS/OFDT model) of an ESSMS or of the whole organisme
 * gestionnaire, for any period, from the reporting outbox (definitions in report-types.ts). The
 * acts of the period are found once and grouped in PostgreSQL with the TSO, exams and exits (one
 * statement answering a JSON document); the file active is then split with the subjects' traits,
 * profiles and admissions, read as small lists (report-facts.ts says why).
 */
export async function csapaActivityReport(
  db: Knex | Knex.Transaction,
  outboxSchema: string,
  scope: ReportScope,
  now: Date = new Date(),
): Promise<CsapaActivityReport> {
  const checked = checkedScope(scope);
  const E = outboxTable(outboxSchema);
  const year = yearOfEnd(checked);
  const { from, to } = checked;
  const row = await queryReport<CsapaRow>(
    db,
    sql`
    with ${actsOfPeriod(E, checked)},
    ${counteredLines(E, checked)},
    exit_corrections as (
      select distinct on (c.data->>'accompanimentId') c.data->>'accompanimentId' as accompaniment_id,
             c.data->>'exitDay' as exit_day, c.data->>'exitReason' as exit_reason
        from ${E} c
       where c.organisation_id = ${checked.organisationId} and c.type = 'accompaniment.exit-corrected'
       order by c.data->>'accompanimentId', c.position desc
    ),
    exits as (
      select coalesce(c.exit_day, e.occurred_on) as day, coalesce(c.exit_reason, e.data->>'exitReason') as reason
        from ${E} e
        left join exit_corrections c on c.accompaniment_id = e.data->>'accompanimentId'
       where ${inScope('e', checked)} and e.type = 'accompaniment.exited'
    )
    select json_build_object(
      'subjects', (select json_agg(subject_key) from (
          select distinct subject_key from acts where subject_key is not null) s),
      'actsByProfession', (select json_object_agg(profession, n) from (
          select profession, count(*) as n from acts group by 1) s),
      'collectiveActs', (select count(*) from acts where collective),
      'participants', (select count(distinct subject_key) from acts where collective),
      'prescribed', (select json_object_agg(product, n) from (
          select r.data->>'tsoProduct' as product, count(distinct r.subject_key) as n
            from ${E} r
           where ${inScope('r', checked)} and r.type = 'prescription.recorded'
             and r.occurred_on between ${from} and ${to}
             and r.data->>'tso' = 'true' and r.data->>'tsoProduct' is not null
           group by 1) s),
      'dispensed', (select json_object_agg(product, json_build_object('patients', patients, 'units', units)) from (
          select d.data->>'productFamily' as product, count(distinct d.subject_key) as patients,
                 sum((d.data->>'units')::numeric) as units
            from ${E} d
           where ${inScope('d', checked)} and d.type = 'medicine.dispensed'
             and d.occurred_on between ${from} and ${to}
             and d.data->>'productFamily' <> 'other'
             and d.data->>'lineId' not in (select line_id from countered)
           group by 1) s),
      'exams', (select json_object_agg(category, n) from (
          select r.data->>'examCategory' as category, count(*) as n
            from ${E} r
           where ${inScope('r', checked)} and r.type = 'prescription.recorded'
             and r.occurred_on between ${from} and ${to} and r.data->>'kind' = 'exam'
           group by 1) s),
      'exits', (select json_object_agg(reason, n) from (
          select reason, count(*) as n from exits where day between ${from} and ${to} group by 1) s)
    ) as report`,
  );
  const [traits, profiles, admissions] = await Promise.all([
    traitsOfSubjects(db, E, checked),
    profilesOfYear(db, E, checked, year),
    admissionsOfPeriod(db, E, checked),
  ]);

  const fileActive = row.subjects ?? [];
  const admitted = new Set(admissions.map(({ subjectKey }) => subjectKey));
  const patients = fileActive
    .map((subjectKey) => ({ subjectKey, profile: latestOf(profiles.get(subjectKey))?.data }))
    .filter(({ profile }) => (profile?.population ?? 'patient') === 'patient');
  const bySex: Record<string, number> = {};
  const byAgeBand = emptyAgeBands();
  const byProfile = Object.fromEntries(Object.keys(PROFILE_FIELDS).map((field) => [field, {}])) as Record<
    ProfileField,
    Record<string, number>
  >;
  for (const { subjectKey, profile } of patients) {
    const subject = traits.get(subjectKey);
    const sex = subject?.sex ?? UNKNOWN;
    bySex[sex] = (bySex[sex] ?? 0) + 1;
    byAgeBand[ageBandOf(subject?.birthYear, year)] += 1;
    for (const field of Object.keys(PROFILE_FIELDS) as ProfileField[]) {
      const value = profile?.[field];
      const code = value === null || value === undefined ? UNKNOWN : String(value);
      byProfile[field][code] = (byProfile[field][code] ?? 0) + 1;
    }
  }
  const profileCounts = (field: ProfileField) => countsByCode(byProfile[field], [...PROFILE_FIELDS[field], UNKNOWN]);
  const tso: CsapaActivityReport['tso'] = {};
  for (const product of [
    ...new Set([...TSO_PRODUCTS, ...Object.keys(row.prescribed ?? {}), ...Object.keys(row.dispensed ?? {})]),
  ].sort()) {
    tso[product] = {
      prescribedPatients: Number(row.prescribed?.[product] ?? 0),
      dispensedPatients: Number(row.dispensed?.[product]?.patients ?? 0),
      unitsDispensed: Number(row.dispensed?.[product]?.units ?? 0),
    };
  }
  const exitsByReason = countsByCode(row.exits, EXIT_REASONS);
  return {
    kind: 'csapa',
    scope: checked,
    computedAt: now.toISOString(),
    fileActive: {
      total: fileActive.length,
      patients: patients.length,
      entourage: fileActive.length - patients.length,
      newPatients: fileActive.filter((subjectKey) => admitted.has(subjectKey)).length,
    },
    patients: {
      bySex: countsByCode(bySex, [...SEXES_OF_REPORTS, UNKNOWN]),
      byAgeBand,
      byReferral: profileCounts('referral'),
      byHousing: profileCounts('housing'),
      byIncome: profileCounts('income'),
      byMainProduct: profileCounts('mainProduct'),
      byUseLevel: profileCounts('useLevel'),
      byInjection: profileCounts('injection'),
    },
    actsByProfession: countsByCode(row.actsByProfession),
    groups: { collectiveActs: Number(row.collectiveActs), participants: Number(row.participants) },
    tso,
    examsByCategory: countsByCode(row.exams, EXAM_CATEGORIES),
    exits: { total: Object.values(exitsByReason).reduce((sum, n) => sum + n, 0), byReason: exitsByReason },
  };
}
