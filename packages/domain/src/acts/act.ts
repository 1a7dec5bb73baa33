import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { ROLE_LABELS, type Role, roleSchema } from '../habilitations/roles.js';
import { type SensitivityClass, sensitivityClassSchema } from '../habilitations/sensitivity.js';
import { actTypeCodeSchema, type CatalogueEntry } from './act-catalogue.js';

/**
 * An act or intervention (acte, intervention) done for or with a usager: who did it and as what
 * profession, when, what (a type of the organisation's catalogue), for whom, how long, in which
 * ESSMS, and an optional note. Acts feed the usager's record and the activity reports (acts by
 * profession, screening, TSO).
 *
 * Decisions taken here:
 * - One stream per act and usager (`actStreamId`): an act is a fact without cross-invariants
 *   (DESIGN.md), and its data is encrypted with its usager's key, so it is about one usager only.
 *   A collective intervention (`planCollectiveIntervention`) is one act per participant sharing
 *   an `interventionId`: forgetting one participant erases their act and spares the others'.
 * - The act copies its type (code, label, class) from the catalogue when recorded: a later change
 *   of the catalogue never changes what a past act says, nor who may read it.
 * - The profession the act is recorded under must be one the type allows; the shell checks the
 *   professional holds it.
 * - Never edited: a correction (time, duration, note) or a cancellation (recorded in error, wrong
 *   usager) is a later event with its reason. The type and the usager are not corrected: cancel and
 *   record again. A cancelled act takes no further event.
 * - Acts are dated when done, never in the future: the command brings `now`, the domain has no clock.
 * - An act may be done with partners of the usager (entries of their directory: the GP, the SPIP,
 *   an association), whose names it copies when recorded, as it copies its type.
 */
export const MAX_ACT_DURATION_MINUTES = 24 * 60;
export const MAX_ACT_NOTE_LENGTH = 4_000;
export const MAX_ACT_PARTNERS = 10;
const MAX_REASON_LENGTH = 1_000;
/** Clocks of workstations drift: an act dated this far ahead of the server's time is accepted. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });

export const actRecordedSchema = z.object({
  actId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  actType: z.object({
    code: actTypeCodeSchema,
    label: z.string().min(1).max(200),
    sensitivity: sensitivityClassSchema,
  }),
  performedBy: z.object({ professionalId: id, profession: roleSchema }),
  performedAt: instant,
  durationMinutes: z.int().min(1).max(MAX_ACT_DURATION_MINUTES),
  note: z.string().min(1).max(MAX_ACT_NOTE_LENGTH).optional(),
  /** The collective intervention it is part of, if any. */
  interventionId: z.uuid().optional(),
  /** The partners it was done with (entries of the usager's directory), their names as they were then. */
  partners: z
    .array(z.object({ entryId: z.uuid(), name: z.string().min(1).max(200) }))
    .min(1)
    .max(MAX_ACT_PARTNERS)
    .optional(),
});
export const actCorrectedSchema = z.object({
  actId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
  performedAt: instant.optional(),
  durationMinutes: z.int().min(1).max(MAX_ACT_DURATION_MINUTES).optional(),
  note: z.string().min(1).max(MAX_ACT_NOTE_LENGTH).optional(),
});
export const actCancelledSchema = z.object({ actId: z.uuid(), reason: z.string().min(1).max(MAX_REASON_LENGTH) });

export type ActRecorded = z.infer<typeof actRecordedSchema>;
export type ActCorrected = z.infer<typeof actCorrectedSchema>;
export type ActCancelled = z.infer<typeof actCancelledSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedActData {
  $erased: true;
}

export type ActEvent =
  | { type: 'ActRecorded'; data: ActRecorded | ErasedActData }
  | { type: 'ActCorrected'; data: ActCorrected | ErasedActData }
  | { type: 'ActCancelled'; data: ActCancelled | ErasedActData };

export type ActEventType = ActEvent['type'];

export const actEventSchemas = {
  ActRecorded: actRecordedSchema,
  ActCorrected: actCorrectedSchema,
  ActCancelled: actCancelledSchema,
} as const;

export interface RecordAct {
  type: 'RecordAct';
  actId: string;
  serviceUserId: string;
  facilityId: string;
  /** The catalogue's entry for the code asked, as the shell found it. */
  actType: CatalogueEntry;
  performedBy: { professionalId: string; profession: Role };
  performedAt: string;
  durationMinutes: number;
  note?: string;
  interventionId?: string;
  /** The partners from the usager's directory it was done with, as the shell found them. */
  partners?: readonly { entryId: string; name: string }[];
  /** The time of the decision, to refuse acts dated in the future. */
  now: string;
}

