import type { Knex } from 'knex';
import { UNKNOWN } from './counts.js';
import {
  actsOfPeriod,
  admissionsOfPeriod,
  counteredLines,
  type LatestProfile,
  profilesOfYear,
  queryRows,
  traitsOfSubjects,
} from './report-facts.js';
import { checkedScope, InvalidReportScopeError } from './report-scope.js';
import { outboxTable, sql } from './report-sql.js';
import type { RecapExtract, RecapRecord, ReportScope } from './report-types.js';

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const pair = (facilityId: string, subjectKey: string) => `${facilityId}\u0000${subjectKey}`;

const codeOf = (profile: LatestProfile['data'] | undefined, field: string): string => {
  const value = profile?.[field];
  return value === null || value === undefined ? UNKNOWN : String(value);
};

/**
 * The RECAP extract (OFDT) of a year: one anonymised record per patient of the file active per
 * ESSMS (an organisation-wide extract has one per ESSMS where the patient had acts), with the
 * usage profile of that year in that ESSMS. The scope covers one calendar year (or a part of it,
 * the year so far): a record describes a patient's year. A subject whose profile says
 * `entourage` is not a patient and has no record.
 *
 * The TSO product is the one of the patient's latest TSO prescription or dispensation (not
 * countered) of the period in that ESSMS, by day then by order of recording.
 */
export async function recapExtract(
  db: Knex | Knex.Transaction,
  outboxSchema: string,
  scope: ReportScope,
  now: Date = new Date(),
): Promise<RecapExtract> {
  const checked = checkedScope(scope);
  if (checked.from.slice(0, 4) !== checked.to.slice(0, 4)) {
    throw new InvalidReportScopeError('Un extrait RECAP porte sur une seule année civile.', 'to');
  }
  const year = Number(checked.from.slice(0, 4));
  const E = outboxTable(outboxSchema);
  const { from, to } = checked;
  const [active, tso, traits, profiles, admissions] = await Promise.all([
    queryRows<{ facility_id: string; subject_key: string; acts: string }>(
      db,
      sql`
      with ${actsOfPeriod(E, checked)}
      select facility_id, subject_key, count(*)::text as acts from acts where subject_key is not null group by 1, 2`,
    ),
    queryRows<{ facility_id: string; subject_key: string; product: string }>(
      db,
      sql`
      with ${counteredLines(E, checked)}
      select distinct on (r.facility_id, r.subject_key) r.facility_id, r.subject_key,
             coalesce(r.data->>'tsoProduct', r.data->>'productFamily') as product
        from ${E} r
       where r.organisation_id = ${checked.organisationId} and r.subject_key is not null
         and r.type in ('prescription.recorded', 'medicine.dispensed')
         and r.occurred_on between ${from} and ${to}
         and (
           (r.type = 'prescription.recorded' and r.data->>'tso' = 'true' and r.data->>'tsoProduct' is not null)
           or (r.type = 'medicine.dispensed' and r.data->>'productFamily' <> 'other'
               and r.data->>'lineId' not in (select line_id from countered))
         )
       order by r.facility_id, r.subject_key, r.occurred_on desc, r.position desc`,
    ),
    traitsOfSubjects(db, E, checked),
    profilesOfYear(db, E, checked, year),
    admissionsOfPeriod(db, E, checked),
  ]);
  const tsoProducts = new Map(tso.map((row) => [pair(row.facility_id, row.subject_key), row.product]));
  const admitted = new Set(admissions.map(({ facilityId, subjectKey }) => pair(facilityId, subjectKey)));
  const records: RecapRecord[] = [];
  for (const { facility_id: facilityId, subject_key: subjectKey, acts } of active) {
    const profile = profiles.get(subjectKey)?.find((one) => one.facilityId === facilityId)?.data;
    if ((profile?.population ?? 'patient') !== 'patient') continue;
    const subject = traits.get(subjectKey);
    records.push({
      year,
      facilityId,
      subjectKey,
      sex: subject?.sex ?? UNKNOWN,
      birthYear: subject?.birthYear ?? null,
      population: 'patient',
      referral: codeOf(profile, 'referral'),
      housing: codeOf(profile, 'housing'),
      income: codeOf(profile, 'income'),
      mainProduct: codeOf(profile, 'mainProduct'),
      useLevel: codeOf(profile, 'useLevel'),
      injection: codeOf(profile, 'injection'),
      tsoProduct: tsoProducts.get(pair(facilityId, subjectKey)) ?? null,
      acts: Number(acts),
      newInYear: admitted.has(pair(facilityId, subjectKey)),
    });
  }
  // sorted here, not by the database's collation: the same extract on every server
  records.sort((a, b) =>
    a.facilityId === b.facilityId ? compare(a.subjectKey, b.subjectKey) : compare(a.facilityId, b.facilityId),
  );
  return { kind: 'recap', scope: checked, computedAt: now.toISOString(), records };
}
