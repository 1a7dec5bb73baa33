import { z } from 'zod';
import { DomainRuleViolation } from '../errors.js';

/**
 * The rules of opioid substitution treatment (traitement de substitution aux opiacés, TSO) that a
 * prescription must meet and that its dispensing must follow (DOMAIN.md, « Ordonnancier and opioid
 * substitution treatment »; R.5132-30, R.5132-33 CSP). Pure functions: the pharmacy ledger calls
 * them inside its own decision, the prescriptions decider when a TSO product is prescribed.
 *
 * Decisions taken here, each one a reading of DOMAIN.md that an inspector can check:
 * - Days are calendar days (`YYYY-MM-DD`). A prescription covers `startsOn` to
 *   `startsOn + durationDays − 1` included (`tsoLastDay`); `startsOn` is the prescription's date
 *   unless the prescriber wrote a later first day.
 * - Quantities are counted in whole units of administration (unités de prise: a vial, a capsule, a
 *   tablet), as the narcotics register and the ordonnancier count them: `dailyUnits` is a whole
 *   number, and the prescription's total is `durationDays × dailyUnits` (`tsoTotalUnits`).
 * - « Fractions of 7 days unless stated »: `fractionDays` is what the prescription says. When the
 *   prescriber wrote nothing it is 7 (`TSO_DEFAULT_FRACTION_DAYS`); the prescriber may write shorter
 *   fractions (1 to 7 days, daily dispensing being 1), or « délivrance en une seule fois », which is
 *   `'single'`: the only way to dispense more than 7 days at once. A number over 7 is refused: the
 *   code has no other way to say « stated otherwise ».
 * - Fractions lie on a fixed calendar grid anchored on `startsOn`: fraction k covers
 *   `startsOn + k × fractionDays` to `startsOn + (k + 1) × fractionDays − 1`, cut at the last day;
 *   `'single'` is one fraction covering the whole prescription.
 * - Presentation window (R.5132-33): the first fraction is due within 3 days of the prescription's
 *   date, that is on or before `prescribedOn + 3` (the date written, as the article says, even when
 *   the prescriber set a later first day); each next fraction is due on or before the end of the
 *   previous fraction + 3 (the last day it covered + 3). Presented in time, the patient receives the
 *   whole fraction that follows the previous one (or the first one), including the days of grace
 *   already gone. Presented later, the patient receives only the days that remain of the fraction
 *   in progress on the day of presentation, from that day to the fraction's end: the days missed
 *   are lost, never dispensed later, and the next fraction keeps to the grid. A fraction lying
 *   wholly in the past is never dispensed (with 1- or 2-day fractions a presentation in time can
 *   fall after the fraction due): the fraction in progress is dispensed instead, from that day.
 * - A fraction is never dispensed before its first day: before `startsOn` for the first one, on or
 *   before the last day covered by the previous one (the next fraction starts the day after).
 * - First methadone prescription (syrup or capsules) by a CSAPA or hospital doctor: it is the first
 *   when the usager has no earlier methadone prescription in the history passed and no known day
 *   of stability on syrup (a patient stable on syrup has had methadone before).
 * - Capsules only for a patient stable on syrup for at least a year: `stableOnSyrupSince` is
 *   required and its first anniversary must be on or before `prescribedOn` (29 February counts
 *   from 1 March). The rule holds for every capsule prescription, renewals included.
 * - No overlap (chevauchement): refused when an earlier TSO prescription of the same usager by the
 *   same prescriber (`professionalId`) covers one of the same days, whatever the TSO product
 *   (DOMAIN.md speaks of a period already covered, not of a product; a switch from syrup to BHD by
 *   the same doctor says so when it overlaps), unless the new prescription says so (`overlapAllowed`).
 *   The caller passes the earlier prescriptions that still cover their days: a stopped prescription
 *   is passed with the days it really covered, or not at all.
 * - Every refusal is a `DomainRuleViolation` with a stable code (`TSO_…`) and a French message.
 */

export const TSO_PRODUCTS = ['methadone-syrup', 'methadone-capsules', 'buprenorphine-hd'] as const;
export const opioidSubstitutionProductSchema = z.enum(TSO_PRODUCTS);
export type TsoProduct = (typeof TSO_PRODUCTS)[number];

