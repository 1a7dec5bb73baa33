import type { AbsenceRecorded, AttendanceCorrected, AttendanceEventType, PresenceRecorded } from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly AttendanceEventType[] = ['PresenceRecorded', 'AbsenceRecorded', 'AttendanceCorrected'];

/**
 * The attendance of usagers, per ESSMS and day: one row per accompaniment and day (its stream,
 * `attendanceStreamId`), present or absent as last recorded or corrected, and its revision. Read
 * it with `attendanceSheet`.
 *
 * A forgotten usager's days leave the model: what an erased event still tells (its stream) is
 * enough to remove the day's row, and nothing of the person stays on any sheet.
 */
export const attendanceProjection = defineProjection({
  name: 'attendance',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('days', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('day').notNullable();
      table.text('accompaniment_id').notNullable();
      table.uuid('attendance_id').notNullable();
      table.text('status').notNullable();
      table.boolean('planned').notNullable();
      table.boolean('justified');
      table.text('reason');
      table.text('arrived_at');
      table.text('left_at');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'accompaniment_id', 'day']);
      table.index(['organisation_id', 'facility_id', 'day']);
    });
  },
  async evolve(event, { table }) {
    const { accompanimentId, day } = streamParts(event.streamId);
    const row = () =>
      table('days').where({ organisation_id: event.metadata.organisationId, accompaniment_id: accompanimentId, day });
    if (isErased(event.data)) {
      await row().delete();
      return;
    }
    switch (event.type as AttendanceEventType) {
      case 'PresenceRecorded':
      case 'AbsenceRecorded': {
        const data = event.data as PresenceRecorded | AbsenceRecorded;
        const status = event.type === 'PresenceRecorded' ? 'present' : 'absent';
        await table('days')
          .insert({
            organisation_id: event.metadata.organisationId,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            day: data.day,
            accompaniment_id: accompanimentId,
            attendance_id: data.attendanceId,
            ...detailsColumns({ status, ...data }),
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'accompaniment_id', 'day'])
          .ignore();
        return;
      }
      case 'AttendanceCorrected': {
        const data = event.data as AttendanceCorrected;
        await row().update({ ...detailsColumns(data.attendance), revision: event.streamRevision });
        return;
      }
    }
  },
});

function detailsColumns(details: {
  status: 'present' | 'absent';
  planned: boolean;
  justified?: boolean;
  reason?: string;
  arrivedAt?: string;
  leftAt?: string;
}) {
  const present = details.status === 'present';
  return {
    status: details.status,
    planned: details.planned,
    justified: present ? null : (details.justified ?? false),
    reason: present ? null : (details.reason ?? null),
    arrived_at: present ? (details.arrivedAt ?? null) : null,
    left_at: present ? (details.leftAt ?? null) : null,
  };
}

/** Days live in streams `attendance/<organisation>/<accompanimentId>/<day>` (`attendanceStreamId`). */
function streamParts(streamId: RecordedEvent['streamId']): { accompanimentId: string; day: string } {
  const parts = streamId.split('/');
  return { accompanimentId: parts.at(-2) ?? streamId, day: parts.at(-1) ?? '' };
}
