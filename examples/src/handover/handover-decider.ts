import { type Decider, DomainRuleViolation } from '@dui-pds/domain';

/**
 * A handover (transmission): a note one professional leaves for the next about a usager. It is a
 * fact of its own (one stream per handover, DESIGN.md): recorded once, then only ever corrected
 * by a later event that says why, never rewritten.
 */
export type HandoverCommand =
  | { type: 'RecordHandover'; handoverId: string; serviceUserId: string; text: string }
  | { type: 'CorrectHandover'; text: string; reason: string };

export type HandoverEvent =
  | { type: 'HandoverRecorded'; data: HandoverRecorded | Erased }
  | { type: 'HandoverCorrected'; data: HandoverCorrected | Erased };

export interface HandoverRecorded {
  handoverId: string;
  serviceUserId: string;
  text: string;
}

export interface HandoverCorrected {
  text: string;
  reason: string;
}

/** What the store hands back in place of a forgotten usager's data (crypto-shredding). */
export interface Erased {
  $erased: true;
}

export type Handover =
  | { status: 'none' }
  /** `text` is undefined once the usager is forgotten. */
  | { status: 'recorded'; serviceUserId: string | undefined; text: string | undefined; corrections: number };

export const handoverDecider: Decider<HandoverCommand, HandoverEvent, Handover> = {
  initialState: () => ({ status: 'none' }),

  decide(command, handover) {
    switch (command.type) {
      case 'RecordHandover': {
        if (handover.status !== 'none') {
          throw new DomainRuleViolation('HANDOVER_ALREADY_RECORDED', 'Cette transmission est déjà enregistrée.');
        }
        const text = requireText(command.text);
        return {
          type: 'HandoverRecorded',
          data: { handoverId: command.handoverId, serviceUserId: command.serviceUserId, text },
        };
      }
      case 'CorrectHandover': {
        if (handover.status !== 'recorded') {
          throw new DomainRuleViolation('HANDOVER_NOT_FOUND', 'Aucune transmission à corriger.');
        }
        const reason = command.reason.trim();
        if (reason.length === 0) {
          throw new DomainRuleViolation('CORRECTION_REASON_REQUIRED', 'Une correction doit être motivée.');
        }
        const text = requireText(command.text);
        // Correcting to the same words records nothing: there is nothing to trace.
        if (text === handover.text) return [];
        return { type: 'HandoverCorrected', data: { text, reason } };
      }
    }
  },

  evolve(handover, event) {
    switch (event.type) {
      case 'HandoverRecorded':
        return isErased(event.data)
          ? { status: 'recorded', serviceUserId: undefined, text: undefined, corrections: 0 }
          : { status: 'recorded', serviceUserId: event.data.serviceUserId, text: event.data.text, corrections: 0 };
      case 'HandoverCorrected':
        if (handover.status !== 'recorded') return handover;
        return {
          ...handover,
          text: isErased(event.data) ? undefined : event.data.text,
          corrections: handover.corrections + 1,
        };
    }
  },
};

function requireText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new DomainRuleViolation('HANDOVER_EMPTY', 'Une transmission ne peut pas être vide.');
  return trimmed;
}

function isErased(data: object): data is Erased {
  return '$erased' in data && data.$erased === true;
}
