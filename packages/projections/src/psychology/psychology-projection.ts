import type {
  PsychologicalAssessmentAmended,
  PsychologicalAssessmentEventType,
  PsychologicalAssessmentRecorded,
  PsychologistAppointmentCancelled,
  PsychologistAppointmentEventType,
  PsychologistAppointmentPlanned,
  PsychologistAppointmentRescheduled,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly (PsychologistAppointmentEventType | PsychologicalAssessmentEventType)[] = [
  'PsychologistAppointmentPlanned',
  'PsychologistAppointmentRescheduled',
  'PsychologistAppointmentCancelled',
  'PsychologistAppointmentHeld',
  'PsychologistAppointmentMissed',
  'PsychologicalAssessmentRecorded',
  'PsychologicalAssessmentAmended',
];

const parisDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** When an appointment starts: as given, as a UTC instant that sorts, and its day in Paris for agendas. */
function starts(startsAt: string) {
  const instant = new Date(startsAt);
  return { starts_at: startsAt, starts_at_utc: instant.toISOString(), starts_on: parisDay.format(instant) };
}

/**
 * The psychologists' module: appointments (one row each, their stream
 * `psychologistAppointmentStreamId`: when, how long, where, with whom, their status, who cancelled
 * and why) and psychological assessments (one row each: day, tools, conclusions, amendments). All of
 * it is psychological data. The psychologists' notes are record notes of the psychological class
 * (`record_notes`), read beside these with `psychologistNotesOf`.
 *
 * A forgotten usager's appointments and assessments leave the model.
 */
export const psychologyProjection = defineProjection({
  name: 'psychology',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('appointments', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('appointment_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('psychologist_id').notNullable();
      table.text('starts_at').notNullable();
      table.text('starts_at_utc').notNullable();
      table.text('starts_on').notNullable();
      table.integer('duration_minutes').notNullable();
      table.text('location');
      table.text('status').notNullable();
      table.text('cancelled_by');
      table.text('cancel_reason');
      table.integer('reschedulings').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'appointment_id']);
      table.index(['organisation_id', 'facility_id', 'starts_on']);
      table.index(['organisation_id', 'service_user_id']);
    });
    await db.schema.withSchema(schema).createTable('assessments', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('assessment_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('psychologist_id').notNullable();
      table.text('assessed_on').notNullable();
      table.jsonb('tools').notNullable();
      table.text('conclusions').notNullable();
      table.integer('amendments').notNullable();
      table.text('last_amendment_reason');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'assessment_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
  },
  async evolve(event, { db, table }) {
    const organisation_id = event.metadata.organisationId;
    const id = idOf(event);
    const isAssessment = event.type.startsWith('PsychologicalAssessment');
    const row = () =>
      isAssessment
        ? table('assessments').where({ organisation_id, assessment_id: id })
        : table('appointments').where({ organisation_id, appointment_id: id });
    if (isErased(event.data)) {
      await row().delete();
      return;
    }
    const revision = event.streamRevision;
    switch (event.type as PsychologistAppointmentEventType | PsychologicalAssessmentEventType) {
      case 'PsychologistAppointmentPlanned': {
        const data = event.data as PsychologistAppointmentPlanned;
        await table('appointments')
          .insert({
            organisation_id,
            appointment_id: data.appointmentId,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            psychologist_id: data.psychologistId,
            ...starts(data.startsAt),
            duration_minutes: data.durationMinutes,
            location: data.location ?? null,
            status: 'planned',
            cancelled_by: null,
            cancel_reason: null,
            reschedulings: 0,
            revision,
          })
          .onConflict(['organisation_id', 'appointment_id'])
          .ignore();
        return;
      }
      case 'PsychologistAppointmentRescheduled': {
        const data = event.data as PsychologistAppointmentRescheduled;
        await row().update({
          ...starts(data.startsAt),
          duration_minutes: data.durationMinutes,
          reschedulings: db.raw('reschedulings + 1'),
          revision,
        });
        return;
      }
      case 'PsychologistAppointmentCancelled': {
        const data = event.data as PsychologistAppointmentCancelled;
        await row().update({
          status: 'cancelled',
          cancelled_by: data.requestedBy,
          cancel_reason: data.reason,
          revision,
        });
        return;
      }
      case 'PsychologistAppointmentHeld':
        await row().update({ status: 'held', revision });
        return;
      case 'PsychologistAppointmentMissed':
        await row().update({ status: 'missed', revision });
        return;
      case 'PsychologicalAssessmentRecorded': {
        const data = event.data as PsychologicalAssessmentRecorded;
        await table('assessments')
          .insert({
            organisation_id,
            assessment_id: data.assessmentId,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            psychologist_id: data.psychologistId,
            assessed_on: data.assessedOn,
            tools: JSON.stringify(data.tools),
            conclusions: data.conclusions,
            amendments: 0,
            last_amendment_reason: null,
            revision,
          })
          .onConflict(['organisation_id', 'assessment_id'])
          .ignore();
        return;
      }
      case 'PsychologicalAssessmentAmended': {
        const data = event.data as PsychologicalAssessmentAmended;
        await row().update({
          ...(data.assessedOn === undefined ? {} : { assessed_on: data.assessedOn }),
          ...(data.tools === undefined ? {} : { tools: JSON.stringify(data.tools) }),
          ...(data.conclusions === undefined ? {} : { conclusions: data.conclusions }),
          amendments: db.raw('amendments + 1'),
          last_amendment_reason: data.reason,
          revision,
        });
        return;
      }
    }
  },
});

/** Streams `psychologist-appointment/<organisation>/<id>` and `psychological-assessment/<organisation>/<id>`. */
function idOf(event: RecordedEvent): string {
  return event.streamId.split('/').at(-1) ?? event.streamId;
}
