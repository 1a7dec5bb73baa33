import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * An appointment of a usager with a psychologist of the ESSMS: planned, rescheduled, cancelled,
 * then held or missed. Its mere existence says the usager sees a psychologist: it is in the
 * psychological sensitivity class, closed to everyone but the psychologists of the care team and
 * those the usager allowed (the shell checks it; ACCESS_MATRIX).
 *
 * Decisions taken here:
 * - One stream per appointment (`psychologistAppointmentStreamId`).
 * - The psychologist is the one who plans it; the appointment names them, for their agenda.
 * - An appointment is planned and rescheduled ahead, never into the past; it is said held or
 *   missed once its time has come, and only while planned. Held, missed and cancelled are final:
 *   a new appointment is a new stream. `now` comes with the command: the domain has no clock.
 * - A cancellation says who asked for it (the usager, the psychologist, the ESSMS) and why: the
 *   team tells a usager who cancels often from an ESSMS that cancels often.
 */
export const MIN_APPOINTMENT_MINUTES = 5;
export const MAX_APPOINTMENT_MINUTES = 8 * 60;
const MAX_REASON_LENGTH = 1_000;
const MAX_LOCATION_LENGTH = 200;
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const duration = z.int().min(MIN_APPOINTMENT_MINUTES).max(MAX_APPOINTMENT_MINUTES);

export const APPOINTMENT_CANCELLERS = ['usager', 'psychologist', 'facility'] as const;
export type AppointmentCanceller = (typeof APPOINTMENT_CANCELLERS)[number];
export const appointmentCancellerSchema = z.enum(APPOINTMENT_CANCELLERS);

export const psychologistAppointmentPlannedSchema = z.object({
  appointmentId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  psychologistId: id,
  startsAt: instant,
  durationMinutes: duration,
  location: z.string().min(1).max(MAX_LOCATION_LENGTH).optional(),
});
export const psychologistAppointmentRescheduledSchema = z.object({
  appointmentId: z.uuid(),
  previousStartsAt: instant,
  startsAt: instant,
  durationMinutes: duration,
  reason: z.string().min(1).max(MAX_REASON_LENGTH).optional(),
});
export const psychologistAppointmentCancelledSchema = z.object({
  appointmentId: z.uuid(),
  requestedBy: appointmentCancellerSchema,
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
});
export const psychologistAppointmentHeldSchema = z.object({ appointmentId: z.uuid() });
export const psychologistAppointmentMissedSchema = z.object({ appointmentId: z.uuid() });

export type PsychologistAppointmentPlanned = z.infer<typeof psychologistAppointmentPlannedSchema>;
export type PsychologistAppointmentRescheduled = z.infer<typeof psychologistAppointmentRescheduledSchema>;
export type PsychologistAppointmentCancelled = z.infer<typeof psychologistAppointmentCancelledSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedAppointmentData {
  $erased: true;
}

export type PsychologistAppointmentEvent =
  | { type: 'PsychologistAppointmentPlanned'; data: PsychologistAppointmentPlanned | ErasedAppointmentData }
  | { type: 'PsychologistAppointmentRescheduled'; data: PsychologistAppointmentRescheduled | ErasedAppointmentData }
  | { type: 'PsychologistAppointmentCancelled'; data: PsychologistAppointmentCancelled | ErasedAppointmentData }
  | { type: 'PsychologistAppointmentHeld'; data: { appointmentId: string } | ErasedAppointmentData }
  | { type: 'PsychologistAppointmentMissed'; data: { appointmentId: string } | ErasedAppointmentData };

export type PsychologistAppointmentEventType = PsychologistAppointmentEvent['type'];

export const psychologistAppointmentEventSchemas = {
  PsychologistAppointmentPlanned: psychologistAppointmentPlannedSchema,
  PsychologistAppointmentRescheduled: psychologistAppointmentRescheduledSchema,
  PsychologistAppointmentCancelled: psychologistAppointmentCancelledSchema,
  PsychologistAppointmentHeld: psychologistAppointmentHeldSchema,
  PsychologistAppointmentMissed: psychologistAppointmentMissedSchema,
} as const;