export const TSO_PRODUCT_LABELS: Readonly<Record<TsoProduct, string>> = {
  'methadone-syrup': 'Méthadone sirop',
  'methadone-capsules': 'Méthadone gélules',
  'buprenorphine-hd': 'Buprénorphine haut dosage (BHD)',
};

/** The longest prescription of each product, in days (DOMAIN.md). */
export const TSO_MAX_DAYS: Readonly<Record<TsoProduct, number>> = {
  'methadone-syrup': 14,
  'methadone-capsules': 28,
  'buprenorphine-hd': 28,
};

/** The fraction when the prescriber wrote none. */
export const TSO_DEFAULT_FRACTION_DAYS = 7;
/** The longest fraction short of « délivrance en une seule fois ». */
export const TSO_MAX_FRACTION_DAYS = 7;
/** Days after the prescription's date, or after the previous fraction's end, to present it in full (R.5132-33). */
export const TSO_PRESENTATION_GRACE_DAYS = 3;

export const PRESCRIBER_SETTINGS = ['csapa', 'hospital', 'other'] as const;
export const prescriberSettingSchema = z.enum(PRESCRIBER_SETTINGS);
export type PrescriberSetting = (typeof PRESCRIBER_SETTINGS)[number];
/** Where a first methadone prescription may come from. */
export const FIRST_METHADONE_PRESCRIBER_SETTINGS: readonly PrescriberSetting[] = ['csapa', 'hospital'];

export interface TsoPrescription {
  prescriptionId: string;
  serviceUserId: string;
  product: TsoProduct;
  /** `YYYY-MM-DD`, the date written on the prescription. */
  prescribedOn: string;
  /** The first day covered, on or after `prescribedOn`. */
  startsOn: string;
  /** At most `TSO_MAX_DAYS[product]`. */
  durationDays: number;
  /** Units of administration (unités de prise) a day, a whole number above 0. */
  dailyUnits: number;
  /** 1 to 7 (7 when the prescriber wrote nothing), or `'single'` for « délivrance en une seule fois ». */
  fractionDays: number | 'single';
  /** The prescription says it may overlap a period already covered. */
  overlapAllowed: boolean;
  prescriber: { professionalId: string; name: string; address: string; setting: PrescriberSetting };
  /** The pharmacist named on the prescription, required on methadone and BHD. */
  namedPharmacist: string;
}

export interface DispensedFraction {
  dispensedOn: string;
  coversFrom: string;
  coversTo: string;
  units: number;
}

/** What the rules read of the usager's past treatment. */
export interface TsoHistory {
  earlierPrescriptions: readonly TsoPrescription[];
  /** The day since which the usager is stable on methadone syrup, when they are. */
  stableOnSyrupSince?: string;
}

/** A dispensation and how it came about, for the ordonnancier's remarks. */
export interface TsoDispensationPlan {
  fraction: DispensedFraction;
  /**
   * Presented after the 3-day window: only the days left of the fraction in progress are dispensed
   * (all of them when it starts that day, as for a first day set more than 3 days after the date).
   */
  late: boolean;
  /** Days between the previous fraction (or the first day) and this one that will never be dispensed. */
  missedDays: number;
}

const daySchema = z.iso.date();
const MS_PER_DAY = 86_400_000;

export function isTsoProduct(value: string): value is TsoProduct {
  return (TSO_PRODUCTS as readonly string[]).includes(value);
}

export function isMethadone(product: TsoProduct): boolean {
  return product === 'methadone-syrup' || product === 'methadone-capsules';
}

/** The last day a prescription covers. */
export function tsoLastDay(p: Pick<TsoPrescription, 'startsOn' | 'durationDays'>): string {
  return dayOf(dayNumber(p.startsOn, 'startsOn') + p.durationDays - 1);
}

/** All a prescription allows to dispense, in units of administration. */
export function tsoTotalUnits(p: Pick<TsoPrescription, 'durationDays' | 'dailyUnits'>): number {
  return p.durationDays * p.dailyUnits;
}

/** The length of one fraction in days: the whole prescription when dispensed at once. */
export function tsoFractionLength(p: Pick<TsoPrescription, 'durationDays' | 'fractionDays'>): number {
  return p.fractionDays === 'single' ? p.durationDays : p.fractionDays;
}

