import { DomainRuleViolation } from '../errors.js';

/**
 * How long each class of data is kept (DOMAIN.md, Retention), as pure day arithmetic: days are
 * `YYYY-MM-DD` in Europe/Paris, computed by the caller (the domain has no clock). Each rule names
 * its legal source, which the destruction report carries for the DPO.
 *
 * Decisions taken here:
 * - Adding years to a day keeps the day of the month; 29 February becomes 28 February in a
 *   year that has none, so that a period never ends later than the same calendar day.
 * - The intermediate archive of social data lasts `socialIntermediateArchiveYears` (default 5).
 *   The CNIL referential leaves its length to the organisation; 5 years is the common-law
 *   limitation period (art. 2224 du code civil) within which the organisation may have to answer
 *   for its accompaniment. It is practice, not a text that sets it: hence a policy parameter.
 * - A register (narcotics register, ordonnancier) is kept 10 years after the end of the year it
 *   covers: its destruction is due on 1 January of the eleventh year, so that the last entry of the
 *   year is kept 10 full years too.
 */
export const RETENTION_DATA_CLASSES = [
  'medical',
  'socialAndAdministrative',
  'register',
  'prescriptionCopy',
  'infectiousWasteSlip',
] as const;
export type RetentionDataClass = (typeof RETENTION_DATA_CLASSES)[number];

export interface RetentionRule {
  dataClass: RetentionDataClass;
  /** The text the period comes from, as the destruction report quotes it. */
  legalSource: string;
  /** The rule as staff and the DPO read it. */
  frenchLabel: string;
}

export interface RetentionPolicy {
  /** Years of intermediate archive of social and administrative data, after the 2 years of active base. */
  socialIntermediateArchiveYears: number;
}

export const DEFAULT_RETENTION_POLICY: RetentionPolicy = { socialIntermediateArchiveYears: 5 };

export const MEDICAL_RETENTION_YEARS = 20;
export const SOCIAL_ACTIVE_BASE_YEARS = 2;
export const REGISTER_RETENTION_YEARS = 10;
export const PRESCRIPTION_COPY_RETENTION_YEARS = 3;
export const INFECTIOUS_WASTE_SLIP_RETENTION_YEARS = 3;

/** The longest intermediate archive a policy may set: beyond it, keeping would be hoarding. */
export const MAX_INTERMEDIATE_ARCHIVE_YEARS = 30;

export function retentionRuleOf(
  dataClass: RetentionDataClass,
  policy: RetentionPolicy = DEFAULT_RETENTION_POLICY,
): RetentionRule {
  switch (dataClass) {
    case 'medical':
      return {
        dataClass,
        legalSource:
          'Article R.1112-7 du code de la santé publique : vingt ans à compter de la date du dernier séjour ou de la dernière consultation.',
        frenchLabel: `Données de santé (dossier médical et psychologique) : ${MEDICAL_RETENTION_YEARS} ans après la fin du dernier séjour.`,
      };
    case 'socialAndAdministrative': {
      const years = policy.socialIntermediateArchiveYears;
      return {
        dataClass,
        legalSource: `CNIL, référentiel relatif aux traitements de données à caractère personnel mis en œuvre dans le cadre de l’accompagnement social et médico-social : base active jusqu’à ${SOCIAL_ACTIVE_BASE_YEARS} ans après le dernier contact ; puis archivage intermédiaire de ${yearsInFrench(years)} (usage : prescription de droit commun, article 2224 du code civil).`,
        frenchLabel: `Données sociales et administratives : ${SOCIAL_ACTIVE_BASE_YEARS} ans après le dernier contact, puis ${yearsInFrench(years)} d’archivage intermédiaire.`,
      };
    }
    case 'register':
      return {
        dataClass,
        legalSource:
          'Articles R.5132-10 (ordonnancier) et R.5132-36 (registre des stupéfiants) du code de la santé publique : dix ans.',
        frenchLabel: `Registre des stupéfiants et ordonnancier : ${REGISTER_RETENTION_YEARS} ans après la fin de l’année couverte.`,
      };
    case 'prescriptionCopy':
      return {
        dataClass,
        legalSource: 'Article R.5132-35 du code de la santé publique : copie de l’ordonnance conservée trois ans.',
        frenchLabel: `Copies d’ordonnances : ${PRESCRIPTION_COPY_RETENTION_YEARS} ans.`,
      };
    case 'infectiousWasteSlip':
      return {
        dataClass,
        legalSource:
          'Arrêté du 7 septembre 1999 relatif au contrôle des filières d’élimination des déchets d’activités de soins à risques infectieux : bordereaux conservés trois ans.',
        frenchLabel: `Bordereaux de suivi des DASRI : ${INFECTIOUS_WASTE_SLIP_RETENTION_YEARS} ans.`,
      };
  }
}

