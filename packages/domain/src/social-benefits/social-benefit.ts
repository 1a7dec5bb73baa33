import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * The social benefits (droits sociaux) of a usager: RSA, AAH, CSS, AME, APL, PCH, ASPA… each
 * open with an organism (CAF, CPAM, MDPH…) from one day to another, to be renewed in time: the
 * team is warned `renewalLeadDays` before the rights end, and again once they have ended.
 *
 * Decisions taken here:
 * - One stream per benefit (`socialBenefitStreamId`): its rules (an end after its start, a renewal
 *   that pushes the end further, nothing after closing) are rules of one benefit.
 * - Days are calendar days (`YYYY-MM-DD`), the rights' days as the organism notifies them; the
 *   deadline rule (`benefitWarning`) takes today as a parameter: the domain holds no clock.
 * - The renewal lead time defaults by kind (`defaultRenewalLeadDays`): disability benefits (AAH,
 *   PCH) are renewed through the MDPH, months ahead; health cover (CSS, AME) two months ahead.
 * - A renewal records the new end only; a closed benefit is never renewed nor warned about.
 */
const MAX_REASON_LENGTH = 1_000;
const MAX_DOCUMENTS = 50;
const id = z.string().min(1).max(200);
/** A calendar day, `YYYY-MM-DD`. */
export const benefitDaySchema = z.iso.date();
export const socialBenefitKinds = ['RSA', 'AAH', 'CSS', 'AME', 'APL', 'PCH', 'ASPA', 'other'] as const;
export const socialBenefitKindSchema = z.enum(socialBenefitKinds);
export type SocialBenefitKind = z.infer<typeof socialBenefitKindSchema>;

export const socialBenefitRecordedSchema = z.object({
  benefitId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  kind: socialBenefitKindSchema,
  organism: z.string().min(1).max(200),
  openFrom: benefitDaySchema,
  openTo: benefitDaySchema,
  renewalLeadDays: z.number().int().min(0).max(365),
  documents: z.array(z.string().min(1).max(500)).max(MAX_DOCUMENTS),
});
export const socialBenefitRenewedSchema = z.object({
  benefitId: z.uuid(),
  previousOpenTo: benefitDaySchema,
  openTo: benefitDaySchema,
  at: z.iso.datetime({ offset: true }),
});
export const socialBenefitClosedSchema = z.object({
  benefitId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
  at: z.iso.datetime({ offset: true }),
});

export type SocialBenefitRecorded = z.infer<typeof socialBenefitRecordedSchema>;
export type SocialBenefitRenewed = z.infer<typeof socialBenefitRenewedSchema>;
export type SocialBenefitClosed = z.infer<typeof socialBenefitClosedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedSocialBenefitData {
  $erased: true;
}

export type SocialBenefitEvent =
  | { type: 'SocialBenefitRecorded'; data: SocialBenefitRecorded | ErasedSocialBenefitData }
  | { type: 'SocialBenefitRenewed'; data: SocialBenefitRenewed | ErasedSocialBenefitData }
  | { type: 'SocialBenefitClosed'; data: SocialBenefitClosed | ErasedSocialBenefitData };

export type SocialBenefitEventType = SocialBenefitEvent['type'];

export const socialBenefitEventSchemas = {
  SocialBenefitRecorded: socialBenefitRecordedSchema,
  SocialBenefitRenewed: socialBenefitRenewedSchema,
  SocialBenefitClosed: socialBenefitClosedSchema,
} as const;

export type SocialBenefitCommand =
  | ({ type: 'RecordSocialBenefit' } & Omit<SocialBenefitRecorded, 'renewalLeadDays' | 'documents'> & {
        renewalLeadDays?: number;
        documents?: string[];
      })
  | { type: 'RenewSocialBenefit'; benefitId: string; openTo: string; at: string }
  | { type: 'CloseSocialBenefit'; benefitId: string; reason: string; at: string };

export type SocialBenefit =
  | { status: 'none' }
  | {
      status: 'open' | 'closed';
      benefitId: string;
      /** Undefined once the usager was forgotten. */
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      kind: SocialBenefitKind | undefined;
      organism: string | undefined;
      openFrom: string | undefined;
      openTo: string | undefined;
      renewalLeadDays: number;
      documents: string[];
      renewals: number;
    };

/** What the deadline rule reads of a benefit. */
export interface BenefitTerms {
  openTo: string;
  renewalLeadDays: number;
  closed?: boolean;
}

export type BenefitWarning = 'none' | 'renewal-due' | 'expired';

/** The renewal lead time of a kind of benefit, when none is given. */
export function defaultRenewalLeadDays(kind: SocialBenefitKind): number {
  switch (kind) {
    case 'AAH':
    case 'PCH':
      return 90;
    case 'CSS':
    case 'AME':
      return 60;
    default:
      return 30;
  }
}

/** One stream per benefit; the organisation escaped, so that no two tenants share one. */
export function socialBenefitStreamId(organisationId: string, benefitId: string): string {
  return `social-benefit/${encodeURIComponent(organisationId)}/${benefitId}`;
}

/** The day `days` after (or before, if negative) a `YYYY-MM-DD` day, in the calendar. */
export function addCalendarDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * The warning a benefit calls for on `today` (`YYYY-MM-DD`): `expired` once today is past
 * `openTo`; `renewal-due` from `openTo − renewalLeadDays` to `openTo` included; `none` before, or
 * once the benefit is closed.
 */
export function benefitWarning(benefit: BenefitTerms, today: string): BenefitWarning {
  if (benefit.closed) return 'none';
  if (today > benefit.openTo) return 'expired';
  if (today >= addCalendarDays(benefit.openTo, -benefit.renewalLeadDays)) return 'renewal-due';
  return 'none';
}

