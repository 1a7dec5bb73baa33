import {
  ACTION_DUE_SOON_DAYS,
  type ActionDeadlineWarning,
  type ActionOwner,
  actionDeadlineWarning,
  addCalendarDays,
} from '@dui-pds/domain';
import type { Knex } from 'knex';

/** An action of a personalised project whose deadline is near or passed. */
export interface ProjectActionDue {
  projectId: string;
  serviceUserId: string;
  objectiveId: string;
  objectiveTitle: string;
  actionId: string;
  what: string;
  who: ActionOwner;
  deadline: string;
  warning: Exclude<ActionDeadlineWarning, 'none'>;
  /** The revision of the project's stream, for `If-Match` on completing the action. */
  revision: number;
}

interface ActionDueRow {
  project_id: string;
  service_user_id: string;
  objective_id: string;
  objective_title: string;
  action_id: string;
  what: string;
  who: ActionOwner;
  deadline: string;
  revision: number;
}

/**
 * The actions of the current versions of one ESSMS' personalised projects still to be done whose
 * deadline is passed or within `withinDays` days of `today` (`YYYY-MM-DD`), the oldest deadline
 * first: for the summary sheet and the team meeting. SQL narrows to the open actions due by the
 * cutoff; the warning itself is the domain's `actionDeadlineWarning`, so the list and the rule
 * never disagree.
 */
export async function projectActionsDue(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; today: string; withinDays?: number },
): Promise<ProjectActionDue[]> {
  const withinDays = where.withinDays ?? ACTION_DUE_SOON_DAYS;
  const { rows } = (await db.raw(
    `select p.project_id, p.service_user_id, a.objective_id, o.title as objective_title, a.action_id, a.what, a.who,
            a.deadline, p.revision
       from ?? a
       join ?? p on p.organisation_id = a.organisation_id and p.project_id = a.project_id
       join ?? o on o.organisation_id = a.organisation_id and o.project_id = a.project_id
                and o.objective_id = a.objective_id
      where a.organisation_id = ? and p.facility_id = ? and a.completed_on is null and a.deadline <= ?
      order by a.deadline, p.service_user_id, a.action_id`,
    [
      `${readSchema}.actions`,
      `${readSchema}.projects`,
      `${readSchema}.objectives`,
      where.organisationId,
      where.facilityId,
      addCalendarDays(where.today, withinDays),
    ],
  )) as { rows: ActionDueRow[] };
  return rows.flatMap((row): ProjectActionDue[] => {
    const warning = actionDeadlineWarning({ deadline: row.deadline }, where.today, withinDays);
    if (warning === 'none') return [];
    return [
      {
        projectId: row.project_id,
        serviceUserId: row.service_user_id,
        objectiveId: row.objective_id,
        objectiveTitle: row.objective_title,
        actionId: row.action_id,
        what: row.what,
        who: row.who,
        deadline: row.deadline,
        warning,
        revision: Number(row.revision),
      },
    ];
  });
}
