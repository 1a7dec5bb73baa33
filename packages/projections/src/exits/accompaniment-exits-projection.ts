import type {
  AccompanimentExitEventType,
  ExitCorrected,
  ExitRecorded,
  PostExitActionCancelled,
  PostExitActionDone,
  PostExitActionPlanned,
  PostExitFollowUpClosed,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly AccompanimentExitEventType[] = [
  'ExitRecorded',
  'ExitCorrected',
  'PostExitActionPlanned',
  'PostExitActionDone',
  'PostExitActionCancelled',
  'PostExitFollowUpClosed',
];

/**
 * The exits of accompaniments and the follow-up after them: one row per exit (its stream,
 * `accompanimentExitStreamId`) with what it says now, whether its follow-up is closed, and the
 * stream's revision; one row per post-exit action with its state. Read them with
 * `accompanimentExit` and `openPostExitActions`.
 *
 * The action rows copy the ESSMS and the usager of their exit: the list of an ESSMS' open actions
 * is then one indexed read. A forgotten usager's exit leaves the model: the erased event's stream
 * is enough to remove its rows.
 */
export const accompanimentExitsProjection = defineProjection({
  name: 'accompaniment_exits',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('exits', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('accompaniment_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('exit_day').notNullable();
      table.text('exit_reason').notNullable();
      table.text('exit_reason_details');
      table.text('destination').notNullable();
      table.text('destination_details');
      table.integer('corrections').notNullable();
      table.text('closed_day');
      table.text('closing_note');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'accompaniment_id']);
      table.index(['organisation_id', 'facility_id', 'exit_day']);
    });
    await db.schema.withSchema(schema).createTable('post_exit_actions', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('accompaniment_id').notNullable();
      table.uuid('action_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('description').notNullable();
      table.text('assignee_id').notNullable();
      table.text('due_day').notNullable();
      table.text('status').notNullable();
      table.text('done_day');
      table.text('outcome');
      table.text('cancel_reason');
      table.primary(['organisation_id', 'accompaniment_id', 'action_id']);
      table.index(['organisation_id', 'facility_id', 'status', 'due_day']);
    });
  },
  async evolve(event, { db, table }) {
    const key = { organisation_id: event.metadata.organisationId, accompaniment_id: accompanimentIdOf(event.streamId) };
    const exit = () => table('exits').where(key);
    const action = (actionId: string) => table('post_exit_actions').where({ ...key, action_id: actionId });
    if (isErased(event.data)) {
      await table('post_exit_actions').where(key).delete();
      await exit().delete();
      return;
    }
    const revision = event.streamRevision;
    switch (event.type as AccompanimentExitEventType) {
      case 'ExitRecorded': {
        const data = event.data as ExitRecorded;
        await table('exits')
          .insert({
            ...key,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            exit_day: data.exitDay,
            exit_reason: data.exitReason,
            exit_reason_details: data.exitReasonDetails ?? null,
            destination: data.destination,
            destination_details: data.destinationDetails ?? null,
            corrections: 0,
            closed_day: null,
            closing_note: null,
            revision,
          })
          .onConflict(['organisation_id', 'accompaniment_id'])
          .ignore();
        return;
      }
      case 'ExitCorrected': {
        const { exit: corrected } = event.data as ExitCorrected;
        await exit().update({
          exit_day: corrected.exitDay,
          exit_reason: corrected.exitReason,
          exit_reason_details: corrected.exitReasonDetails ?? null,
          destination: corrected.destination,
          destination_details: corrected.destinationDetails ?? null,
          corrections: db.raw('corrections + 1'),
          revision,
        });
        return;
      }
      case 'PostExitActionPlanned': {
        const data = event.data as PostExitActionPlanned;
        const where = await exit().first('facility_id', 'service_user_id');
        if (where === undefined) return;
        await table('post_exit_actions')
          .insert({
            ...key,
            action_id: data.actionId,
            facility_id: where.facility_id,
            service_user_id: where.service_user_id,
            description: data.description,
            assignee_id: data.assigneeId,
            due_day: data.dueDay,
            status: 'open',
            done_day: null,
            outcome: null,
            cancel_reason: null,
          })
          .onConflict(['organisation_id', 'accompaniment_id', 'action_id'])
          .ignore();
        await exit().update({ revision });
        return;
      }
      case 'PostExitActionDone': {
        const data = event.data as PostExitActionDone;
        await action(data.actionId).update({ status: 'done', done_day: data.doneDay, outcome: data.outcome });
        await exit().update({ revision });
        return;
      }
      case 'PostExitActionCancelled': {
        const data = event.data as PostExitActionCancelled;
        await action(data.actionId).update({ status: 'cancelled', cancel_reason: data.reason });
        await exit().update({ revision });
        return;
      }
      case 'PostExitFollowUpClosed': {
        const data = event.data as PostExitFollowUpClosed;
        await exit().update({ closed_day: data.closedDay, closing_note: data.note, revision });
        return;
      }
    }
  },
});

/** Exits live in streams `accompaniment-exit/<organisation>/<accompanimentId>` (`accompanimentExitStreamId`). */
function accompanimentIdOf(streamId: RecordedEvent['streamId']): string {
  return streamId.split('/').at(-1) ?? streamId;
}
