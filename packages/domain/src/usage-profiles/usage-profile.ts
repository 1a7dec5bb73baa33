import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * The usage profile (profil d'usage) of a person followed by a CSAPA, for one year: whether they
 * come as a patient or as a person of a patient's entourage, who referred them (origine de la
 * demande), their housing and income, and, for a patient, the main product (produit principal),
 * the use level and injection. The CSAPA annual report (DGS/OFDT) breaks its file active down by
 * these, and RECAP sends one record per patient per year with them.
 *
 * Decisions taken here:
 * - One stream per (organisation, usager, ESSMS, year) (`usageProfileStreamId`): the report asks for
 *   one profile per patient per ESSMS per year, so "one main product per patient per year" holds by
 *   construction. Recording again replaces the whole profile (`UsageProfileRecorded` carries all
 *   of it, never a difference): the last recorded is the current one. A later record may say why
 *   it corrects (`reason`); the `profileId` is kept across them, so that a consumer matches a
 *   correction with what it replaces.
 * - The codes are the project's, stable for ever; their French labels are for screens and
 *   reports (close to the OFDT's items, not a copy of its thesaurus).
 * - For the entourage, main product, use level and injection are null: they describe the patient,
 *   whom the entourage comes about. For a patient, null says "none identified" (or not yet known).
 * - The year is not after today's (the shell passes `today`, the domain has no clock) nor before
 *   2000. Recording the very same profile again (no reason) records nothing.
 */
export const USAGE_POPULATIONS = ['patient', 'entourage'] as const;
export type UsagePopulation = (typeof USAGE_POPULATIONS)[number];
export const USAGE_POPULATION_LABELS: Readonly<Record<UsagePopulation, string>> = {
  patient: 'Patient (consommateur)',
  entourage: 'Entourage',
};

/** Origine de la demande. */
export const REFERRALS = [
  'self',
  'family',
  'physician',
  'hospital',
  'socialServices',
  'justice',
  'csapaCaarud',
  'school',
  'other',
  'unknown',
] as const;
export type Referral = (typeof REFERRALS)[number];
export const REFERRAL_LABELS: Readonly<Record<Referral, string>> = {
  self: 'Démarche personnelle',
  family: 'Famille, entourage',
  physician: 'Médecin de ville',
  hospital: 'Établissement de santé',
  socialServices: 'Services sociaux',
  justice: 'Justice (obligation, injonction de soins)',
  csapaCaarud: 'Autre CSAPA ou CAARUD',
  school: 'Milieu scolaire ou universitaire',
  other: 'Autre',
  unknown: 'Non renseigné',
};

export const HOUSINGS = ['stable', 'precarious', 'homeless', 'institution', 'prison', 'unknown'] as const;
export type Housing = (typeof HOUSINGS)[number];
export const HOUSING_LABELS: Readonly<Record<Housing, string>> = {
  stable: 'Logement durable',
  precarious: 'Logement provisoire ou précaire',
  homeless: 'Sans domicile (rue, squat)',
  institution: 'Hébergement en institution',
  prison: 'Détention',
  unknown: 'Non renseigné',
};

export const INCOMES = [
  'employment',
  'unemploymentBenefit',
  'minimumIncome',
  'disabilityAllowance',
  'pension',
  'other',
  'none',
  'unknown',
] as const;
export type Income = (typeof INCOMES)[number];
export const INCOME_LABELS: Readonly<Record<Income, string>> = {
  employment: 'Revenus de l’emploi',
  unemploymentBenefit: 'Allocations chômage',
  minimumIncome: 'RSA',
  disabilityAllowance: 'AAH',
  pension: 'Retraite, pension',
  other: 'Autres ressources',
  none: 'Sans ressources',
  unknown: 'Non renseigné',
};

/** Produit principal (or addiction without a product). */
export const MAIN_PRODUCTS = [
  'alcohol',
  'tobacco',
  'cannabis',
  'opioids',
  'cocaine',
  'crack',
  'amphetamines',
  'mdma',
  'hallucinogens',
  'medicines',
  'gambling',
  'screens',
  'other',
] as const;
export type MainProduct = (typeof MAIN_PRODUCTS)[number];
export const MAIN_PRODUCT_LABELS: Readonly<Record<MainProduct, string>> = {
  alcohol: 'Alcool',
  tobacco: 'Tabac',
  cannabis: 'Cannabis',
  opioids: 'Héroïne, opioïdes',
  cocaine: 'Cocaïne',
  crack: 'Crack, free base',
  amphetamines: 'Amphétamines',
  mdma: 'MDMA, ecstasy',
  hallucinogens: 'Hallucinogènes',
  medicines: 'Médicaments détournés',
  gambling: 'Jeux (addiction sans produit)',
  screens: 'Écrans',
  other: 'Autre produit ou addiction',
};
/** What a null main product reads as. */
export const NO_MAIN_PRODUCT_LABEL = 'Aucun produit identifié';

export const USE_LEVELS = ['use', 'harmfulUse', 'dependence'] as const;
export type UseLevel = (typeof USE_LEVELS)[number];
export const USE_LEVEL_LABELS: Readonly<Record<UseLevel, string>> = {
  use: 'Usage (à risque)',
  harmfulUse: 'Usage nocif',
  dependence: 'Dépendance',
};

export const INJECTIONS = ['never', 'past', 'last30days'] as const;
export type Injection = (typeof INJECTIONS)[number];
export const INJECTION_LABELS: Readonly<Record<Injection, string>> = {
  never: 'N’a jamais injecté',
  past: 'A injecté, pas dans les 30 derniers jours',
  last30days: 'A injecté dans les 30 derniers jours',
};

/** The first year a profile may be recorded for: older years are not reported any more. */
export const FIRST_USAGE_PROFILE_YEAR = 2000;
const MAX_REASON_LENGTH = 1_000;
const id = z.string().min(1).max(200);

export const usagePopulationSchema = z.enum(USAGE_POPULATIONS);
export const referralSchema = z.enum(REFERRALS);
export const housingSchema = z.enum(HOUSINGS);
export const incomeSchema = z.enum(INCOMES);
export const mainProductSchema = z.enum(MAIN_PRODUCTS);
export const useLevelSchema = z.enum(USE_LEVELS);
export const injectionSchema = z.enum(INJECTIONS);

/** What a profile says: the fields every record replaces whole. */
export const usageProfileFieldsSchema = z.strictObject({
  population: usagePopulationSchema,
  referral: referralSchema,
  housing: housingSchema,
  income: incomeSchema,
  mainProduct: mainProductSchema.nullable(),
  useLevel: useLevelSchema.nullable(),
  injection: injectionSchema.nullable(),
});
export type UsageProfileFields = z.infer<typeof usageProfileFieldsSchema>;

export const usageProfileRecordedSchema = z.strictObject({
  profileId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  year: z.int().min(FIRST_USAGE_PROFILE_YEAR).max(9999),
  ...usageProfileFieldsSchema.shape,
  /** Why a later record corrects the previous one; absent on the first. */
  reason: z.string().min(1).max(MAX_REASON_LENGTH).optional(),
});
export type UsageProfileRecorded = z.infer<typeof usageProfileRecordedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedUsageProfileData {
  $erased: true;
}

export type UsageProfileEvent = { type: 'UsageProfileRecorded'; data: UsageProfileRecorded | ErasedUsageProfileData };
export type UsageProfileEventType = UsageProfileEvent['type'];

export const usageProfileEventSchemas = { UsageProfileRecorded: usageProfileRecordedSchema } as const;

export interface RecordUsageProfile extends UsageProfileFields {
  type: 'RecordUsageProfile';
  /** Kept across the records of one (usager, ESSMS, year): the shell reuses the current one. */
  profileId: string;
  serviceUserId: string;
  facilityId: string;
  year: number;
  /** Why this record corrects the current profile, if it does. */
  reason?: string;
  /** The day in the ESSMS' time zone (`YYYY-MM-DD`), from the shell. */
  today: string;
}
export type UsageProfileCommand = RecordUsageProfile;

/** The current profile of the stream's year, with how many records replaced the first. */
export type UsageProfile =
  | { status: 'none' }
  /** A forgotten usager's profile: its content is gone. */
  | { status: 'erased' }
  | {
      status: 'recorded';
      profileId: string;
      serviceUserId: string;
      facilityId: string;
      year: number;
      fields: UsageProfileFields;
      corrections: number;
    };

/** One stream per usager, ESSMS and year; identifiers escaped, so that no two share one. */
export function usageProfileStreamId(
  organisationId: string,
  serviceUserId: string,
  facilityId: string,
  year: number,
): string {
  return `usage-profile/${encodeURIComponent(organisationId)}/${encodeURIComponent(serviceUserId)}/${encodeURIComponent(facilityId)}/${year}`;
}

/** The parts of a `usageProfileStreamId`, or undefined for another stream. */
export function usageProfileStreamParts(
  streamId: string,
): { organisationId: string; serviceUserId: string; facilityId: string; year: number } | undefined {
  const parts = streamId.split('/');
  if (parts.length !== 5 || parts[0] !== 'usage-profile') return undefined;
  const [, organisation, serviceUser, facility, year] = parts as [string, string, string, string, string];
  if (!/^\d{4}$/.test(year)) return undefined;
  return {
    organisationId: decodeURIComponent(organisation),
    serviceUserId: decodeURIComponent(serviceUser),
    facilityId: decodeURIComponent(facility),
    year: Number(year),
  };
}

const PATIENT_ONLY_FIELDS = ['mainProduct', 'useLevel', 'injection'] as const;

export const usageProfileDecider: Decider<UsageProfileCommand, UsageProfileEvent, UsageProfile> = {
  initialState: () => ({ status: 'none' }),

  decide(command, profile) {
    if (!z.iso.date().safeParse(command.today).success) {
      throw new DomainRuleViolation('USAGE_PROFILE_TODAY_INVALID', 'Date du jour invalide (AAAA-MM-JJ attendu).', {
        today: command.today,
      });
    }
    const thisYear = Number(command.today.slice(0, 4));
    if (!Number.isInteger(command.year) || command.year < FIRST_USAGE_PROFILE_YEAR || command.year > thisYear) {
      throw new DomainRuleViolation(
        'USAGE_PROFILE_YEAR_INVALID',
        `L’année du profil doit être comprise entre ${FIRST_USAGE_PROFILE_YEAR} et l’année en cours (${thisYear}).`,
        { year: command.year, thisYear },
      );
    }
    const fields = usageProfileFieldsSchema.safeParse({
      population: command.population,
      referral: command.referral,
      housing: command.housing,
      income: command.income,
      mainProduct: command.mainProduct,
      useLevel: command.useLevel,
      injection: command.injection,
    });
    if (!fields.success) {
      throw new DomainRuleViolation('USAGE_PROFILE_CODE_UNKNOWN', 'Un des codes du profil d’usage est inconnu.', {
        fields: fields.error.issues.map((issue) => issue.path.join('.')),
      });
    }
    if (fields.data.population === 'entourage') {
      const given = PATIENT_ONLY_FIELDS.filter((field) => fields.data[field] !== null);
      if (given.length > 0) {
        throw new DomainRuleViolation(
          'USAGE_PROFILE_ENTOURAGE_HAS_NO_PRODUCT',
          'Pour une personne de l’entourage, le produit principal, le niveau d’usage et l’injection ne sont pas renseignés : ils décrivent le patient.',
          { fields: given },
        );
      }
    }
    const reason = command.reason?.trim();
    if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
      throw new DomainRuleViolation('REASON_TOO_LONG', `Le motif dépasse ${MAX_REASON_LENGTH} caractères.`, {
        maxLength: MAX_REASON_LENGTH,
      });
    }
    if (profile.status === 'erased') {
      throw new DomainRuleViolation('USAGE_PROFILE_ERASED', 'Ce profil d’usage concerne une personne oubliée.');
    }
    if (profile.status === 'recorded') {
      const where = { serviceUserId: command.serviceUserId, facilityId: command.facilityId, year: command.year };
      if (
        profile.serviceUserId !== where.serviceUserId ||
        profile.facilityId !== where.facilityId ||
        profile.year !== where.year
      ) {
        throw new DomainRuleViolation(
          'USAGE_PROFILE_ELSEWHERE',
          'Ce profil d’usage est celui d’un autre usager, établissement ou année.',
          where,
        );
      }
      if (profile.profileId !== command.profileId) {
        throw new DomainRuleViolation(
          'USAGE_PROFILE_ID_MISMATCH',
          'Un profil d’usage existe déjà pour cette année : il se corrige sous son identifiant.',
          { profileId: profile.profileId, given: command.profileId },
        );
      }
      if (!reason && sameFields(profile.fields, fields.data)) return [];
    }
    return {
      type: 'UsageProfileRecorded',
      data: {
        profileId: command.profileId,
        serviceUserId: command.serviceUserId,
        facilityId: command.facilityId,
        year: command.year,
        ...fields.data,
        ...(reason ? { reason } : {}),
      },
    };
  },

  evolve(profile, event) {
    if ('$erased' in event.data) return { status: 'erased' };
    const { profileId, serviceUserId, facilityId, year, reason: _, ...fields } = event.data;
    return {
      status: 'recorded',
      profileId,
      serviceUserId,
      facilityId,
      year,
      fields,
      corrections: profile.status === 'recorded' ? profile.corrections + 1 : 0,
    };
  },
};

function sameFields(a: UsageProfileFields, b: UsageProfileFields): boolean {
  return (Object.keys(usageProfileFieldsSchema.shape) as (keyof UsageProfileFields)[]).every(
    (field) => a[field] === b[field],
  );
}
