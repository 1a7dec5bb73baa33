import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type SensitivityClass, sensitivityClassSchema } from '../habilitations/index.js';

/**
 * A handover: a note passed between professionals about a usager, addressed to a team of the
 * ESSMS (the care team, the social team...), optionally about an event of the record. Its
 * category says what it is about and decides its sensitivity class, hence who may read it.
 * One stream per handover: recorded once, corrected with a reason, and marked read by each
 * professional who read it (the "unread by me" of the feed).
 */
const MAX_HANDOVER_LENGTH = 20_000;

export const HANDOVER_CATEGORIES = ['soins', 'social', 'educatif', 'administratif', 'psychologique'] as const;
export type HandoverCategory = (typeof HANDOVER_CATEGORIES)[number];
export const handoverCategorySchema = z.enum(HANDOVER_CATEGORIES);

/** What a category is about, as the access policy classes it: care is medical, education is social. */
export const HANDOVER_SENSITIVITIES: Readonly<Record<HandoverCategory, SensitivityClass>> = {
  soins: 'medical',
  social: 'social',
  educatif: 'social',
  administratif: 'administrative',
  psychologique: 'psychological',
};

export function handoverSensitivity(category: HandoverCategory): SensitivityClass {
  return HANDOVER_SENSITIVITIES[category];
}

const instant = z.iso.datetime({ offset: true });

export const handoverRecordedSchema = z.object({
  handoverId: z.uuid(),
  serviceUserId: z.string().min(1).max(200),
  facilityId: z.string().min(1).max(200),
  category: handoverCategorySchema,
  /** Decided from the category when recorded: what the policy applies to it for good. */
  sensitivity: sensitivityClassSchema,
  /** The team it is addressed to, e.g. `equipe-soins`. */
  targetTeam: z.string().min(1).max(200),
  text: z.string().min(1).max(MAX_HANDOVER_LENGTH),
  occurredAt: instant,
  /** The event of the record it is about, if any. */
  linkedEventId: z.uuid().optional(),
});
export const handoverCorrectedSchema = z.object({
  text: z.string().min(1).max(MAX_HANDOVER_LENGTH),
  reason: z.string().min(1).max(1_000),
});
export const handoverReadSchema = z.object({
  professionalId: z.string().min(1).max(200),
  readAt: instant,
});

export type HandoverRecorded = z.infer<typeof handoverRecordedSchema>;
export type HandoverCorrected = z.infer<typeof handoverCorrectedSchema>;
export type HandoverRead = z.infer<typeof handoverReadSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedHandover {
  $erased: true;
}

export type HandoverEvent =
  | { type: 'HandoverRecorded'; data: HandoverRecorded | ErasedHandover }
  | { type: 'HandoverCorrected'; data: HandoverCorrected | ErasedHandover }
  | { type: 'HandoverRead'; data: HandoverRead | ErasedHandover };

export type HandoverEventType = HandoverEvent['type'];

export const handoverEventSchemas = {
  HandoverRecorded: handoverRecordedSchema,
  HandoverCorrected: handoverCorrectedSchema,
  HandoverRead: handoverReadSchema,
} as const;

export type HandoverCommand =
  | ({ type: 'RecordHandover' } & Omit<HandoverRecorded, 'sensitivity'>)
  | ({ type: 'CorrectHandover' } & HandoverCorrected)
  | ({ type: 'MarkHandoverRead' } & HandoverRead);

export type Handover =
  | { status: 'none' }
  | {
      status: 'recorded';
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      category: HandoverCategory | undefined;
      sensitivity: SensitivityClass | undefined;
      corrections: number;
      /** The professionals who marked it read. */
      readBy: readonly string[];
    };

export const handoverDecider: Decider<HandoverCommand, HandoverEvent, Handover> = {
  initialState: () => ({ status: 'none' }),

  decide(command, handover) {
    switch (command.type) {
      case 'RecordHandover': {
        if (handover.status !== 'none') {
          throw new DomainRuleViolation('HANDOVER_ALREADY_RECORDED', 'Cette transmission existe déjà.');
        }
        const { type: _, linkedEventId, ...data } = command;
        return {
          type: 'HandoverRecorded',
          data: {
            ...data,
            sensitivity: handoverSensitivity(data.category),
            targetTeam: requireTeam(data.targetTeam),
            text: requireText(data.text),
            ...(linkedEventId === undefined ? {} : { linkedEventId }),
          },
        };
      }
      case 'CorrectHandover': {
        if (handover.status !== 'recorded') {
          throw new DomainRuleViolation('HANDOVER_NOT_FOUND', 'Aucune transmission à corriger.');
        }
        const reason = command.reason.trim();
        if (reason.length === 0) {
          throw new DomainRuleViolation(
            'CORRECTION_REASON_REQUIRED',
            'Une correction de transmission doit être motivée.',
          );
        }
        return { type: 'HandoverCorrected', data: { text: requireText(command.text), reason } };
      }
      case 'MarkHandoverRead': {
        if (handover.status !== 'recorded') {
          throw new DomainRuleViolation('HANDOVER_NOT_FOUND', 'Aucune transmission à marquer comme lue.');
        }
        // read once is read: marking it again records nothing
        if (handover.readBy.includes(command.professionalId)) return [];
        return { type: 'HandoverRead', data: { professionalId: command.professionalId, readAt: command.readAt } };
      }
    }
  },

  evolve(handover, event) {
    switch (event.type) {
      case 'HandoverRecorded':
        return {
          status: 'recorded',
          serviceUserId: 'serviceUserId' in event.data ? event.data.serviceUserId : undefined,
          facilityId: 'facilityId' in event.data ? event.data.facilityId : undefined,
          category: 'category' in event.data ? event.data.category : undefined,
          sensitivity: 'sensitivity' in event.data ? event.data.sensitivity : undefined,
          corrections: 0,
          readBy: [],
        };
      case 'HandoverCorrected':
        return handover.status === 'recorded' ? { ...handover, corrections: handover.corrections + 1 } : handover;
      case 'HandoverRead':
        if (handover.status !== 'recorded' || !('professionalId' in event.data)) return handover;
        return { ...handover, readBy: [...handover.readBy, event.data.professionalId] };
    }
  },
};

/** Handovers live in streams `handover/<organisation>/<handoverId>`: an id is one organisation's. */
export function handoverStreamId(organisationId: string, handoverId: string): string {
  return `handover/${encodeURIComponent(organisationId)}/${handoverId}`;
}

function requireText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) {
    throw new DomainRuleViolation('HANDOVER_TEXT_REQUIRED', 'Le texte de la transmission est vide.');
  }
  return trimmed;
}

function requireTeam(team: string): string {
  const trimmed = team.trim();
  if (trimmed.length === 0) {
    throw new DomainRuleViolation('HANDOVER_TEAM_REQUIRED', 'Indiquez l’équipe à qui la transmission est destinée.');
  }
  return trimmed;
}
