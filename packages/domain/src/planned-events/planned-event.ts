import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * A planned event (événement planifié) of an ESSMS: an appointment with a usager, a collective
 * activity, an outing. It is planned with its participants (usagers, professionals, partners named
 * in free text) and organised by one professional, then rescheduled, cancelled, or said to have
 * taken place; once held, the presence or absence of each participant at it is recorded.
 *
 * This is presence *at an event*. The daily attendance of a usager in the establishment
 * (`presences/`, `Attendance`) is another fact: a usager may come to the CSAPA in the morning and
 * miss the afternoon's outing, or be on an outing all day and never set foot in the premises. The
 * two are kept apart and neither is deduced from the other.
 *
 * Decisions taken here:
 * - One stream per event (`plannedEventStreamId`): its rules (an end after its start, a life
 *   planned → held or cancelled, presences only of its participants and once it was held) are
 *   rules of one event.
 * - An appointment is individual: exactly one usager. Its stream is that usager's
 *   (`plannedEventSubject`: the shell encrypts its events with the usager's key, so forgetting
 *   them forgets the appointment). A collective activity or an outing belongs to the ESSMS: its
 *   events are not encrypted (title, times, place, and the participants' identifiers, which are
 *   pseudonymous), while the presence or absence of each usager at it is that usager's and is
 *   encrypted with their key. A forgotten usager's presences then read as erased and are dropped.
 * - The accompaniment link is one usager's stay: only an event with exactly one usager takes it.
 * - Participants are fixed at planning; the organiser takes part without being listed twice.
 *   Duplicates are folded, partners' names trimmed.
 * - An event is planned or rescheduled so that it ends in the future (`now` comes with the
 *   command: the domain has no clock); it is said held once it has started. Held and cancelled are
 *   final: a new date after a cancellation is a new event.
 * - A presence is recorded once per participant; a second recording is a correction, with its
 *   reason, and must change something. A justified absence needs its reason.
 */
export const MAX_PLANNED_EVENT_HOURS = 14 * 24;
export const MAX_EVENT_USAGERS = 50;
export const MAX_EVENT_PROFESSIONALS = 30;
export const MAX_EVENT_PARTNERS = 20;
const MAX_TITLE_LENGTH = 200;
const MAX_PLACE_LENGTH = 200;
const MAX_REASON_LENGTH = 1_000;
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const reason = z.string().min(1).max(MAX_REASON_LENGTH);

export const PLANNED_EVENT_KINDS = ['appointment', 'collective-activity', 'outing'] as const;
export const plannedEventKindSchema = z.enum(PLANNED_EVENT_KINDS);
export type PlannedEventKind = z.infer<typeof plannedEventKindSchema>;
export const PLANNED_EVENT_KIND_LABELS: Readonly<Record<PlannedEventKind, string>> = {
  appointment: 'Rendez-vous',
  'collective-activity': 'Activité collective',
  outing: 'Sortie',
};

export type PlannedEventStatus = 'planned' | 'held' | 'cancelled';
export const PLANNED_EVENT_STATUS_LABELS: Readonly<Record<PlannedEventStatus, string>> = {
  planned: 'prévu',
  held: 'a eu lieu',
  cancelled: 'annulé',
};

/** Who takes part: a usager, a professional of the organisation, or a partner named in free text. */
export const eventParticipantSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('usager'), serviceUserId: id }),
  z.object({ kind: z.literal('professional'), professionalId: id }),
  z.object({ kind: z.literal('partner'), name: z.string().min(1).max(MAX_PLACE_LENGTH) }),
]);
export type EventParticipant = z.infer<typeof eventParticipantSchema>;

export const eventAttendanceSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('present') }),
  z.object({ status: z.literal('absent'), justified: z.boolean(), reason: reason.optional() }),
]);
/** Presence or absence of one participant at the event. */
export type EventAttendance = z.infer<typeof eventAttendanceSchema>;

