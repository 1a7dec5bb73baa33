import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * Attendance (présence / absence) of a usager in the ESSMS that accompanies them, one day at a
 * time: present (arrival and departure times if known), or absent (justified or not, with its
 * reason), each planned or not. The daily attendance sheet reads them all.
 *
 * Decisions taken here:
 * - One stream per accompaniment and day (`attendanceStreamId`): the rule to keep (a day holds a
 *   presence or an absence, never both) is a rule of one usager, one ESSMS, one day, and an
 *   accompaniment is one usager in one ESSMS. A stream per accompaniment would hold the same rule
 *   but grow every day for years in residential services (ACT, LHSS, LAM), each command re-reading
 *   it; a day's stream stays a few events long, and recording two days never contends.
 * - A day is recorded once (`attendanceId`, chosen by the client); what was wrong is then
 *   corrected, with a reason, naming the attendance it corrects: the record keeps what was first
 *   said and why it changed. A correction that changes nothing records nothing.
 * - Times are local wall-clock times of the day in the ESSMS (`HH:MM`), not instants: the sheet is
 *   read in the ESSMS' time, and a day and its hours then never disagree across time zones.
 * - A justified absence needs its reason; an unjustified one may have one (what the usager said).
 * - Attendance is administrative data (who came when), not care: writing it needs the right to
 *   write the usager's administrative data in that ESSMS.
 */
const MAX_REASON_LENGTH = 1_000;
const id = z.string().min(1).max(200);
const reason = z.string().min(1).max(MAX_REASON_LENGTH);
/** A local time of day, `HH:MM`, 00:00 to 23:59. */
export const timeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'heure invalide (HH:MM)');
/** A calendar day, `YYYY-MM-DD`. */
export const attendanceDaySchema = z.iso.date();

export const presenceDetailsSchema = z.object({
  status: z.literal('present'),
  arrivedAt: timeOfDaySchema.optional(),
  leftAt: timeOfDaySchema.optional(),
  planned: z.boolean(),
});
export const absenceDetailsSchema = z.object({
  status: z.literal('absent'),
  planned: z.boolean(),
  justified: z.boolean(),
  reason: reason.optional(),
});
export const attendanceDetailsSchema = z.discriminatedUnion('status', [presenceDetailsSchema, absenceDetailsSchema]);

const recorded = z.object({ attendanceId: z.uuid(), serviceUserId: id, facilityId: id, day: attendanceDaySchema });
export const presenceRecordedSchema = recorded.extend(presenceDetailsSchema.omit({ status: true }).shape);
export const absenceRecordedSchema = recorded.extend(absenceDetailsSchema.omit({ status: true }).shape);
/** `reason`: why the attendance was corrected; `attendance`: what it now says. */
export const attendanceCorrectedSchema = z.object({
  attendanceId: z.uuid(),
  reason,
  attendance: attendanceDetailsSchema,
});

export type PresenceDetails = z.infer<typeof presenceDetailsSchema>;
export type AbsenceDetails = z.infer<typeof absenceDetailsSchema>;
export type AttendanceDetails = z.infer<typeof attendanceDetailsSchema>;
export type AttendanceStatus = AttendanceDetails['status'];
export type PresenceRecorded = z.infer<typeof presenceRecordedSchema>;
export type AbsenceRecorded = z.infer<typeof absenceRecordedSchema>;
export type AttendanceCorrected = z.infer<typeof attendanceCorrectedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedAttendanceData {
  $erased: true;
}

export type AttendanceEvent =
  | { type: 'PresenceRecorded'; data: PresenceRecorded | ErasedAttendanceData }
  | { type: 'AbsenceRecorded'; data: AbsenceRecorded | ErasedAttendanceData }
  | { type: 'AttendanceCorrected'; data: AttendanceCorrected | ErasedAttendanceData };

export type AttendanceEventType = AttendanceEvent['type'];

export const attendanceEventSchemas = {
  PresenceRecorded: presenceRecordedSchema,
  AbsenceRecorded: absenceRecordedSchema,
  AttendanceCorrected: attendanceCorrectedSchema,
} as const;

export type AttendanceCommand =
  | ({ type: 'RecordPresence' } & PresenceRecorded)
  | ({ type: 'RecordAbsence' } & AbsenceRecorded)
  | { type: 'CorrectAttendance'; attendanceId: string; reason: string; attendance: AttendanceDetails };

export type Attendance =
  | { status: 'none' }
  | {
      status: 'recorded';
      attendanceId: string | undefined;
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      day: string | undefined;
      /** What the day holds now; undefined once the usager was forgotten. */
      attendance: AttendanceDetails | undefined;
      corrections: number;
    };

/** One stream per accompaniment and day; the organisation escaped, so that no two tenants share one. */
export function attendanceStreamId(organisationId: string, accompanimentId: string, day: string): string {
  return `attendance/${encodeURIComponent(organisationId)}/${accompanimentId}/${day}`;
}