/** « 0 an », « 1 an », « 5 ans »: French keeps the singular below two. */
function yearsInFrench(years: number): string {
  return years < 2 ? `${years} an` : `${years} ans`;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Whether `day` is a real calendar day written `YYYY-MM-DD`. */
export function isRetentionDay(day: unknown): day is string {
  if (typeof day !== 'string') return false;
  const match = DAY.exec(day);
  if (!match) return false;
  const [year, month, dayOfMonth] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return month >= 1 && month <= 12 && dayOfMonth >= 1 && dayOfMonth <= daysInMonth(year, month);
}

export function requireRetentionDay(day: unknown, field: string): string {
  if (!isRetentionDay(day)) {
    throw new DomainRuleViolation('RETENTION_DAY_INVALID', 'Date invalide (AAAA-MM-JJ attendu).', {
      field,
      day: String(day),
    });
  }
  return day;
}

/** The same calendar day `years` later; 29 February becomes 28 February in a year without one. */
export function addYears(day: string, years: number): string {
  requireRetentionDay(day, 'day');
  if (!Number.isInteger(years)) throw new RangeError(`years must be an integer, got ${years}`);
  const [year, month, dayOfMonth] = day.split('-').map(Number) as [number, number, number];
  const targetYear = year + years;
  const targetDay = Math.min(dayOfMonth, daysInMonth(targetYear, month));
  return `${String(targetYear).padStart(4, '0')}-${pad(month)}-${pad(targetDay)}`;
}

/** The later of two days (ISO days compare as strings). */
export function laterDay(a: string, b: string): string {
  return a >= b ? a : b;
}

export function assertRetentionPolicy(policy: RetentionPolicy): void {
  const years = policy.socialIntermediateArchiveYears;
  if (!Number.isInteger(years) || years < 0 || years > MAX_INTERMEDIATE_ARCHIVE_YEARS) {
    throw new DomainRuleViolation(
      'RETENTION_POLICY_INVALID',
      `La durée d’archivage intermédiaire des données sociales est un nombre entier d’années, de 0 à ${MAX_INTERMEDIATE_ARCHIVE_YEARS}.`,
      { socialIntermediateArchiveYears: years },
    );
  }
}

/** The end of the active base of social and administrative data: the record is archived then. */
export function socialArchiveDueOn(lastContactOn: string): string {
  return addYears(lastContactOn, SOCIAL_ACTIVE_BASE_YEARS);
}

/** The end of the intermediate archive of social and administrative data. */
export function socialDestructionDueOn(
  lastContactOn: string,
  policy: RetentionPolicy = DEFAULT_RETENTION_POLICY,
): string {
  assertRetentionPolicy(policy);
  // counted from the last contact in one step: 29 February + 2 years is 28 February, and adding
  // the archive's years to that would end a day early in a leap year (1996-02-29 + 28 = 2024-02-29)
  return addYears(lastContactOn, SOCIAL_ACTIVE_BASE_YEARS + policy.socialIntermediateArchiveYears);
}

/** The end of the keeping of health data: 20 years after the end of the last stay (or consultation). */
export function medicalDestructionDueOn(lastStayEndedOn: string): string {
  return addYears(lastStayEndedOn, MEDICAL_RETENTION_YEARS);
}

/** When the register of a month (`YYYY-MM`) may be destroyed: 1 January, 10 full years after its year. */
export function registerDestructionDueOn(month: string): string {
  const match = MONTH.exec(month);
  if (!match) {
    throw new DomainRuleViolation('RETENTION_MONTH_INVALID', 'Mois invalide (AAAA-MM attendu).', { month });
  }
  return `${String(Number(match[1]) + REGISTER_RETENTION_YEARS + 1).padStart(4, '0')}-01-01`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