/**
 * The rules a prescription meets by itself, whatever came before: valid days, a first day on or
 * after its date, a duration within the product's maximum, whole daily units, fractions of 1 to 7
 * days or « en une seule fois », a prescriber identified (name and address go to the ordonnancier),
 * a named pharmacist. The pharmacy checks them again before dispensing.
 */
export function checkTsoPrescriptionTerms(p: TsoPrescription): void {
  if (!isTsoProduct(p.product)) {
    throw new DomainRuleViolation(
      'TSO_PRODUCT_UNKNOWN',
      'Ce produit n’est pas un traitement de substitution aux opiacés connu (méthadone sirop, méthadone gélules, BHD).',
      { product: p.product },
    );
  }
  const label = TSO_PRODUCT_LABELS[p.product];
  const prescribed = dayNumber(p.prescribedOn, 'prescribedOn');
  const starts = dayNumber(p.startsOn, 'startsOn');
  if (starts < prescribed) {
    throw new DomainRuleViolation(
      'TSO_STARTS_BEFORE_PRESCRIPTION',
      `Le traitement ne peut pas commencer (${frenchDay(p.startsOn)}) avant la date de l’ordonnance (${frenchDay(p.prescribedOn)}).`,
      { prescribedOn: p.prescribedOn, startsOn: p.startsOn },
    );
  }
  if (!Number.isInteger(p.durationDays) || p.durationDays < 1) {
    throw new DomainRuleViolation(
      'TSO_DURATION_INVALID',
      'La durée de prescription doit être un nombre entier de jours, d’au moins un jour.',
      { durationDays: p.durationDays },
    );
  }
  const maxDays = TSO_MAX_DAYS[p.product];
  if (p.durationDays > maxDays) {
    throw new DomainRuleViolation(
      'TSO_DURATION_OVER_MAXIMUM',
      `${label} : la prescription ne peut pas dépasser ${maxDays} jours (${p.durationDays} jours prescrits).`,
      { product: p.product, durationDays: p.durationDays, maxDays },
    );
  }
  if (!Number.isSafeInteger(p.dailyUnits) || p.dailyUnits < 1 || !Number.isSafeInteger(tsoTotalUnits(p))) {
    throw new DomainRuleViolation(
      'TSO_DAILY_UNITS_INVALID',
      'La quantité quotidienne doit être un nombre entier d’unités de prise, d’au moins une unité.',
      { dailyUnits: p.dailyUnits },
    );
  }
  if (p.fractionDays !== 'single') {
    if (!Number.isInteger(p.fractionDays) || p.fractionDays < 1) {
      throw new DomainRuleViolation(
        'TSO_FRACTION_INVALID',
        'Le fractionnement doit être un nombre entier de jours (1 à 7) ou « délivrance en une seule fois ».',
        { fractionDays: p.fractionDays },
      );
    }
    if (p.fractionDays > TSO_MAX_FRACTION_DAYS) {
      throw new DomainRuleViolation(
        'TSO_FRACTION_OVER_SEVEN_DAYS',
        `La délivrance est fractionnée par périodes de ${TSO_MAX_FRACTION_DAYS} jours au plus, sauf mention « délivrance en une seule fois » (${p.fractionDays} jours demandés).`,
        { fractionDays: p.fractionDays, maxFractionDays: TSO_MAX_FRACTION_DAYS },
      );
    }
  }
  const prescriber = p.prescriber;
  if (
    isBlank(prescriber?.professionalId) ||
    isBlank(prescriber?.name) ||
    isBlank(prescriber?.address) ||
    !PRESCRIBER_SETTINGS.includes(prescriber.setting)
  ) {
    throw new DomainRuleViolation(
      'TSO_PRESCRIBER_INCOMPLETE',
      'Le prescripteur doit être identifié : nom, adresse et lieu d’exercice (l’ordonnancier les reprend).',
    );
  }
  if (isBlank(p.namedPharmacist)) {
    throw new DomainRuleViolation(
      'TSO_NAMED_PHARMACIST_REQUIRED',
      `${label} : le nom du pharmacien chargé de la délivrance doit figurer sur l’ordonnance.`,
      { product: p.product },
    );
  }
}

/**
 * Refuses a prescription that breaks a rule (see the module comment): its own terms
 * (`checkTsoPrescriptionTerms`), a first methadone prescription not written in a CSAPA or a
 * hospital, capsules for a usager not stable on syrup for a year, an overlap with an earlier
 * prescription of the same prescriber unless allowed.
 */