export type ActCommand =
  | RecordAct
  | {
      type: 'CorrectAct';
      reason: string;
      performedAt?: string;
      durationMinutes?: number;
      note?: string;
      now: string;
    }
  | { type: 'CancelAct'; reason: string };

export type Act =
  | { status: 'none' }
  | {
      status: 'recorded' | 'cancelled';
      actId: string;
      /** Undefined once the usager was forgotten. */
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      actTypeCode: string | undefined;
      sensitivity: SensitivityClass | undefined;
      profession: Role | undefined;
      performedAt: string | undefined;
      durationMinutes: number | undefined;
      note: string | undefined;
      corrections: number;
    };

/** One stream per act; the organisation escaped, so that no two tenants share one. */
export function actStreamId(organisationId: string, actId: string): string {
  return `act/${encodeURIComponent(organisationId)}/${actId}`;
}

export const actDecider: Decider<ActCommand, ActEvent, Act> = {
  initialState: () => ({ status: 'none' }),

  decide(command, act) {
    switch (command.type) {
      case 'RecordAct': {
        if (act.status !== 'none') {
          throw new DomainRuleViolation('ACT_ALREADY_RECORDED', 'Cet acte est déjà enregistré sous cet identifiant.', {
            actId: command.actId,
          });
        }
        return { type: 'ActRecorded', data: recordedData(command) };
      }
      case 'CorrectAct': {
        const current = requireRecorded(act, 'corriger');
        const reason = requireReason(command.reason, 'ACT_CORRECTION_REASON_REQUIRED', 'La correction d’un acte');
        const changes: Pick<ActCorrected, 'performedAt' | 'durationMinutes' | 'note'> = {};
        if (command.performedAt !== undefined && command.performedAt !== current.performedAt) {
          changes.performedAt = requirePast(command.performedAt, command.now);
        }
        if (command.durationMinutes !== undefined && command.durationMinutes !== current.durationMinutes) {
          changes.durationMinutes = requireDuration(command.durationMinutes);
        }
        const note = command.note === undefined ? undefined : optionalNote(command.note);
        if (note !== undefined && note !== current.note) changes.note = note;
        if (Object.keys(changes).length === 0) {
          throw new DomainRuleViolation(
            'ACT_CORRECTION_CHANGES_NOTHING',
            'Cette correction ne change rien à l’acte : indiquez l’heure, la durée ou la note corrigée.',
          );
        }
        return { type: 'ActCorrected', data: { actId: current.actId, reason, ...changes } };
      }
      case 'CancelAct': {
        const current = requireRecorded(act, 'annuler');
        const reason = requireReason(command.reason, 'ACT_CANCELLATION_REASON_REQUIRED', 'L’annulation d’un acte');
        return { type: 'ActCancelled', data: { actId: current.actId, reason } };
      }
    }
  },

  evolve(act, event) {
    switch (event.type) {
      case 'ActRecorded': {
        if ('$erased' in event.data) {
          return {
            status: 'recorded',
            actId: '',
            serviceUserId: undefined,
            facilityId: undefined,
            actTypeCode: undefined,
            sensitivity: undefined,
            profession: undefined,
            performedAt: undefined,
            durationMinutes: undefined,
            note: undefined,
            corrections: 0,
          };
        }
        const data = event.data;
        return {
          status: 'recorded',
          actId: data.actId,
          serviceUserId: data.serviceUserId,
          facilityId: data.facilityId,
          actTypeCode: data.actType.code,
          sensitivity: data.actType.sensitivity,
          profession: data.performedBy.profession,
          performedAt: data.performedAt,
          durationMinutes: data.durationMinutes,
          note: data.note,
          corrections: 0,
        };
      }
      case 'ActCorrected': {
        if (act.status === 'none') return act;
        if ('$erased' in event.data) return { ...act, corrections: act.corrections + 1 };
        const { performedAt, durationMinutes, note } = event.data;
        return {
          ...act,
          performedAt: performedAt ?? act.performedAt,
          durationMinutes: durationMinutes ?? act.durationMinutes,
          note: note ?? act.note,
          corrections: act.corrections + 1,
        };
      }
      case 'ActCancelled':
        return act.status === 'none' ? act : { ...act, status: 'cancelled' };
    }
  },
};

