import type { AccompanimentEnd, ExitDestination, ExitReason, PostExitActionStatus } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** One action of the follow-up after an exit, as it stands. */
export interface PostExitAction {
  actionId: string;
  description: string;
  assigneeId: string;
  dueDay: string;
  status: PostExitActionStatus;
  doneDay: string | null;
  outcome: string | null;
  cancelReason: string | null;
}

/** The exit of an accompaniment, what it says now, and its follow-up. */
export interface AccompanimentExitView {
  accompanimentId: string;
  serviceUserId: string;
  facilityId: string;
  exitDay: string;
  exitReason: ExitReason;
  exitReasonDetails: string | null;
  destination: ExitDestination;
  destinationDetails: string | null;
  corrections: number;
  followUp: {
    status: 'open' | 'closed';
    closedDay: string | null;
    closingNote: string | null;
    /** Due day first. */
    actions: PostExitAction[];
  };
  /** The revision of the exit's stream, for `If-Match`. */
  revision: number;
}

interface ExitRow {
  accompaniment_id: string;
  service_user_id: string;
  facility_id: string;
  exit_day: string;
  exit_reason: ExitReason;
  exit_reason_details: string | null;
  destination: ExitDestination;
  destination_details: string | null;
  corrections: number;
  closed_day: string | null;
  closing_note: string | null;
  revision: number;
}

interface ActionRow {
  action_id: string;
  description: string;
  assignee_id: string;
  due_day: string;
  status: PostExitActionStatus;
  done_day: string | null;
  outcome: string | null;
  cancel_reason: string | null;
}

/** The exit of one accompaniment with its follow-up actions; undefined when none is recorded (or its usager was forgotten). */
export async function accompanimentExit(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; accompanimentId: string },
): Promise<AccompanimentExitView | undefined> {
  const key = { organisation_id: where.organisationId, accompaniment_id: where.accompanimentId };
  const exit = (await db.withSchema(readSchema).from('exits').where(key).first()) as ExitRow | undefined;
  if (exit === undefined) return undefined;
  const actions = (await db
    .withSchema(readSchema)
    .from('post_exit_actions')
    .where(key)
    .orderBy(['due_day', 'action_id'])) as ActionRow[];
  return {
    accompanimentId: exit.accompaniment_id,
    serviceUserId: exit.service_user_id,
    facilityId: exit.facility_id,
    exitDay: exit.exit_day,
    exitReason: exit.exit_reason,
    exitReasonDetails: exit.exit_reason_details,
    destination: exit.destination,
    destinationDetails: exit.destination_details,
    corrections: Number(exit.corrections),
    followUp: {
      status: exit.closed_day === null ? 'open' : 'closed',
      closedDay: exit.closed_day,
      closingNote: exit.closing_note,
      actions: actions.map((row) => ({
        actionId: row.action_id,
        description: row.description,
        assigneeId: row.assignee_id,
        dueDay: row.due_day,
        status: row.status,
        doneDay: row.done_day,
        outcome: row.outcome,
        cancelReason: row.cancel_reason,
      })),
    },
    revision: Number(exit.revision),
  };
}

/** The exit day and reason of one accompaniment (as last corrected), or undefined when it has none. */
export async function accompanimentEnd(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; accompanimentId: string },
): Promise<AccompanimentEnd | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('exits')
    .where({ organisation_id: where.organisationId, accompaniment_id: where.accompanimentId })
    .first('exit_day', 'exit_reason')) as { exit_day: string; exit_reason: string } | undefined;
  return row && { exitDay: row.exit_day, exitReason: row.exit_reason };
}

/** The last exit recorded for a usager in an ESSMS (the latest exit day), or undefined. */
export async function lastExitOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; serviceUserId: string },
): Promise<AccompanimentEnd | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('exits')
    .where({
      organisation_id: where.organisationId,
      facility_id: where.facilityId,
      service_user_id: where.serviceUserId,
    })
    .orderBy('exit_day', 'desc')
    .first('exit_day', 'exit_reason')) as { exit_day: string; exit_reason: string } | undefined;
  return row && { exitDay: row.exit_day, exitReason: row.exit_reason };
}
