import { DomainRuleViolation } from '../errors.js';
import { frenchDay } from '../retention/retention-checks.js';

/** The exit that ended an accompaniment (or the last one of a usager in an ESSMS): its day and reason. */
export interface AccompanimentEnd {
  exitDay: string;
  exitReason: string;
}

/**
 * What an ended accompaniment no longer takes after its exit day, each with what staff are told.
 * The rest stays open after an exit: correcting what was recorded up to the exit, closing the
 * contract, evaluating the project's objectives, cancelling what was planned, the follow-up owed
 * after the exit, and everything the record keeps (it is archived later, not closed by the exit).
 */
const NO_LONGER_AFTER_EXIT = {
  dispensation: 'cette prescription ne se délivre plus.',
  attendance: 'aucune présence ni absence ne s’enregistre après ce jour.',
  'stay-contract':
    'son contrat de séjour ou DIPC ne se rédige, ne se remet, ne se signe ni ne se révise plus après ce jour : ' +
    'il ne reste qu’à le clore.',
  'personalised-project':
    'son projet personnalisé ne s’ouvre ni ne se valide plus après ce jour ; ses objectifs s’évaluent encore.',
  'planned-event': 'aucun rendez-vous ni aucune activité ne se planifie plus dans cet accompagnement après ce jour.',
} as const;
export type ActEndedWithAccompaniment = keyof typeof NO_LONGER_AFTER_EXIT;

/**
 * Whether `act`, dated `day`, comes after the end of the accompaniment: an exit recorded, and
 * passed (the exit day itself is still a day of the accompaniment, whose last acts are often
 * recorded then). A new accompaniment, after a new admission, has its own id and no exit.
 */
export function accompanimentEndedRefusal(
  end: AccompanimentEnd | undefined,
  day: string,
  act: ActEndedWithAccompaniment,
): DomainRuleViolation | undefined {
  if (end === undefined || day <= end.exitDay) return undefined;
  return new DomainRuleViolation(
    'ACCOMPANIMENT_ENDED',
    `L’accompagnement de cet usager dans l’établissement a pris fin le ${frenchDay(end.exitDay)} : ` +
      NO_LONGER_AFTER_EXIT[act],
    { exitDay: end.exitDay, exitReason: end.exitReason },
  );
}

/**
 * Whether an act is refused because the usager died (`deathDay`, the day of the exit recorded
 * with the reason `death`): every act of the kind, or, for an act dated `actDay`, one dated after
 * the death (what happened up to it may still be recorded late). `consequence` says what no
 * longer happens, in French.
 */
export function usagerDeceasedRefusal(
  deathDay: string | undefined,
  consequence: string,
  actDay?: string,
): DomainRuleViolation | undefined {
  if (deathDay === undefined || (actDay !== undefined && actDay <= deathDay)) return undefined;
  return new DomainRuleViolation(
    'USAGER_DECEASED',
    `Le décès de l’usager est enregistré, au ${frenchDay(deathDay)} : ${consequence}`,
    { deathDay },
  );
}