export function checkTsoPrescription(p: TsoPrescription, history: TsoHistory): void {
  checkTsoPrescriptionTerms(p);
  if (isFirstMethadonePrescription(p, history) && !FIRST_METHADONE_PRESCRIBER_SETTINGS.includes(p.prescriber.setting)) {
    throw new DomainRuleViolation(
      'TSO_FIRST_METHADONE_PRESCRIBER',
      'La première prescription de méthadone doit être faite par un médecin exerçant en CSAPA ou à l’hôpital.',
      { setting: p.prescriber.setting },
    );
  }
  if (p.product === 'methadone-capsules') {
    const since = history.stableOnSyrupSince;
    const anniversary = since === undefined ? undefined : oneYearAfter(since);
    if (anniversary === undefined || anniversary > dayNumber(p.prescribedOn, 'prescribedOn')) {
      throw new DomainRuleViolation(
        'TSO_CAPSULES_REQUIRE_YEAR_ON_SYRUP',
        since === undefined
          ? 'La méthadone en gélules est réservée aux patients stabilisés depuis au moins un an sous méthadone sirop : date de stabilisation inconnue.'
          : `La méthadone en gélules est réservée aux patients stabilisés depuis au moins un an sous méthadone sirop (stabilisé depuis le ${frenchDay(since)}).`,
        { stableOnSyrupSince: since, prescribedOn: p.prescribedOn },
      );
    }
  }
  if (!p.overlapAllowed) {
    const overlapping = tsoOverlaps(p, history.earlierPrescriptions);
    const first = overlapping[0];
    if (first !== undefined) {
      throw new DomainRuleViolation(
        'TSO_OVERLAP',
        `Cette prescription chevauche une prescription du même prescripteur couvrant déjà la période du ${frenchDay(first.startsOn)} au ${frenchDay(tsoLastDay(first))} ; elle ne le peut que si l’ordonnance le mentionne expressément.`,
        { overlappingPrescriptionIds: overlapping.map((earlier) => earlier.prescriptionId) },
      );
    }
  }
}

/** Whether no earlier methadone is known for the usager (see the module comment). */
export function isFirstMethadonePrescription(p: TsoPrescription, history: TsoHistory): boolean {
  if (!isMethadone(p.product) || history.stableOnSyrupSince !== undefined) return false;
  const prescribed = dayNumber(p.prescribedOn, 'prescribedOn');
  return !history.earlierPrescriptions.some(
    (earlier) =>
      earlier.prescriptionId !== p.prescriptionId &&
      earlier.serviceUserId === p.serviceUserId &&
      isMethadone(earlier.product) &&
      dayNumber(earlier.prescribedOn, 'prescribedOn') <= prescribed,
  );
}

/** The earlier prescriptions of the same usager by the same prescriber that cover a day `p` covers. */
export function tsoOverlaps(p: TsoPrescription, earlierPrescriptions: readonly TsoPrescription[]): TsoPrescription[] {
  const from = dayNumber(p.startsOn, 'startsOn');
  const to = from + p.durationDays - 1;
  return earlierPrescriptions.filter((earlier) => {
    if (earlier.prescriptionId === p.prescriptionId) return false;
    if (earlier.serviceUserId !== p.serviceUserId) return false;
    if (earlier.prescriber.professionalId !== p.prescriber.professionalId) return false;
    const earlierFrom = dayNumber(earlier.startsOn, 'startsOn');
    const earlierTo = earlierFrom + earlier.durationDays - 1;
    return earlierFrom <= to && from <= earlierTo;
  });
}

/**
 * What may be dispensed when the patient presents on `presentedOn`, given what was already
 * dispensed on this prescription (see the module comment for the fractions and the 3-day window).
 * Refused when the prescription breaks its own terms, when nothing remains, when presented after
 * its last day, before its first day, or before the previous fraction ends.
 */
export function tsoDispensation(
  p: TsoPrescription,
  dispensed: readonly DispensedFraction[],
  presentedOn: string,
): DispensedFraction {
  return planTsoDispensation(p, dispensed, presentedOn).fraction;
}

