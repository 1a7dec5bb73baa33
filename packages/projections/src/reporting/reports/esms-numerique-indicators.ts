import type { Knex } from 'knex';
import { queryRows, traitsOfSubjects } from './report-facts.js';
import { checkedScope } from './report-scope.js';
import { inScope, outboxTable, queryReport, sql } from './report-sql.js';
import type { EsmsNumeriqueIndicators, ReportScope } from './report-types.js';

interface EsmsRow {
  active: string[] | null;
  documentsStored: number;
  portalLogins: number;
  portalUsers: number;
}

/**
 * The ESMS numérique indicators of an ESSMS or of the organisme gestionnaire, for any period.
 * An active record is a subject with any reporting fact in the period; identified ones are those
 * whose record is not anonymous (the latest registration or identity correction says so); their
 * INS is qualified when the latest identity status recorded by the period's end is QUAL. Documents
 * sent to the DMP and MSSanté messages stay 0 until those facts are published.
 */
export async function esmsNumeriqueIndicators(
  db: Knex | Knex.Transaction,
  outboxSchema: string,
  scope: ReportScope,
  now: Date = new Date(),
): Promise<EsmsNumeriqueIndicators> {
  const checked = checkedScope(scope);
  const E = outboxTable(outboxSchema);
  const { from, to } = checked;
  const [row, traits, statuses] = await Promise.all([
    queryReport<EsmsRow>(
      db,
      sql`
      with logins as (
        select l.subject_key
          from ${E} l
         where ${inScope('l', checked)} and l.type = 'portal.login' and l.occurred_on between ${from} and ${to}
      )
      select json_build_object(
        'active', (select json_agg(subject_key) from (
            select distinct r.subject_key
              from ${E} r
             where ${inScope('r', checked)} and r.occurred_on between ${from} and ${to} and r.subject_key is not null) s),
        'documentsStored', (select count(*) from ${E} d
            where ${inScope('d', checked)} and d.type = 'document.stored' and d.occurred_on between ${from} and ${to}),
        'portalLogins', (select count(*) from logins),
        'portalUsers', (select count(distinct subject_key) from logins)
      ) as report`,
    ),
    traitsOfSubjects(db, E, checked),
    queryRows<{ subject_key: string; status: string }>(
      db,
      sql`
      select distinct on (s.subject_key) s.subject_key, s.data->>'status' as status
        from ${E} s
       where s.organisation_id = ${checked.organisationId} and s.type = 'identity-status.recorded'
         and s.occurred_on <= ${to} and s.subject_key is not null
       order by s.subject_key, s.position desc`,
    ),
  ]);
  const statusOf = new Map(statuses.map(({ subject_key, status }) => [subject_key, status]));
  const active = row.active ?? [];
  // identified: a record whose latest registration or identity correction is not anonymous
  const identified = active.filter((subjectKey) => traits.get(subjectKey)?.anonymous === false);
  const identifiedRecords = identified.length;
  const qualifiedInsRecords = identified.filter((subjectKey) => statusOf.get(subjectKey) === 'QUAL').length;
  return {
    kind: 'esms-numerique',
    scope: checked,
    computedAt: now.toISOString(),
    activeRecords: active.length,
    identifiedRecords,
    qualifiedInsRecords,
    qualifiedInsShare: identifiedRecords === 0 ? 0 : qualifiedInsRecords / identifiedRecords,
    documentsStored: Number(row.documentsStored),
    documentsSentToDmp: 0,
    mssanteMessages: 0,
    portalLogins: Number(row.portalLogins),
    portalUsers: Number(row.portalUsers),
  };
}