export const attendanceDecider: Decider<AttendanceCommand, AttendanceEvent, Attendance> = {
  initialState: () => ({ status: 'none' }),

  decide(command, day) {
    switch (command.type) {
      case 'RecordPresence': {
        refuseIfRecorded(day, 'present');
        const { type: _, ...data } = command;
        const { status: __, ...details } = presenceDetails(data);
        return { type: 'PresenceRecorded', data: { ...recordedPart(data), ...details } };
      }
      case 'RecordAbsence': {
        refuseIfRecorded(day, 'absent');
        const { type: _, ...data } = command;
        const { status: __, ...details } = absenceDetails(data);
        return { type: 'AbsenceRecorded', data: { ...recordedPart(data), ...details } };
      }
      case 'CorrectAttendance': {
        if (day.status === 'none' || day.attendanceId !== command.attendanceId) {
          throw new DomainRuleViolation(
            'ATTENDANCE_NOT_FOUND',
            'Aucune présence ou absence à corriger sous cet identifiant.',
            {
              attendanceId: command.attendanceId,
            },
          );
        }
        if (day.attendance === undefined) {
          throw new DomainRuleViolation('ATTENDANCE_ERASED', 'Cette présence concerne une personne oubliée.');
        }
        const why = requireReason(command.reason, 'CORRECTION_REASON_REQUIRED', 'Une correction doit être motivée.');
        const corrected =
          command.attendance.status === 'present'
            ? presenceDetails(command.attendance)
            : absenceDetails(command.attendance);
        if (sameDetails(corrected, day.attendance)) return [];
        return {
          type: 'AttendanceCorrected',
          data: { attendanceId: command.attendanceId, reason: why, attendance: corrected },
        };
      }
    }
  },

  evolve(day, event) {
    switch (event.type) {
      case 'PresenceRecorded':
      case 'AbsenceRecorded': {
        if ('$erased' in event.data) {
          return {
            status: 'recorded',
            attendanceId: undefined,
            serviceUserId: undefined,
            facilityId: undefined,
            day: undefined,
            attendance: undefined,
            corrections: 0,
          };
        }
        const { attendanceId, serviceUserId, facilityId, day: date, ...details } = event.data;
        const status: AttendanceStatus = event.type === 'PresenceRecorded' ? 'present' : 'absent';
        return {
          status: 'recorded',
          attendanceId,
          serviceUserId,
          facilityId,
          day: date,
          attendance: { status, ...details } as AttendanceDetails,
          corrections: 0,
        };
      }
      case 'AttendanceCorrected':
        if (day.status !== 'recorded') return day;
        return {
          ...day,
          attendance: '$erased' in event.data ? undefined : event.data.attendance,
          corrections: day.corrections + 1,
        };
    }
  },
};

function refuseIfRecorded(day: Attendance, recording: AttendanceStatus): void {
  if (day.status === 'none') return;
  if (day.attendance !== undefined && day.attendance.status !== recording) {
    throw new DomainRuleViolation(
      'PRESENCE_AND_ABSENCE_SAME_DAY',
      recording === 'present'
        ? 'Une absence est déjà enregistrée ce jour-là pour cet usager dans cet établissement : corrigez-la plutôt que d’enregistrer une présence.'
        : 'Une présence est déjà enregistrée ce jour-là pour cet usager dans cet établissement : corrigez-la plutôt que d’enregistrer une absence.',
      { attendanceId: day.attendanceId, day: day.day },
    );
  }
  throw new DomainRuleViolation(
    'ATTENDANCE_ALREADY_RECORDED',
    recording === 'present'
      ? 'La présence de cet usager est déjà enregistrée pour ce jour : corrigez-la si besoin.'
      : 'L’absence de cet usager est déjà enregistrée pour ce jour : corrigez-la si besoin.',
    { attendanceId: day.attendanceId, day: day.day },
  );
}

function recordedPart(data: { attendanceId: string; serviceUserId: string; facilityId: string; day: string }) {
  return {
    attendanceId: data.attendanceId,
    serviceUserId: data.serviceUserId,
    facilityId: data.facilityId,
    day: data.day,
  };
}

function presenceDetails(details: Omit<PresenceDetails, 'status'>): PresenceDetails {
  const { arrivedAt, leftAt, planned } = details;
  if (arrivedAt !== undefined && leftAt !== undefined && leftAt < arrivedAt) {
    throw new DomainRuleViolation('LEFT_BEFORE_ARRIVAL', 'L’heure de départ ne peut pas précéder l’heure d’arrivée.', {
      arrivedAt,
      leftAt,
    });
  }
  return {
    status: 'present',
    ...(arrivedAt !== undefined ? { arrivedAt } : {}),
    ...(leftAt !== undefined ? { leftAt } : {}),
    planned,
  };
}

function absenceDetails(details: Omit<AbsenceDetails, 'status'>): AbsenceDetails {
  const why = details.reason?.trim() ?? '';
  if (details.justified && why.length === 0) {
    throw new DomainRuleViolation('ABSENCE_REASON_REQUIRED', 'Une absence justifiée doit avoir un motif.');
  }
  if (why.length > MAX_REASON_LENGTH) {
    throw new DomainRuleViolation('REASON_TOO_LONG', `Le motif dépasse ${MAX_REASON_LENGTH} caractères.`, {
      maxLength: MAX_REASON_LENGTH,
    });
  }
  return {
    status: 'absent',
    planned: details.planned,
    justified: details.justified,
    ...(why.length > 0 ? { reason: why } : {}),
  };
}

function sameDetails(a: AttendanceDetails, b: AttendanceDetails): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => (a as Record<string, unknown>)[key] === (b as Record<string, unknown>)[key]);
}

function requireReason(text: string, code: string, message: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new DomainRuleViolation(code, message);
  if (trimmed.length > MAX_REASON_LENGTH) {
    throw new DomainRuleViolation('REASON_TOO_LONG', `Le motif dépasse ${MAX_REASON_LENGTH} caractères.`, {
      maxLength: MAX_REASON_LENGTH,
    });
  }
  return trimmed;
}