export const plannedEventScheduledSchema = z.object({
  plannedEventId: z.uuid(),
  facilityId: id,
  kind: plannedEventKindSchema,
  title: z.string().min(1).max(MAX_TITLE_LENGTH),
  startsAt: instant,
  endsAt: instant,
  place: z.string().min(1).max(MAX_PLACE_LENGTH).optional(),
  organiserId: id,
  serviceUserIds: z.array(id).max(MAX_EVENT_USAGERS),
  professionalIds: z.array(id).max(MAX_EVENT_PROFESSIONALS),
  partners: z.array(z.string().min(1).max(MAX_PLACE_LENGTH)).max(MAX_EVENT_PARTNERS),
  accompanimentId: id.optional(),
});
export const plannedEventRescheduledSchema = z.object({
  plannedEventId: z.uuid(),
  previousStartsAt: instant,
  previousEndsAt: instant,
  startsAt: instant,
  endsAt: instant,
  place: z.string().min(1).max(MAX_PLACE_LENGTH).optional(),
  reason: reason.optional(),
});
export const plannedEventCancelledSchema = z.object({ plannedEventId: z.uuid(), reason });
export const plannedEventHeldSchema = z.object({ plannedEventId: z.uuid() });
export const plannedEventAttendanceRecordedSchema = z.object({
  plannedEventId: z.uuid(),
  participant: eventParticipantSchema,
  attendance: eventAttendanceSchema,
});
export const plannedEventAttendanceCorrectedSchema = plannedEventAttendanceRecordedSchema.extend({
  correctionReason: reason,
});

export type PlannedEventScheduled = z.infer<typeof plannedEventScheduledSchema>;
export type PlannedEventRescheduled = z.infer<typeof plannedEventRescheduledSchema>;
export type PlannedEventCancelled = z.infer<typeof plannedEventCancelledSchema>;
export type PlannedEventAttendanceRecorded = z.infer<typeof plannedEventAttendanceRecordedSchema>;
export type PlannedEventAttendanceCorrected = z.infer<typeof plannedEventAttendanceCorrectedSchema>;

/** The data of a forgotten usager's events, as the store hands them back (with that usager's id). */
export interface ErasedPlannedEventData {
  $erased: true;
  serviceUserId?: string;
}

export type PlannedEventEvent =
  | { type: 'PlannedEventScheduled'; data: PlannedEventScheduled | ErasedPlannedEventData }
  | { type: 'PlannedEventRescheduled'; data: PlannedEventRescheduled | ErasedPlannedEventData }
  | { type: 'PlannedEventCancelled'; data: PlannedEventCancelled | ErasedPlannedEventData }
  | { type: 'PlannedEventHeld'; data: { plannedEventId: string } | ErasedPlannedEventData }
  | { type: 'PlannedEventAttendanceRecorded'; data: PlannedEventAttendanceRecorded | ErasedPlannedEventData }
  | { type: 'PlannedEventAttendanceCorrected'; data: PlannedEventAttendanceCorrected | ErasedPlannedEventData };

export type PlannedEventEventType = PlannedEventEvent['type'];

export const plannedEventEventSchemas = {
  PlannedEventScheduled: plannedEventScheduledSchema,
  PlannedEventRescheduled: plannedEventRescheduledSchema,
  PlannedEventCancelled: plannedEventCancelledSchema,
  PlannedEventHeld: plannedEventHeldSchema,
  PlannedEventAttendanceRecorded: plannedEventAttendanceRecordedSchema,
  PlannedEventAttendanceCorrected: plannedEventAttendanceCorrectedSchema,
} as const;

export type PlannedEventCommand =
  | ({ type: 'SchedulePlannedEvent'; now: string } & Omit<PlannedEventScheduled, 'partners'> & {
        partners?: string[];
      })
  | { type: 'ReschedulePlannedEvent'; startsAt: string; endsAt: string; place?: string; reason?: string; now: string }
  | { type: 'CancelPlannedEvent'; reason: string }
  | { type: 'RecordPlannedEventHeld'; now: string }
  | {
      type: 'RecordPlannedEventAttendance';
      participant: EventParticipant;
      attendance: EventAttendance;
      /** Required when the participant's presence is already recorded: the command then corrects it. */
      correctionReason?: string;
    };