export type PsychologistAppointmentCommand =
  | ({ type: 'PlanPsychologistAppointment'; now: string } & PsychologistAppointmentPlanned)
  | {
      type: 'ReschedulePsychologistAppointment';
      startsAt: string;
      durationMinutes?: number;
      reason?: string;
      now: string;
    }
  | { type: 'CancelPsychologistAppointment'; requestedBy: AppointmentCanceller; reason: string }
  | { type: 'RecordPsychologistAppointmentHeld'; now: string }
  | { type: 'RecordPsychologistAppointmentMissed'; now: string };

export type AppointmentStatus = 'planned' | 'held' | 'missed' | 'cancelled';

export type PsychologistAppointment =
  | { status: 'none' }
  | {
      status: AppointmentStatus;
      appointmentId: string;
      /** Undefined once the usager was forgotten. */
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      startsAt: string | undefined;
      durationMinutes: number | undefined;
      reschedulings: number;
    };

/** One stream per appointment; the organisation escaped, so that no two tenants share one. */
export function psychologistAppointmentStreamId(organisationId: string, appointmentId: string): string {
  return `psychologist-appointment/${encodeURIComponent(organisationId)}/${appointmentId}`;
}

const CLOSED_MESSAGES: Readonly<Record<Exclude<AppointmentStatus, 'planned'>, string>> = {
  held: 'Ce rendez-vous a eu lieu',
  missed: 'Ce rendez-vous a été manqué',
  cancelled: 'Ce rendez-vous a été annulé',
};

export const psychologistAppointmentDecider: Decider<
  PsychologistAppointmentCommand,
  PsychologistAppointmentEvent,
  PsychologistAppointment
> = {
  initialState: () => ({ status: 'none' }),

  decide(command, appointment) {
    switch (command.type) {
      case 'PlanPsychologistAppointment': {
        if (appointment.status !== 'none') {
          throw new DomainRuleViolation(
            'APPOINTMENT_ALREADY_PLANNED',
            'Un rendez-vous est déjà planifié sous cet identifiant.',
          );
        }
        const { type: _, now, location, ...planned } = command;
        const place = location?.trim();
        return {
          type: 'PsychologistAppointmentPlanned',
          data: {
            ...planned,
            startsAt: requireAhead(planned.startsAt, now),
            durationMinutes: requireDuration(planned.durationMinutes),
            ...(place ? { location: place } : {}),
          },
        };
      }
      case 'ReschedulePsychologistAppointment': {
        const current = requirePlanned(appointment, 'déplacer');
        const startsAt = requireAhead(command.startsAt, command.now);
        const durationMinutes = requireDuration(command.durationMinutes ?? current.durationMinutes ?? 0);
        if (
          current.startsAt !== undefined &&
          Date.parse(startsAt) === Date.parse(current.startsAt) &&
          durationMinutes === current.durationMinutes
        ) {
          throw new DomainRuleViolation(
            'APPOINTMENT_RESCHEDULING_CHANGES_NOTHING',
            'Le rendez-vous est déjà à cette heure, pour cette durée.',
          );
        }
        const reason = command.reason?.trim();
        if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation('REASON_TOO_LONG', `Le motif dépasse ${MAX_REASON_LENGTH} caractères.`);
        }
        return {
          type: 'PsychologistAppointmentRescheduled',
          data: {
            appointmentId: current.appointmentId,
            previousStartsAt: current.startsAt ?? startsAt,
            startsAt,
            durationMinutes,
            ...(reason ? { reason } : {}),
          },
        };
      }
      case 'CancelPsychologistAppointment': {
        const current = requirePlanned(appointment, 'annuler');
        const reason = command.reason.trim();
        if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation(
            'APPOINTMENT_CANCELLATION_REASON_REQUIRED',
            `L’annulation d’un rendez-vous doit être motivée (${MAX_REASON_LENGTH} caractères au plus).`,
          );
        }
        return {
          type: 'PsychologistAppointmentCancelled',
          data: { appointmentId: current.appointmentId, requestedBy: command.requestedBy, reason },
        };
      }
      case 'RecordPsychologistAppointmentHeld':
      case 'RecordPsychologistAppointmentMissed': {
        const current = requirePlanned(appointment, 'clore');
        if (current.startsAt !== undefined && Date.parse(current.startsAt) > Date.parse(command.now)) {
          throw new DomainRuleViolation(
            'APPOINTMENT_NOT_YET_DUE',
            'Un rendez-vous se dit honoré ou manqué une fois son heure venue.',
            { startsAt: current.startsAt },
          );
        }
        return {
          type:
            command.type === 'RecordPsychologistAppointmentHeld'
              ? 'PsychologistAppointmentHeld'
              : 'PsychologistAppointmentMissed',
          data: { appointmentId: current.appointmentId },
        };
      }
    }
  },

  evolve(appointment, event) {
    switch (event.type) {
      case 'PsychologistAppointmentPlanned':
        if ('$erased' in event.data) {
          return {
            status: 'planned',
            appointmentId: '',
            serviceUserId: undefined,
            facilityId: undefined,
            startsAt: undefined,
            durationMinutes: undefined,
            reschedulings: 0,
          };
        }
        return {
          status: 'planned',
          appointmentId: event.data.appointmentId,
          serviceUserId: event.data.serviceUserId,
          facilityId: event.data.facilityId,
          startsAt: event.data.startsAt,
          durationMinutes: event.data.durationMinutes,
          reschedulings: 0,
        };
      case 'PsychologistAppointmentRescheduled': {
        if (appointment.status === 'none') return appointment;
        const rescheduled = '$erased' in event.data ? undefined : event.data;
        return {
          ...appointment,
          startsAt: rescheduled?.startsAt,
          durationMinutes: rescheduled?.durationMinutes,
          reschedulings: appointment.reschedulings + 1,
        };
      }
      case 'PsychologistAppointmentCancelled':
        return appointment.status === 'none' ? appointment : { ...appointment, status: 'cancelled' };
      case 'PsychologistAppointmentHeld':
        return appointment.status === 'none' ? appointment : { ...appointment, status: 'held' };
      case 'PsychologistAppointmentMissed':
        return appointment.status === 'none' ? appointment : { ...appointment, status: 'missed' };
    }
  },
};

