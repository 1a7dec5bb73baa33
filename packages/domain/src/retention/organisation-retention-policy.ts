import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import {
  MAX_RETENTION_TEXT_LENGTH,
  requireDay,
  requireDayNotAfter,
  requiredId,
  requiredText,
} from './retention-checks.js';
import { assertRetentionPolicy, MAX_INTERMEDIATE_ARCHIVE_YEARS, type RetentionPolicy } from './retention-policy.js';

/**
 * The keeping of social and administrative data an organisation (organisme gestionnaire) decided,
 * as its register of processing says (DOMAIN.md, Retention): each organisation of an instance is
 * a data controller of its own, and the length of the intermediate archive is theirs to set.
 *
 * Decisions taken here:
 * - One stream per organisation (`retentionPolicyStreamId`); every change is an event naming who
 *   decided, on which day and why, so that the DPO can show when each rule was in force.
 * - Until the organisation decides, the instance's default applies (`DUI_SOCIAL_ARCHIVE_YEARS`).
 * - A change applies to every record from the next run of the end-of-retention job, shortened or
 *   lengthened: a record already destroyed stays destroyed, one whose destruction becomes due is
 *   destroyed at that run (a legal hold still suspends it).
 * - Deciding the policy already in force is refused, so that the history holds changes only.
 * - A destruction is final: a decision that makes records due for destruction on its day (the shell
 *   counts them, `destructionsBroughtForward`) is refused unless its author confirms their number,
 *   and a confirmation that no longer matches the count (the records moved since the author read
 *   the impact) is refused too. The event keeps the number, for the DPO to answer for it.
 */
export const retentionPolicySetSchema = z.object({
  socialIntermediateArchiveYears: z.int().min(0).max(MAX_INTERMEDIATE_ARCHIVE_YEARS),
  decidedOn: z.iso.date(),
  decidedBy: z.string().min(1).max(200),
  motive: z.string().min(1).max(MAX_RETENTION_TEXT_LENGTH),
  /** The records whose destruction the decision made due on its day; absent from decisions taken before it was counted. */
  destructionsBroughtForward: z.int().min(0).optional(),
});
export type RetentionPolicySet = z.infer<typeof retentionPolicySetSchema>;

export type OrganisationRetentionPolicyEvent = { type: 'RetentionPolicySet'; data: RetentionPolicySet };

export const organisationRetentionPolicyEventSchemas = { RetentionPolicySet: retentionPolicySetSchema } as const;

export type OrganisationRetentionPolicyCommand = {
  type: 'SetRetentionPolicy';
  /** `YYYY-MM-DD`, Europe/Paris: the decision is not dated in the future. */
  today: string;
  socialIntermediateArchiveYears: number;
  decidedOn: string;
  decidedBy: string;
  motive: string;
  /** Counted by the shell: the records this decision alone makes due for destruction today. */
  destructionsBroughtForward: number;
  /** The number of those destructions the author confirms, as the impact told them. */
  confirmedDestructions?: number | undefined;
};

export interface OrganisationRetentionPolicy {
  /** The organisation's decision in force; `undefined` while the instance's default applies. */
  decided: RetentionPolicySet | undefined;
}

/** One stream per organisation. */
export function retentionPolicyStreamId(organisationId: string): string {
  return `retention-policy/${encodeURIComponent(organisationId)}`;
}

/** The policy in force: the organisation's last decision, or the instance's default. */
export function retentionPolicyInForce(state: OrganisationRetentionPolicy, fallback: RetentionPolicy): RetentionPolicy {
  return state.decided === undefined
    ? fallback
    : { socialIntermediateArchiveYears: state.decided.socialIntermediateArchiveYears };
}

export const organisationRetentionPolicyDecider: Decider<
  OrganisationRetentionPolicyCommand,
  OrganisationRetentionPolicyEvent,
  OrganisationRetentionPolicy
> = {
  initialState: () => ({ decided: undefined }),

  decide(command, state) {
    requireDay(command.today, 'today');
    const { socialIntermediateArchiveYears } = command;
    assertRetentionPolicy({ socialIntermediateArchiveYears });
    requireDayNotAfter(command.decidedOn, command.today, 'decidedOn');
    const motive = requiredText(command.motive, 'Le motif de la décision (la référence au registre des traitements)');
    const decidedBy = requiredId(command.decidedBy, 'L’auteur de la décision');
    if (state.decided?.socialIntermediateArchiveYears === socialIntermediateArchiveYears) {
      throw new DomainRuleViolation(
        'RETENTION_POLICY_UNCHANGED',
        `L’archivage intermédiaire des données sociales est déjà de ${socialIntermediateArchiveYears} an(s) pour cet organisme.`,
        { socialIntermediateArchiveYears },
      );
    }
    if (state.decided !== undefined && command.decidedOn < state.decided.decidedOn) {
      throw new DomainRuleViolation(
        'RETENTION_POLICY_BEFORE_LAST',
        'Une décision ne peut pas être datée d’avant la précédente.',
        { lastDecidedOn: state.decided.decidedOn },
      );
    }
    const destructionsBroughtForward = confirmedDestructionsOf(command);
    return {
      type: 'RetentionPolicySet',
      data: {
        socialIntermediateArchiveYears,
        decidedOn: command.decidedOn,
        decidedBy,
        motive,
        destructionsBroughtForward,
      },
    };
  },

  evolve(_state, event) {
    return { decided: event.data };
  },
};

/** The destructions brought forward, once their author confirmed exactly that many. */
function confirmedDestructionsOf(command: OrganisationRetentionPolicyCommand): number {
  const { destructionsBroughtForward, confirmedDestructions } = command;
  if (!Number.isSafeInteger(destructionsBroughtForward) || destructionsBroughtForward < 0) {
    throw new DomainRuleViolation(
      'RETENTION_POLICY_INVALID',
      'Le nombre de destructions avancées doit être un entier positif ou nul.',
      { destructionsBroughtForward },
    );
  }
  const unconfirmed = confirmedDestructions === undefined && destructionsBroughtForward > 0;
  const outdated = confirmedDestructions !== undefined && confirmedDestructions !== destructionsBroughtForward;
  if (unconfirmed || outdated) {
    throw new DomainRuleViolation(
      'RETENTION_POLICY_DESTRUCTIONS_UNCONFIRMED',
      destructionsBroughtForward === 0
        ? 'Cette durée ne rend plus aucune destruction échue aujourd’hui : relisez son impact avant de décider.'
        : `Cette durée rendrait échue aujourd’hui la destruction de ${destructionsBroughtForward} dossier(s), ` +
            'définitive : relisez son impact et confirmez ce nombre pour décider.',
      { destructionsBroughtForward, ...(confirmedDestructions === undefined ? {} : { confirmedDestructions }) },
    );
  }
  return destructionsBroughtForward;
}