export type PlannedEvent =
  | { status: 'none' }
  /** Every fact of the event was its one usager's, and they were forgotten. */
  | { status: 'erased' }
  | {
      status: PlannedEventStatus;
      plannedEventId: string;
      facilityId: string;
      kind: PlannedEventKind;
      startsAt: string;
      endsAt: string;
      place: string | undefined;
      organiserId: string;
      serviceUserIds: readonly string[];
      professionalIds: readonly string[];
      partners: readonly string[];
      accompanimentId: string | undefined;
      /** By `participantKey`. A forgotten usager's presence is dropped. */
      attendances: Readonly<Record<string, EventAttendance>>;
    };

/** One stream per event; the organisation escaped, so that no two tenants share one. */
export function plannedEventStreamId(organisationId: string, plannedEventId: string): string {
  return `planned-event/${encodeURIComponent(organisationId)}/${plannedEventId}`;
}

/** A participant as one string: how presences are keyed. */
export function participantKey(participant: EventParticipant): string {
  switch (participant.kind) {
    case 'usager':
      return `usager:${participant.serviceUserId}`;
    case 'professional':
      return `professional:${participant.professionalId}`;
    case 'partner':
      return `partner:${participant.name}`;
  }
}

/**
 * The usager whose key encrypts the event's stream: the one usager of an appointment; none for a
 * collective activity or an outing, whose usagers' presences are each encrypted with their own.
 */
export function plannedEventSubject(event: {
  kind: PlannedEventKind;
  serviceUserIds: readonly string[];
}): string | undefined {
  return event.kind === 'appointment' ? event.serviceUserIds[0] : undefined;
}

/** Every participant of an event, the organiser first. */
export function participantsOf(event: {
  organiserId: string;
  serviceUserIds: readonly string[];
  professionalIds: readonly string[];
  partners: readonly string[];
}): EventParticipant[] {
  return [
    { kind: 'professional', professionalId: event.organiserId },
    ...event.professionalIds.map((professionalId): EventParticipant => ({ kind: 'professional', professionalId })),
    ...event.serviceUserIds.map((serviceUserId): EventParticipant => ({ kind: 'usager', serviceUserId })),
    ...event.partners.map((name): EventParticipant => ({ kind: 'partner', name })),
  ];
}