function requirePlanned(appointment: PsychologistAppointment, verb: string) {
  if (appointment.status === 'none') {
    throw new DomainRuleViolation('APPOINTMENT_NOT_FOUND', `Aucun rendez-vous à ${verb} sous cet identifiant.`);
  }
  if (appointment.status !== 'planned') {
    throw new DomainRuleViolation(
      'APPOINTMENT_CLOSED',
      `${CLOSED_MESSAGES[appointment.status]} : impossible de le ${verb}.`,
      {
        status: appointment.status,
      },
    );
  }
  if (appointment.serviceUserId === undefined) {
    throw new DomainRuleViolation('APPOINTMENT_ERASED', 'Ce rendez-vous concerne une personne oubliée.');
  }
  return appointment;
}

function requireAhead(startsAt: string, now: string): string {
  if (!instant.safeParse(startsAt).success) {
    throw new DomainRuleViolation('APPOINTMENT_TIME_INVALID', 'Heure de rendez-vous invalide (ISO 8601 attendu).');
  }
  if (Date.parse(startsAt) < Date.parse(now)) {
    throw new DomainRuleViolation(
      'APPOINTMENT_IN_THE_PAST',
      'Un rendez-vous se planifie à venir ; un entretien déjà tenu s’enregistre comme un acte.',
      { startsAt },
    );
  }
  return startsAt;
}

function requireDuration(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < MIN_APPOINTMENT_MINUTES || minutes > MAX_APPOINTMENT_MINUTES) {
    throw new DomainRuleViolation(
      'APPOINTMENT_DURATION_INVALID',
      `La durée d’un rendez-vous est un nombre entier de minutes, de ${MIN_APPOINTMENT_MINUTES} à ${MAX_APPOINTMENT_MINUTES}.`,
      { durationMinutes: minutes },
    );
  }
  return minutes;
}
