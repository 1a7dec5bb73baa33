import type { Knex } from 'knex';

/** A post-exit action still to do in an ESSMS. */
export interface OpenPostExitAction {
  accompanimentId: string;
  actionId: string;
  serviceUserId: string;
  description: string;
  assigneeId: string;
  dueDay: string;
  /** Its due day is past. */
  overdue: boolean;
  exitDay: string;
  /** The revision of the exit's stream, for `If-Match` on the action. */
  revision: number;
}

interface OpenActionRow {
  accompaniment_id: string;
  action_id: string;
  service_user_id: string;
  description: string;
  assignee_id: string;
  due_day: string;
  exit_day: string;
  revision: number;
}

/**
 * The open post-exit actions of one ESSMS as of `today` (`YYYY-MM-DD`), overdue first: the
 * soonest due day first, which puts every overdue action before the others.
 */
export async function openPostExitActions(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; today: string },
): Promise<OpenPostExitAction[]> {
  const { rows } = (await db.raw(
    `select a.accompaniment_id, a.action_id, a.service_user_id, a.description, a.assignee_id, a.due_day,
            e.exit_day, e.revision
       from ?? a
       join ?? e on e.organisation_id = a.organisation_id and e.accompaniment_id = a.accompaniment_id
      where a.organisation_id = ? and a.facility_id = ? and a.status = 'open'
      order by a.due_day, a.action_id`,
    [`${readSchema}.post_exit_actions`, `${readSchema}.exits`, where.organisationId, where.facilityId],
  )) as { rows: OpenActionRow[] };
  return rows.map((row) => ({
    accompanimentId: row.accompaniment_id,
    actionId: row.action_id,
    serviceUserId: row.service_user_id,
    description: row.description,
    assigneeId: row.assignee_id,
    dueDay: row.due_day,
    overdue: row.due_day < where.today,
    exitDay: row.exit_day,
    revision: Number(row.revision),
  }));
}