export const plannedEventDecider: Decider<PlannedEventCommand, PlannedEventEvent, PlannedEvent> = {
  initialState: () => ({ status: 'none' }),

  decide(command, event) {
    switch (command.type) {
      case 'SchedulePlannedEvent': {
        if (event.status !== 'none') {
          throw new DomainRuleViolation(
            'PLANNED_EVENT_ALREADY_SCHEDULED',
            'Un événement est déjà planifié sous cet identifiant.',
            { plannedEventId: command.plannedEventId },
          );
        }
        const title = requireText(command.title, MAX_TITLE_LENGTH, 'PLANNED_EVENT_TITLE_REQUIRED', 'L’intitulé');
        const { startsAt, endsAt } = requireTimes(command.startsAt, command.endsAt, command.now);
        const place = optionalPlace(command.place);
        const organiserId = command.organiserId;
        const serviceUserIds = distinct(command.serviceUserIds);
        const professionalIds = distinct(command.professionalIds).filter((id) => id !== organiserId);
        const partners = distinct((command.partners ?? []).map((name) => name.trim()).filter((name) => name !== ''));
        requireAtMost(serviceUserIds.length, MAX_EVENT_USAGERS, 'usagers');
        requireAtMost(professionalIds.length, MAX_EVENT_PROFESSIONALS, 'professionnels');
        requireAtMost(partners.length, MAX_EVENT_PARTNERS, 'partenaires');
        if (partners.some((name) => name.length > MAX_PLACE_LENGTH)) {
          throw new DomainRuleViolation(
            'PLANNED_EVENT_PARTNER_TOO_LONG',
            `Le nom d’un partenaire dépasse ${MAX_PLACE_LENGTH} caractères.`,
          );
        }
        if (serviceUserIds.length + professionalIds.length + partners.length === 0) {
          throw new DomainRuleViolation(
            'PLANNED_EVENT_WITHOUT_PARTICIPANT',
            'Un événement planifié réunit au moins un participant en plus de son organisateur.',
          );
        }
        if (command.kind === 'appointment' && serviceUserIds.length !== 1) {
          throw new DomainRuleViolation(
            'APPOINTMENT_NEEDS_ONE_USAGER',
            'Un rendez-vous concerne un usager et un seul ; plusieurs usagers se retrouvent dans une activité collective.',
            { usagers: serviceUserIds.length },
          );
        }
        if (command.accompanimentId !== undefined && serviceUserIds.length !== 1) {
          throw new DomainRuleViolation(
            'ACCOMPANIMENT_LINK_NEEDS_ONE_USAGER',
            'Seul un événement qui concerne un usager et un seul se rattache à son accompagnement.',
          );
        }
        return {
          type: 'PlannedEventScheduled',
          data: {
            plannedEventId: command.plannedEventId,
            facilityId: command.facilityId,
            kind: command.kind,
            title,
            startsAt,
            endsAt,
            ...(place ? { place } : {}),
            organiserId,
            serviceUserIds,
            professionalIds,
            partners,
            ...(command.accompanimentId === undefined ? {} : { accompanimentId: command.accompanimentId }),
          },
        };
      }
      case 'ReschedulePlannedEvent': {
        const current = requirePlanned(event, 'déplacer');
        const { startsAt, endsAt } = requireTimes(command.startsAt, command.endsAt, command.now);
        const place = optionalPlace(command.place);
        const moved =
          Date.parse(startsAt) !== Date.parse(current.startsAt) || Date.parse(endsAt) !== Date.parse(current.endsAt);
        if (!moved && (place === undefined || place === current.place)) {
          throw new DomainRuleViolation(
            'PLANNED_EVENT_RESCHEDULING_CHANGES_NOTHING',
            'L’événement est déjà prévu à ces heures, en ce lieu.',
          );
        }
        const why = command.reason?.trim();
        if (why !== undefined && why.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation('REASON_TOO_LONG', `Le motif dépasse ${MAX_REASON_LENGTH} caractères.`);
        }
        return {
          type: 'PlannedEventRescheduled',
          data: {
            plannedEventId: current.plannedEventId,
            previousStartsAt: current.startsAt,
            previousEndsAt: current.endsAt,
            startsAt,
            endsAt,
            ...(place ? { place } : {}),
            ...(why ? { reason: why } : {}),
          },
        };
      }
      case 'CancelPlannedEvent': {
        const current = requirePlanned(event, 'annuler');
        const why = requireText(
          command.reason,
          MAX_REASON_LENGTH,
          'PLANNED_EVENT_CANCELLATION_REASON_REQUIRED',
          'Le motif de l’annulation',
        );
        return { type: 'PlannedEventCancelled', data: { plannedEventId: current.plannedEventId, reason: why } };
      }
      case 'RecordPlannedEventHeld': {
        const current = requirePlanned(event, 'dire tenu');
        if (Date.parse(current.startsAt) > Date.parse(command.now)) {
          throw new DomainRuleViolation(
            'PLANNED_EVENT_NOT_YET_STARTED',
            'Un événement se dit tenu une fois commencé.',
            { startsAt: current.startsAt },
          );
        }
        return { type: 'PlannedEventHeld', data: { plannedEventId: current.plannedEventId } };
      }
      case 'RecordPlannedEventAttendance': {
        const current = requireExisting(event, 'noter une présence à');
        if (current.status !== 'held') {
          throw new DomainRuleViolation(
            'PLANNED_EVENT_NOT_HELD',
            current.status === 'cancelled'
              ? 'Cet événement a été annulé : personne n’y était attendu.'
              : 'Les présences se notent une fois l’événement tenu : dites d’abord qu’il a eu lieu.',
            { status: current.status },
          );
        }
        const participant = normalisedParticipant(command.participant);
        const key = participantKey(participant);
        if (!participantsOf(current).some((candidate) => participantKey(candidate) === key)) {
          throw new DomainRuleViolation('NOT_A_PARTICIPANT', 'Cette personne ne participe pas à cet événement.', {
            participant: participant.kind,
          });
        }
        const attendance = normalisedAttendance(command.attendance);
        const previous = current.attendances[key];
        const data = { plannedEventId: current.plannedEventId, participant, attendance };
        if (previous === undefined) return { type: 'PlannedEventAttendanceRecorded', data };
        const correctionReason = command.correctionReason?.trim() ?? '';
        if (correctionReason === '' || correctionReason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation(
            'ATTENDANCE_CORRECTION_REASON_REQUIRED',
            `La présence de ce participant est déjà notée : la corriger demande un motif (${MAX_REASON_LENGTH} caractères au plus).`,
          );
        }
        if (sameAttendance(previous, attendance)) {
          throw new DomainRuleViolation(
            'ATTENDANCE_CORRECTION_CHANGES_NOTHING',
            'La présence de ce participant est déjà notée ainsi.',
          );
        }
        return { type: 'PlannedEventAttendanceCorrected', data: { ...data, correctionReason } };
      }
    }
  },

  evolve(event, recorded) {
    switch (recorded.type) {
      case 'PlannedEventScheduled': {
        if ('$erased' in recorded.data) return { status: 'erased' };
        const { title: _, ...data } = recorded.data;
        return {
          status: 'planned',
          plannedEventId: data.plannedEventId,
          facilityId: data.facilityId,
          kind: data.kind,
          startsAt: data.startsAt,
          endsAt: data.endsAt,
          place: data.place,
          organiserId: data.organiserId,
          serviceUserIds: [...data.serviceUserIds],
          professionalIds: [...data.professionalIds],
          partners: [...data.partners],
          accompanimentId: data.accompanimentId,
          attendances: {},
        };
      }
      case 'PlannedEventRescheduled': {
        if (event.status === 'none' || event.status === 'erased' || '$erased' in recorded.data) return event;
        const { startsAt, endsAt, place } = recorded.data;
        return { ...event, startsAt, endsAt, place: place ?? event.place };
      }
      case 'PlannedEventCancelled':
        if (event.status === 'none' || event.status === 'erased') return event;
        return { ...event, status: 'cancelled' };
      case 'PlannedEventHeld':
        if (event.status === 'none' || event.status === 'erased') return event;
        return { ...event, status: 'held' };
      case 'PlannedEventAttendanceRecorded':
      case 'PlannedEventAttendanceCorrected': {
        if (event.status === 'none' || event.status === 'erased') return event;
        if ('$erased' in recorded.data) {
          // a usager of a collective event was forgotten: what was said of them goes with them
          const forgotten = recorded.data.serviceUserId;
          if (forgotten === undefined) return event;
          const { [participantKey({ kind: 'usager', serviceUserId: forgotten })]: _, ...others } = event.attendances;
          return { ...event, attendances: others };
        }
        const key = participantKey(recorded.data.participant);
        return { ...event, attendances: { ...event.attendances, [key]: recorded.data.attendance } };
      }
    }
  },
};

