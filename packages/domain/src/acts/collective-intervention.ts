import { DomainRuleViolation } from '../errors.js';
import type { RecordAct } from './act.js';

/**
 * A collective intervention (atelier, groupe de parole, séance de vaccination…): one act done
 * with several usagers at once. It is recorded as one act per participant, each in its own
 * stream and encrypted with its own usager's key, all sharing the intervention's id, type, time,
 * duration and note: the usager's record shows it among their acts, and reports count the
 * intervention once and its participants apart.
 */
export const MIN_INTERVENTION_PARTICIPANTS = 2;
export const MAX_INTERVENTION_PARTICIPANTS = 50;

export interface CollectiveIntervention extends Omit<RecordAct, 'type' | 'actId' | 'serviceUserId' | 'interventionId'> {
  interventionId: string;
  /** Each participant's act id, chosen by the caller like every id. */
  participants: readonly { actId: string; serviceUserId: string }[];
}

/** The `RecordAct` command of each participant, in the order given; refused as a whole when the group is not one. */
export function planCollectiveIntervention(intervention: CollectiveIntervention): RecordAct[] {
  const { interventionId, participants, ...act } = intervention;
  if (participants.length < MIN_INTERVENTION_PARTICIPANTS || participants.length > MAX_INTERVENTION_PARTICIPANTS) {
    throw new DomainRuleViolation(
      'INTERVENTION_PARTICIPANTS_COUNT',
      `Une intervention collective réunit de ${MIN_INTERVENTION_PARTICIPANTS} à ${MAX_INTERVENTION_PARTICIPANTS} usagers ; pour un seul, enregistrez un acte individuel.`,
      { participants: participants.length },
    );
  }
  const serviceUsers = new Set(participants.map((participant) => participant.serviceUserId));
  if (serviceUsers.size !== participants.length) {
    throw new DomainRuleViolation(
      'INTERVENTION_PARTICIPANT_TWICE',
      'Un usager ne participe qu’une fois à une intervention collective.',
    );
  }
  const actIds = new Set(participants.map((participant) => participant.actId));
  if (actIds.size !== participants.length || actIds.has(interventionId)) {
    throw new DomainRuleViolation(
      'INTERVENTION_ACT_IDS_NOT_DISTINCT',
      'Chaque participant a son propre identifiant d’acte, distinct de celui de l’intervention.',
    );
  }
  return participants.map(({ actId, serviceUserId }) => ({
    type: 'RecordAct',
    ...act,
    actId,
    serviceUserId,
    interventionId,
  }));
}
