import type { AppointmentCanceller, AppointmentStatus } from '@dui-pds/domain';
import type { Knex } from 'knex';

/** An appointment with a psychologist as it stands. */
export interface PsychologistAppointmentView {
  appointmentId: string;
  serviceUserId: string;
  facilityId: string;
  psychologistId: string;
  startsAt: string;
  durationMinutes: number;
  location: string | null;
  status: AppointmentStatus;
  cancelledBy: AppointmentCanceller | null;
  cancelReason: string | null;
  reschedulings: number;
  /** The revision of the appointment's stream, for `If-Match`. */
  revision: number;
}

/** A psychological assessment (bilan) as it stands, its amendments applied. */
export interface PsychologicalAssessmentView {
  assessmentId: string;
  serviceUserId: string;
  facilityId: string;
  psychologistId: string;
  assessedOn: string;
  tools: string[];
  conclusions: string;
  amendments: number;
  lastAmendmentReason: string | null;
  revision: number;
}

/** A psychologist's note: a record note of the psychological class. */
export interface PsychologistNoteView {
  noteId: string;
  authorId: string;
  writtenAt: string;
  amendedAt: string | null;
  text: string;
  revision: number;
}

interface AppointmentRow {
  appointment_id: string;
  service_user_id: string;
  facility_id: string;
  psychologist_id: string;
  starts_at: string;
  duration_minutes: number;
  location: string | null;
  status: AppointmentStatus;
  cancelled_by: AppointmentCanceller | null;
  cancel_reason: string | null;
  reschedulings: number;
  revision: number;
}

interface AssessmentRow {
  assessment_id: string;
  service_user_id: string;
  facility_id: string;
  psychologist_id: string;
  assessed_on: string;
  tools: string[] | string;
  conclusions: string;
  amendments: number;
  last_amendment_reason: string | null;
  revision: number;
}

function toAppointment(row: AppointmentRow): PsychologistAppointmentView {
  return {
    appointmentId: row.appointment_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    psychologistId: row.psychologist_id,
    startsAt: row.starts_at,
    durationMinutes: Number(row.duration_minutes),
    location: row.location,
    status: row.status,
    cancelledBy: row.cancelled_by,
    cancelReason: row.cancel_reason,
    reschedulings: Number(row.reschedulings),
    revision: Number(row.revision),
  };
}

function toAssessment(row: AssessmentRow): PsychologicalAssessmentView {
  return {
    assessmentId: row.assessment_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    psychologistId: row.psychologist_id,
    assessedOn: row.assessed_on,
    tools: typeof row.tools === 'string' ? (JSON.parse(row.tools) as string[]) : row.tools,
    conclusions: row.conclusions,
    amendments: Number(row.amendments),
    lastAmendmentReason: row.last_amendment_reason,
    revision: Number(row.revision),
  };
}

/** One appointment; undefined when there is none under this id in this organisation (or its usager was forgotten). */
export async function psychologistAppointmentById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; appointmentId: string },
): Promise<PsychologistAppointmentView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('appointments')
    .where({ organisation_id: where.organisationId, appointment_id: where.appointmentId })
    .first()) as AppointmentRow | undefined;
  return row === undefined ? undefined : toAppointment(row);
}

/**
 * The appointments of one ESSMS, soonest first: of one usager, of one psychologist (an agenda),
 * starting from `from` to `to` (days in Europe/Paris, both included); every filter optional.
 */
export async function psychologistAppointments(
  db: Knex,
  readSchema: string,
  where: {
    organisationId: string;
    facilityId: string;
    serviceUserId?: string;
    psychologistId?: string;
    from?: string;
    to?: string;
  },
): Promise<PsychologistAppointmentView[]> {
  const query = db
    .withSchema(readSchema)
    .from('appointments')
    .where({ organisation_id: where.organisationId, facility_id: where.facilityId });
  if (where.serviceUserId !== undefined) query.where('service_user_id', where.serviceUserId);
  if (where.psychologistId !== undefined) query.where('psychologist_id', where.psychologistId);
  if (where.from !== undefined) query.where('starts_on', '>=', where.from);
  if (where.to !== undefined) query.where('starts_on', '<=', where.to);
  const rows = (await query.orderBy(['starts_at_utc', 'appointment_id'])) as AppointmentRow[];
  return rows.map(toAppointment);
}

/** One assessment; undefined when there is none under this id in this organisation (or its usager was forgotten). */
export async function psychologicalAssessmentById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; assessmentId: string },
): Promise<PsychologicalAssessmentView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('assessments')
    .where({ organisation_id: where.organisationId, assessment_id: where.assessmentId })
    .first()) as AssessmentRow | undefined;
  return row === undefined ? undefined : toAssessment(row);
}

/** The assessments of one usager in one ESSMS, the latest first. */
export async function psychologicalAssessmentsOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string },
): Promise<PsychologicalAssessmentView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('assessments')
    .where({
      organisation_id: where.organisationId,
      service_user_id: where.serviceUserId,
      facility_id: where.facilityId,
    })
    .orderBy([
      { column: 'assessed_on', order: 'desc' },
      { column: 'assessment_id', order: 'asc' },
    ])) as AssessmentRow[];
  return rows.map(toAssessment);
}

/**
 * The psychologists' notes about one usager in one ESSMS, the latest first: the record notes of the
 * psychological class, read from the `record_notes` model (`recordNotesSchema`), which already
 * keeps notes with their class; the module does not keep a second copy of them.
 */
export async function psychologistNotesOf(
  db: Knex,
  recordNotesSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string },
): Promise<PsychologistNoteView[]> {
  const rows = (await db
    .withSchema(recordNotesSchema)
    .from('notes')
    .where({
      organisation_id: where.organisationId,
      service_user_id: where.serviceUserId,
      facility_id: where.facilityId,
      sensitivity: 'psychological',
    })
    .whereNotNull('text')
    .orderBy([
      { column: 'written_at', order: 'desc' },
      { column: 'note_id', order: 'asc' },
    ])) as {
    note_id: string;
    author_id: string;
    written_at: string;
    amended_at: string | null;
    text: string;
    revision: number;
  }[];
  return rows.map((row) => ({
    noteId: row.note_id,
    authorId: row.author_id,
    writtenAt: row.written_at,
    amendedAt: row.amended_at,
    text: row.text,
    revision: Number(row.revision),
  }));
}