type ExistingEvent = Extract<PlannedEvent, { plannedEventId: string }>;

function requireExisting(event: PlannedEvent, verb: string): ExistingEvent {
  if (event.status === 'none') {
    throw new DomainRuleViolation('PLANNED_EVENT_NOT_FOUND', `Aucun événement à ${verb} sous cet identifiant.`);
  }
  if (event.status === 'erased') {
    throw new DomainRuleViolation('PLANNED_EVENT_ERASED', 'Cet événement concerne une personne oubliée.');
  }
  return event;
}

function requirePlanned(event: PlannedEvent, verb: string): ExistingEvent {
  const current = requireExisting(event, verb);
  if (current.status !== 'planned') {
    throw new DomainRuleViolation(
      'PLANNED_EVENT_CLOSED',
      current.status === 'held'
        ? `Cet événement a eu lieu : impossible de le ${verb}.`
        : `Cet événement a été annulé : impossible de le ${verb}.`,
      { status: current.status },
    );
  }
  return current;
}

function requireTimes(startsAt: string, endsAt: string, now: string): { startsAt: string; endsAt: string } {
  if (!instant.safeParse(startsAt).success || !instant.safeParse(endsAt).success) {
    throw new DomainRuleViolation(
      'PLANNED_EVENT_TIME_INVALID',
      'Heure de début ou de fin invalide (ISO 8601 avec fuseau attendu).',
    );
  }
  const start = Date.parse(startsAt);
  const end = Date.parse(endsAt);
  if (end <= start) {
    throw new DomainRuleViolation('PLANNED_EVENT_ENDS_BEFORE_START', 'Un événement finit après avoir commencé.', {
      startsAt,
      endsAt,
    });
  }
  if (end - start > MAX_PLANNED_EVENT_HOURS * 3_600_000) {
    throw new DomainRuleViolation(
      'PLANNED_EVENT_TOO_LONG',
      `Un événement dure au plus ${MAX_PLANNED_EVENT_HOURS / 24} jours.`,
      { startsAt, endsAt },
    );
  }
  if (end <= Date.parse(now)) {
    throw new DomainRuleViolation(
      'PLANNED_EVENT_IN_THE_PAST',
      'Un événement se planifie à venir ; ce qui a déjà été fait s’enregistre comme un acte.',
      { endsAt },
    );
  }
  return { startsAt, endsAt };
}