/** `tsoDispensation`, with whether the presentation was late and how many days were missed. */
export function planTsoDispensation(
  p: TsoPrescription,
  dispensed: readonly DispensedFraction[],
  presentedOn: string,
): TsoDispensationPlan {
  checkTsoPrescriptionTerms(p);
  const presented = dayNumber(presentedOn, 'presentedOn');
  const starts = dayNumber(p.startsOn, 'startsOn');
  const last = starts + p.durationDays - 1;
  const fraction = tsoFractionLength(p);
  const dispensedUnits = dispensed.reduce((sum, previous) => sum + previous.units, 0);
  const remainingUnits = tsoTotalUnits(p) - dispensedUnits;
  const lastCovered =
    dispensed.length === 0
      ? undefined
      : Math.max(...dispensed.map((previous) => dayNumber(previous.coversTo, 'coversTo')));
  if (remainingUnits <= 0 || (lastCovered !== undefined && lastCovered >= last)) {
    throw new DomainRuleViolation(
      'TSO_NOTHING_LEFT_TO_DISPENSE',
      'Il ne reste rien à délivrer sur cette prescription : toutes ses périodes ont été délivrées ou sont passées.',
      { prescriptionId: p.prescriptionId, dispensedUnits, totalUnits: tsoTotalUnits(p) },
    );
  }
  if (presented > last) {
    throw new DomainRuleViolation(
      'TSO_PRESCRIPTION_ENDED',
      `Cette prescription a pris fin le ${frenchDay(dayOf(last))} : elle ne peut plus être délivrée.`,
      { prescriptionId: p.prescriptionId, lastDay: dayOf(last), presentedOn },
    );
  }
  if (lastCovered === undefined && presented < starts) {
    throw new DomainRuleViolation(
      'TSO_PRESCRIPTION_NOT_STARTED',
      `Cette prescription ne couvre pas encore ce jour : première délivrance possible le ${frenchDay(p.startsOn)}.`,
      { prescriptionId: p.prescriptionId, startsOn: p.startsOn, presentedOn },
    );
  }
  if (lastCovered !== undefined && presented <= lastCovered) {
    throw new DomainRuleViolation(
      'TSO_PREVIOUS_FRACTION_NOT_ENDED',
      `La fraction précédente couvre jusqu’au ${frenchDay(dayOf(lastCovered))} : la suivante se délivre à partir du ${frenchDay(dayOf(lastCovered + 1))}.`,
      { prescriptionId: p.prescriptionId, coveredTo: dayOf(lastCovered), presentedOn },
    );
  }
  // The first day the next fraction would cover, and the last day to present it in full.
  const due = lastCovered === undefined ? starts : lastCovered + 1;
  const deadline =
    (lastCovered === undefined ? dayNumber(p.prescribedOn, 'prescribedOn') : lastCovered) + TSO_PRESENTATION_GRACE_DAYS;
  const fractionEnd = (day: number) =>
    Math.min(starts + (Math.floor((day - starts) / fraction) + 1) * fraction - 1, last);
  const late = presented > deadline;
  const inFull = !late && fractionEnd(due) >= presented;
  const coversFrom = inFull ? due : presented;
  const coversTo = fractionEnd(coversFrom);
  const units = Math.min((coversTo - coversFrom + 1) * p.dailyUnits, remainingUnits);
  return {
    fraction: { dispensedOn: presentedOn, coversFrom: dayOf(coversFrom), coversTo: dayOf(coversTo), units },
    late,
    missedDays: coversFrom - due,
  };
}

function isBlank(value: string | undefined): boolean {
  return typeof value !== 'string' || value.trim().length === 0;
}

/** Days since 1970-01-01; refuses what is not a `YYYY-MM-DD` day of the calendar. */
function dayNumber(day: string, field: string): number {
  if (!daySchema.safeParse(day).success) {
    throw new DomainRuleViolation('TSO_DAY_INVALID', 'Date invalide (AAAA-MM-JJ attendu).', { field, day });
  }
  return Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10)) / MS_PER_DAY;
}

function dayOf(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The day number of the first anniversary; 29 February's is 1 March. */
function oneYearAfter(day: string): number {
  dayNumber(day, 'stableOnSyrupSince');
  return Date.UTC(+day.slice(0, 4) + 1, +day.slice(5, 7) - 1, +day.slice(8, 10)) / MS_PER_DAY;
}

function frenchDay(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}
