import { DomainRuleViolation } from '../errors.js';
import {
  assertRetentionPolicy,
  DEFAULT_RETENTION_POLICY,
  laterDay,
  medicalDestructionDueOn,
  type RetentionPolicy,
  type RetentionRule,
  requireRetentionDay,
  retentionRuleOf,
  socialArchiveDueOn,
  socialDestructionDueOn,
} from './retention-policy.js';

/**
 * The retention clock of one usager's record (DOMAIN.md, Retention): when it is archived, when it
 * is destroyed, and where it stands on a given day.
 *
 * Decisions taken here:
 * - The record is archived at the end of the active base of its social data (2 years after the
 *   last contact), whatever else it holds: from then on it is read-only and restricted.
 * - It is destroyed whole (crypto-shredding erases the usager's one key) on the latest date of the
 *   classes it holds: social and administrative data always, health data when it holds any.
 * - The health clock runs from the end of the last stay, or the last contact when it is later:
 *   R.1112-7 CSP counts from the last stay or the last consultation, and a usager seen after their
 *   exit came back or is still followed. Without an exit, the last contact ends the last stay.
 *   A record is thus never destroyed early; at worst it is kept a little longer.
 * - A legal hold (contentieux, réquisition) suspends the destruction, not the archive.
 */
export interface RecordRetentionFacts {
  /** The last contact with the usager (Europe/Paris day). */
  lastContactOn: string;
  /** The last exit recorded; absent when no stay ended. */
  lastStayEndedOn?: string;
  /** Whether the record holds health data (medical or psychological). */
  holdsMedicalData: boolean;
  archivedOn?: string;
  activeLegalHolds: number;
  destroyedOn?: string;
}

export interface RecordRetentionSchedule {
  /** When the active base ends: the record is archived that day. */
  archiveDueOn: string;
  /** When the record is destroyed, the latest of the dates of the classes it holds. */
  destructionDueOn: string;
  /** The rule that sets `destructionDueOn`. */
  rule: RetentionRule;
  /** The date of each class that applies (medical only when health data is held). */
  destructionDueOnByClass: { socialAndAdministrative: string; medical?: string };
}

export const RECORD_RETENTION_STATUSES = [
  'active',
  'archiveDue',
  'archived',
  'destructionDue',
  'destructionSuspended',
  'destroyed',
] as const;
export type RecordRetentionStatus = (typeof RECORD_RETENTION_STATUSES)[number];

export const RECORD_RETENTION_STATUS_LABELS: Readonly<Record<RecordRetentionStatus, string>> = {
  active: 'Dossier actif',
  archiveDue: 'Archivage à faire',
  archived: 'Dossier archivé',
  destructionDue: 'Destruction à faire',
  destructionSuspended: 'Destruction suspendue (gel juridique)',
  destroyed: 'Dossier détruit',
};

export function retentionScheduleOf(
  facts: RecordRetentionFacts,
  policy: RetentionPolicy = DEFAULT_RETENTION_POLICY,
): RecordRetentionSchedule {
  assertRetentionPolicy(policy);
  const lastContactOn = requireRetentionDay(facts.lastContactOn, 'lastContactOn');
  const lastStayEndedOn =
    facts.lastStayEndedOn === undefined ? lastContactOn : requireRetentionDay(facts.lastStayEndedOn, 'lastStayEndedOn');
  const social = socialDestructionDueOn(lastContactOn, policy);
  const byClass: RecordRetentionSchedule['destructionDueOnByClass'] = { socialAndAdministrative: social };
  let destructionDueOn = social;
  let rule = retentionRuleOf('socialAndAdministrative', policy);
  if (facts.holdsMedicalData) {
    const medical = medicalDestructionDueOn(laterDay(lastStayEndedOn, lastContactOn));
    byClass.medical = medical;
    if (medical >= destructionDueOn) {
      destructionDueOn = medical;
      rule = retentionRuleOf('medical', policy);
    }
  }
  return { archiveDueOn: socialArchiveDueOn(lastContactOn), destructionDueOn, rule, destructionDueOnByClass: byClass };
}

/** Where the record stands on `today` (Europe/Paris day): a status changes on its due day itself. */
export function retentionStatusOn(
  schedule: Pick<RecordRetentionSchedule, 'archiveDueOn' | 'destructionDueOn'>,
  facts: Pick<RecordRetentionFacts, 'archivedOn' | 'activeLegalHolds' | 'destroyedOn'>,
  today: string,
): RecordRetentionStatus {
  requireRetentionDay(today, 'today');
  if (!Number.isInteger(facts.activeLegalHolds) || facts.activeLegalHolds < 0) {
    throw new DomainRuleViolation('RETENTION_HOLDS_INVALID', 'Le nombre de gels juridiques en cours est invalide.', {
      activeLegalHolds: facts.activeLegalHolds,
    });
  }
  if (facts.destroyedOn !== undefined) return 'destroyed';
  if (today >= schedule.destructionDueOn) {
    return facts.activeLegalHolds > 0 ? 'destructionSuspended' : 'destructionDue';
  }
  if (facts.archivedOn !== undefined) return 'archived';
  return today >= schedule.archiveDueOn ? 'archiveDue' : 'active';
}