export const socialBenefitDecider: Decider<SocialBenefitCommand, SocialBenefitEvent, SocialBenefit> = {
  initialState: () => ({ status: 'none' }),

  decide(command, benefit) {
    switch (command.type) {
      case 'RecordSocialBenefit': {
        if (benefit.status !== 'none') {
          throw new DomainRuleViolation(
            'BENEFIT_ALREADY_RECORDED',
            'Ce droit est déjà enregistré sous cet identifiant.',
            {
              benefitId: command.benefitId,
            },
          );
        }
        const { type: _, ...given } = command;
        const organism = given.organism.trim();
        if (organism.length === 0) {
          throw new DomainRuleViolation('BENEFIT_ORGANISM_REQUIRED', 'L’organisme qui ouvre le droit est obligatoire.');
        }
        requireDay(given.openFrom, 'openFrom');
        requireDay(given.openTo, 'openTo');
        if (given.openTo < given.openFrom) {
          throw new DomainRuleViolation(
            'BENEFIT_ENDS_BEFORE_START',
            'La fin des droits ne peut pas précéder leur ouverture.',
            { openFrom: given.openFrom, openTo: given.openTo },
          );
        }
        const renewalLeadDays = given.renewalLeadDays ?? defaultRenewalLeadDays(given.kind);
        if (!Number.isInteger(renewalLeadDays) || renewalLeadDays < 0 || renewalLeadDays > 365) {
          throw new DomainRuleViolation(
            'BENEFIT_LEAD_TIME_INVALID',
            'Le délai d’alerte avant renouvellement doit être un nombre entier de jours entre 0 et 365.',
            { renewalLeadDays },
          );
        }
        const documents = (given.documents ?? []).map((document) => document.trim()).filter((d) => d.length > 0);
        if (documents.length > MAX_DOCUMENTS) {
          throw new DomainRuleViolation(
            'BENEFIT_TOO_MANY_DOCUMENTS',
            `Pas plus de ${MAX_DOCUMENTS} pièces par droit.`,
            {
              max: MAX_DOCUMENTS,
            },
          );
        }
        return {
          type: 'SocialBenefitRecorded',
          data: {
            benefitId: given.benefitId,
            serviceUserId: given.serviceUserId,
            facilityId: given.facilityId,
            kind: given.kind,
            organism,
            openFrom: given.openFrom,
            openTo: given.openTo,
            renewalLeadDays,
            documents,
          },
        };
      }
      case 'RenewSocialBenefit': {
        const current = requireOpen(benefit, command.benefitId, 'renouveler');
        requireDay(command.openTo, 'openTo');
        if (current.openTo === undefined) {
          throw new DomainRuleViolation('BENEFIT_ERASED', 'Ce droit concerne une personne oubliée.');
        }
        if (command.openTo <= current.openTo) {
          throw new DomainRuleViolation(
            'RENEWAL_MUST_EXTEND',
            'Un renouvellement doit reporter la fin des droits au-delà de la fin actuelle.',
            { openTo: current.openTo, requested: command.openTo },
          );
        }
        return {
          type: 'SocialBenefitRenewed',
          data: {
            benefitId: command.benefitId,
            previousOpenTo: current.openTo,
            openTo: command.openTo,
            at: command.at,
          },
        };
      }
      case 'CloseSocialBenefit': {
        requireOpen(benefit, command.benefitId, 'clore');
        const reason = command.reason.trim();
        if (reason.length === 0) {
          throw new DomainRuleViolation('CLOSE_REASON_REQUIRED', 'La clôture d’un droit doit être motivée.');
        }
        if (reason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation('REASON_TOO_LONG', `Le motif dépasse ${MAX_REASON_LENGTH} caractères.`, {
            maxLength: MAX_REASON_LENGTH,
          });
        }
        return { type: 'SocialBenefitClosed', data: { benefitId: command.benefitId, reason, at: command.at } };
      }
    }
  },

  evolve(benefit, event) {
    switch (event.type) {
      case 'SocialBenefitRecorded': {
        if ('$erased' in event.data) {
          return {
            status: 'open',
            benefitId: '',
            serviceUserId: undefined,
            facilityId: undefined,
            kind: undefined,
            organism: undefined,
            openFrom: undefined,
            openTo: undefined,
            renewalLeadDays: 0,
            documents: [],
            renewals: 0,
          };
        }
        return { status: 'open', ...event.data, documents: [...event.data.documents], renewals: 0 };
      }
      case 'SocialBenefitRenewed':
        if (benefit.status === 'none') return benefit;
        return {
          ...benefit,
          openTo: '$erased' in event.data ? undefined : event.data.openTo,
          renewals: benefit.renewals + 1,
        };
      case 'SocialBenefitClosed':
        if (benefit.status === 'none') return benefit;
        return { ...benefit, status: 'closed' };
    }
  },
};

function requireOpen(benefit: SocialBenefit, benefitId: string, verb: string) {
  if (benefit.status === 'none' || (benefit.benefitId !== '' && benefit.benefitId !== benefitId)) {
    throw new DomainRuleViolation('BENEFIT_NOT_FOUND', `Aucun droit à ${verb} sous cet identifiant.`, { benefitId });
  }
  if (benefit.status === 'closed') {
    throw new DomainRuleViolation('BENEFIT_CLOSED', `Ce droit est clos : impossible de le ${verb}.`, { benefitId });
  }
  return benefit;
}

function requireDay(day: string, field: string): void {
  if (!benefitDaySchema.safeParse(day).success) {
    throw new DomainRuleViolation('BENEFIT_DAY_INVALID', 'Date invalide (AAAA-MM-JJ attendu).', { field, day });
  }
}