function requireText(text: string, max: number, code: string, what: string): string {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > max) {
    throw new DomainRuleViolation(code, `${what} est obligatoire (${max} caractères au plus).`);
  }
  return trimmed;
}

function optionalPlace(place: string | undefined): string | undefined {
  const trimmed = place?.trim();
  if (trimmed !== undefined && trimmed.length > MAX_PLACE_LENGTH) {
    throw new DomainRuleViolation('PLANNED_EVENT_PLACE_TOO_LONG', `Le lieu dépasse ${MAX_PLACE_LENGTH} caractères.`);
  }
  return trimmed === '' ? undefined : trimmed;
}

function requireAtMost(count: number, max: number, what: string): void {
  if (count > max) {
    throw new DomainRuleViolation('PLANNED_EVENT_TOO_MANY_PARTICIPANTS', `Pas plus de ${max} ${what} par événement.`, {
      max,
    });
  }
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function normalisedParticipant(participant: EventParticipant): EventParticipant {
  return participant.kind === 'partner' ? { kind: 'partner', name: participant.name.trim() } : participant;
}

function normalisedAttendance(attendance: EventAttendance): EventAttendance {
  if (attendance.status === 'present') return { status: 'present' };
  const why = attendance.reason?.trim();
  if (why !== undefined && why.length > MAX_REASON_LENGTH) {
    throw new DomainRuleViolation('REASON_TOO_LONG', `Le motif dépasse ${MAX_REASON_LENGTH} caractères.`);
  }
  if (attendance.justified && !why) {
    throw new DomainRuleViolation('JUSTIFIED_ABSENCE_NEEDS_REASON', 'Une absence justifiée doit dire son motif.');
  }
  return { status: 'absent', justified: attendance.justified, ...(why ? { reason: why } : {}) };
}

function sameAttendance(a: EventAttendance, b: EventAttendance): boolean {
  if (a.status === 'present' || b.status === 'present') return a.status === b.status;
  return a.justified === b.justified && a.reason === b.reason;
}