function recordedData(command: RecordAct): ActRecorded {
  const { actType, performedBy } = command;
  if (actType.retired) {
    throw new DomainRuleViolation(
      'ACT_TYPE_RETIRED',
      `Le type d’acte « ${actType.label} » est retiré du catalogue : il ne s’enregistre plus.`,
      { code: actType.code },
    );
  }
  if (!actType.professions.includes(performedBy.profession)) {
    throw new DomainRuleViolation(
      'ACT_NOT_FOR_PROFESSION',
      `« ${actType.label} » est un acte de : ${actType.professions.map((role) => ROLE_LABELS[role]).join(', ')} ; pas de ${ROLE_LABELS[performedBy.profession]}.`,
      { code: actType.code, profession: performedBy.profession, professions: actType.professions },
    );
  }
  const note = command.note === undefined ? undefined : optionalNote(command.note);
  return {
    actId: command.actId,
    serviceUserId: command.serviceUserId,
    facilityId: command.facilityId,
    actType: { code: actType.code, label: actType.label, sensitivity: actType.sensitivity },
    performedBy: { professionalId: performedBy.professionalId, profession: performedBy.profession },
    performedAt: requirePast(command.performedAt, command.now),
    durationMinutes: requireDuration(command.durationMinutes),
    ...(note === undefined ? {} : { note }),
    ...(command.interventionId === undefined ? {} : { interventionId: command.interventionId }),
    ...actPartners(command.partners),
  };
}

/**
 * An act done with partners of the usager (an accompaniment to hospital, a meeting with the SPIP):
 * each named once, at most `MAX_ACT_PARTNERS`. No partner: the key is left out.
 */
function actPartners(partners: RecordAct['partners']): Pick<ActRecorded, 'partners'> {
  if (partners === undefined || partners.length === 0) return {};
  if (partners.length > MAX_ACT_PARTNERS) {
    throw new DomainRuleViolation('ACT_TOO_MANY_PARTNERS', `Pas plus de ${MAX_ACT_PARTNERS} partenaires par acte.`);
  }
  if (new Set(partners.map((partner) => partner.entryId)).size !== partners.length) {
    throw new DomainRuleViolation('ACT_PARTNER_TWICE', 'Un même partenaire est cité deux fois pour cet acte.');
  }
  return { partners: partners.map(({ entryId, name }) => ({ entryId, name })) };
}

function requireRecorded(act: Act, verb: string) {
  if (act.status === 'none') {
    throw new DomainRuleViolation('ACT_NOT_FOUND', `Aucun acte à ${verb} sous cet identifiant.`);
  }
  if (act.status === 'cancelled') {
    throw new DomainRuleViolation('ACT_CANCELLED', `Cet acte a été annulé : impossible de le ${verb}.`);
  }
  if (act.serviceUserId === undefined) {
    throw new DomainRuleViolation('ACT_ERASED', 'Cet acte concerne une personne oubliée.');
  }
  return act;
}

function requireReason(text: string, code: string, what: string): string {
  const reason = text.trim();
  if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw new DomainRuleViolation(code, `${what} doit être motivée (${MAX_REASON_LENGTH} caractères au plus).`);
  }
  return reason;
}

function requireDuration(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_ACT_DURATION_MINUTES) {
    throw new DomainRuleViolation(
      'ACT_DURATION_INVALID',
      'La durée d’un acte est un nombre entier de minutes, de 1 à 1 440 (24 heures).',
      { durationMinutes: minutes },
    );
  }
  return minutes;
}

function requirePast(performedAt: string, now: string): string {
  if (!instant.safeParse(performedAt).success) {
    throw new DomainRuleViolation('ACT_TIME_INVALID', 'Heure de l’acte invalide (date et heure ISO 8601 attendues).');
  }
  if (Date.parse(performedAt) > Date.parse(now) + FUTURE_TOLERANCE_MS) {
    throw new DomainRuleViolation(
      'ACT_IN_FUTURE',
      'Un acte s’enregistre une fois réalisé : il ne peut pas être daté dans le futur.',
      {
        performedAt,
      },
    );
  }
  return performedAt;
}

/** A note trimmed; an empty one is no note. */
function optionalNote(text: string): string | undefined {
  const note = text.trim();
  if (note.length === 0) return undefined;
  if (note.length > MAX_ACT_NOTE_LENGTH) {
    throw new DomainRuleViolation('ACT_NOTE_TOO_LONG', `La note d’un acte dépasse ${MAX_ACT_NOTE_LENGTH} caractères.`, {
      maxLength: MAX_ACT_NOTE_LENGTH,
    });
  }
  return note;
}
