import type { Role, SensitivityClass } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** One act as it stands, its corrections applied. */
export interface ActView {
  actId: string;
  serviceUserId: string;
  facilityId: string;
  actType: { code: string; label: string; sensitivity: SensitivityClass };
  performedBy: { professionalId: string; profession: Role };
  performedAt: string;
  durationMinutes: number;
  note: string | null;
  interventionId: string | null;
  /** The partners from the usager's directory it was done with, their names as they were then. */
  partners: { entryId: string; name: string }[];
  status: 'recorded' | 'cancelled';
  cancelReason: string | null;
  corrections: number;
  /** The revision of the act's stream, for `If-Match`. */
  revision: number;
}

interface ActRow {
  act_id: string;
  service_user_id: string;
  facility_id: string;
  act_type_code: string;
  act_type_label: string;
  sensitivity: SensitivityClass;
  professional_id: string;
  profession: Role;
  performed_at: string;
  duration_minutes: number;
  note: string | null;
  intervention_id: string | null;
  partners: { entryId: string; name: string }[] | string | null;
  status: 'recorded' | 'cancelled';
  cancel_reason: string | null;
  corrections: number;
  revision: number;
}

function toActView(row: ActRow): ActView {
  return {
    actId: row.act_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    actType: { code: row.act_type_code, label: row.act_type_label, sensitivity: row.sensitivity },
    performedBy: { professionalId: row.professional_id, profession: row.profession },
    performedAt: row.performed_at,
    durationMinutes: Number(row.duration_minutes),
    note: row.note,
    interventionId: row.intervention_id,
    partners: typeof row.partners === 'string' ? JSON.parse(row.partners) : (row.partners ?? []),
    status: row.status,
    cancelReason: row.cancel_reason,
    corrections: Number(row.corrections),
    revision: Number(row.revision),
  };
}

/** One act; undefined when there is none under this id in this organisation (or its usager was forgotten). */
export async function actById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; actId: string },
): Promise<ActView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('acts')
    .where({ organisation_id: where.organisationId, act_id: where.actId })
    .first()) as ActRow | undefined;
  return row === undefined ? undefined : toActView(row);
}

/**
 * The acts of one usager in one ESSMS, of the classes given (what the reader may read), done from
 * `from` to `to` (days in Europe/Paris, both included, either optional), the latest first.
 * Cancelled acts are listed, as such: the record shows what was entered and why it no longer counts.
 */
export async function actsOfServiceUser(
  db: Knex,
  readSchema: string,
  where: {
    organisationId: string;
    serviceUserId: string;
    facilityId: string;
    sensitivities: readonly SensitivityClass[];
    from?: string;
    to?: string;
  },
): Promise<ActView[]> {
  if (where.sensitivities.length === 0) return [];
  const query = db
    .withSchema(readSchema)
    .from('acts')
    .where({
      organisation_id: where.organisationId,
      service_user_id: where.serviceUserId,
      facility_id: where.facilityId,
    })
    .whereIn('sensitivity', [...where.sensitivities]);
  if (where.from !== undefined) query.where('performed_on', '>=', where.from);
  if (where.to !== undefined) query.where('performed_on', '<=', where.to);
  const rows = (await query.orderBy([
    { column: 'performed_at_utc', order: 'desc' },
    { column: 'act_id', order: 'asc' },
  ])) as ActRow[];
  return rows.map(toActView);
}

/** Acts counted for one profession and type, or one profession, or in all. */
export interface ActCount {
  /**
   * Interventions: an individual act counts one, a collective intervention counts one whatever
   * its number of participants.
   */
  acts: number;
  /** Acts per usager: a collective intervention counts one per participant. */
  participations: number;
  /** Distinct usagers. */
  serviceUsers: number;
  /** Time spent: each intervention's duration once. */
  minutes: number;
}

export interface ActCounts {
  from: string;
  to: string;
  byProfessionAndType: (ActCount & {
    profession: Role;
    actType: { code: string; label: string; sensitivity: SensitivityClass };
  })[];
  byProfession: (ActCount & { profession: Role })[];
  total: ActCount;
}

interface CountRow {
  profession?: Role;
  act_type_code?: string;
  act_type_label?: string;
  sensitivity?: SensitivityClass;
  acts: string | number;
  participations: string | number;
  service_users: string | number;
  minutes: string | number | null;
}

const counted = (row: CountRow): ActCount => ({
  acts: Number(row.acts),
  participations: Number(row.participations),
  serviceUsers: Number(row.service_users),
  minutes: Number(row.minutes ?? 0),
});

/**
 * The acts of one ESSMS done from `from` to `to` (days in Europe/Paris, both included), counted by
 * profession and type, by profession, and in all, cancelled acts left out: what the activity
 * report's « actes par profession » reads. Counts only: no usager is named.
 */
export async function actCounts(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; from: string; to: string },
): Promise<ActCounts> {
  // one row per intervention (an individual act, or a collective intervention's participants),
  // so that acts and minutes count each intervention once and participations each usager's act
  const count = async (groupBy: readonly string[]): Promise<CountRow[]> => {
    const keys = groupBy.join(', ');
    const select = groupBy.length === 0 ? '' : `${keys}, `;
    const { rows } = (await db.raw(
      `with counted as (
         select profession, act_type_code, act_type_label, sensitivity, service_user_id, duration_minutes,
                coalesce(intervention_id::text, act_id::text) as intervention
           from ??
          where organisation_id = ? and facility_id = ? and status = 'recorded'
            and performed_on >= ? and performed_on <= ?
       ),
       interventions as (
         select ${select}intervention, max(duration_minutes) as minutes, count(*) as participations
           from counted
          group by ${select}intervention
       ),
       usagers as (
         select ${select}count(distinct service_user_id) as service_users
           from counted ${groupBy.length === 0 ? '' : `group by ${keys}`}
       )
       select ${groupBy.length === 0 ? '' : groupBy.map((key) => `i.${key}`).join(', ') + ', '}
              count(*) as acts, sum(i.participations) as participations, max(u.service_users) as service_users,
              sum(i.minutes) as minutes
         from interventions i
         join usagers u on ${groupBy.length === 0 ? 'true' : groupBy.map((key) => `u.${key} = i.${key}`).join(' and ')}
        ${groupBy.length === 0 ? '' : `group by ${groupBy.map((key) => `i.${key}`).join(', ')} order by ${groupBy.map((key) => `i.${key}`).join(', ')}`}`,
      [`${readSchema}.acts`, where.organisationId, where.facilityId, where.from, where.to],
    )) as { rows: CountRow[] };
    return rows;
  };
  const [byType, byProfession, total] = await Promise.all([
    count(['profession', 'act_type_code', 'act_type_label', 'sensitivity']),
    count(['profession']),
    count([]),
  ]);
  return {
    from: where.from,
    to: where.to,
    byProfessionAndType: byType.map((row) => ({
      profession: row.profession!,
      actType: { code: row.act_type_code!, label: row.act_type_label!, sensitivity: row.sensitivity! },
      ...counted(row),
    })),
    byProfession: byProfession.map((row) => ({ profession: row.profession!, ...counted(row) })),
    total: total[0] ? counted(total[0]) : { acts: 0, participations: 0, serviceUsers: 0, minutes: 0 },
  };
}
