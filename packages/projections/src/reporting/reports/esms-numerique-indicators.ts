import type { Knex } from 'knex';
import { queryRows, traitsOfSubjects } from './report-facts.js';
import { checkedScope } from './report-scope.js';
import { inScope, outboxTable, queryReport, type Sql, sql } from './report-sql.js';
import type { EsmsNumeriqueIndicators, ReportScope } from './report-types.js';

interface EsmsRow {
  active: string[] | null;
  documentsStored: number;
  documentsSentToDmp: number;
  mssanteMessages: number;
  portalLogins: number;
  portalUsers: number;
}

/**
 * The ESMS numérique indicators of an ESSMS or of the organisme gestionnaire, for any period.
 * An active record is a subject with any reporting fact in the period; identified ones are those
 * whose record is not anonymous (the latest registration or identity correction says so); their
 * INS is qualified when the latest identity status recorded by the period's end is QUAL.
 *
 * What the exchanges count, as an administrator means them filling the indicators in (documents
 * actually fed to the DMP, messages actually sent):
 * - A document sent to the DMP counts once, on the day the DMP accepted its submission, in the
 *   ESSMS that requested it. A refused submission fed nothing, and one the DMP never answered may
 *   not have: neither counts. A replacement (RPLC) the DMP accepted counts as one more: it is a new
 *   submission, which the DMP registers as a new entry holding the new version.
 * - An MSSanté message counts once, on the day it left the ESSMS's mailbox, however many
 *   recipients and documents it has; one the server refused or could not take never left. What
 *   the recipients' servers answer later (delivered, read, failed) does not change it.
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
        'documentsSentToDmp', ${documentsAcceptedByTheDmp(E, checked)},
        'mssanteMessages', (select count(*) from ${E} m
            where ${inScope('m', checked)} and m.type = 'mssante-message.sent' and m.occurred_on between ${from} and ${to}),
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
    documentsSentToDmp: Number(row.documentsSentToDmp),
    mssanteMessages: Number(row.mssanteMessages),
    portalLogins: Number(row.portalLogins),
    portalUsers: Number(row.portalUsers),
  };
}

/**
 * The submissions the DMP accepted in the period whose request came from the scope's ESSMS: the
 * answer names its submission only, so its ESSMS is the request's. Matched through `in (small
 * set)`, a hashed subplan whatever the outbox's statistics (report-facts.ts says why).
 */
function documentsAcceptedByTheDmp(E: Sql, scope: ReportScope): Sql {
  return sql`(select count(*) from ${E} a
     where a.organisation_id = ${scope.organisationId} and a.type = 'dmp-submission.accepted'
       and a.occurred_on between ${scope.from} and ${scope.to}
       and a.data->>'submissionId' in (
         select r.data->>'submissionId' from ${E} r
          where ${inScope('r', scope)} and r.type = 'dmp-submission.requested'))`;
}
