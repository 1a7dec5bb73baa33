import {
  DEFAULT_HARM_REDUCTION_SUPPLIES,
  EXAM_CATEGORY_LABELS,
  EXIT_REASON_LABELS,
  HOUSING_LABELS,
  INCOME_LABELS,
  INJECTION_LABELS,
  MAIN_PRODUCT_LABELS,
  NO_MAIN_PRODUCT_LABEL,
  RAPID_TEST_LABELS,
  RAPID_TEST_RESULT_LABELS,
  REFERRAL_LABELS,
  ROLE_LABELS,
  SEX_LABELS,
  TSO_PRODUCT_LABELS,
  USE_LEVEL_LABELS,
  VISIT_SERVICE_LABELS,
  VISIT_SETTING_LABELS,
} from '@dui-pds/domain';
import { type ActivityReport, AGE_BAND_LABELS } from '@dui-pds/projections';
import { frenchLongDay } from '../pdf/french-pdf.js';

/** A code's French label, in the order the domain lists its codes (the order of a report's lines). */
export type CodeLabels = Readonly<Record<string, string>>;

/** The facts a report lacks read alike everywhere: a missing profile, birth year or result. */
const UNKNOWN_LABEL = 'Non renseigné';

const capitalised = (labels: Readonly<Record<string, string>>): CodeLabels =>
  Object.fromEntries(
    Object.entries(labels).map(([code, label]) => [code, label.charAt(0).toUpperCase() + label.slice(1)]),
  );

export const SEX_REPORT_LABELS: CodeLabels = { ...capitalised(SEX_LABELS), unknown: UNKNOWN_LABEL };

/** The projections' own, so that the CSV and the renderings name the bands alike. */
export const AGE_BAND_REPORT_LABELS: CodeLabels = AGE_BAND_LABELS;

export const REFERRAL_REPORT_LABELS: CodeLabels = REFERRAL_LABELS;
export const HOUSING_REPORT_LABELS: CodeLabels = HOUSING_LABELS;
export const INCOME_REPORT_LABELS: CodeLabels = INCOME_LABELS;
/** `none`: a patient's profile names no product; `unknown`: no profile at all. */
export const MAIN_PRODUCT_REPORT_LABELS: CodeLabels = {
  ...MAIN_PRODUCT_LABELS,
  none: NO_MAIN_PRODUCT_LABEL,
  unknown: UNKNOWN_LABEL,
};
export const USE_LEVEL_REPORT_LABELS: CodeLabels = {
  ...USE_LEVEL_LABELS,
  none: 'Non évalué',
  unknown: UNKNOWN_LABEL,
};
export const INJECTION_REPORT_LABELS: CodeLabels = {
  ...INJECTION_LABELS,
  none: 'Non évalué',
  unknown: UNKNOWN_LABEL,
};
export const PROFESSION_REPORT_LABELS: CodeLabels = { ...capitalised(ROLE_LABELS), unknown: UNKNOWN_LABEL };
export const TSO_PRODUCT_REPORT_LABELS: CodeLabels = { ...TSO_PRODUCT_LABELS, other: 'Autre médicament' };
export const EXAM_CATEGORY_REPORT_LABELS: CodeLabels = { ...EXAM_CATEGORY_LABELS, unknown: UNKNOWN_LABEL };
export const EXIT_REASON_REPORT_LABELS: CodeLabels = { ...EXIT_REASON_LABELS, unknown: UNKNOWN_LABEL };
export const VISIT_SETTING_REPORT_LABELS: CodeLabels = VISIT_SETTING_LABELS;
export const VISIT_SERVICE_REPORT_LABELS: CodeLabels = VISIT_SERVICE_LABELS;
/** The default catalogue's supplies; an organisation's own are named by the caller's `supplyLabels`. */
export const SUPPLY_REPORT_LABELS: CodeLabels = Object.fromEntries(
  DEFAULT_HARM_REDUCTION_SUPPLIES.map((supply) => [supply.code, supply.label]),
);
/** `hiv.negative` → « TROD VIH — négatif », tests in the domain's order, then results. */
export const RAPID_TEST_OUTCOME_REPORT_LABELS: CodeLabels = Object.fromEntries(
  Object.entries(RAPID_TEST_LABELS).flatMap(([test, testLabel]) =>
    Object.entries(RAPID_TEST_RESULT_LABELS).map(([result, resultLabel]) => [
      `${test}.${result}`,
      `${testLabel} — ${resultLabel.toLowerCase()}`,
    ]),
  ),
);

/**
 * A code's label. A code the labels do not know (a newer one than this code, say) is shown as it
 * is, marked as a code: the figure is never dropped, and never passed off as French.
 */
export function labelOf(code: string, labels: CodeLabels): string {
  return Object.hasOwn(labels, code) ? (labels[code] as string) : `Code « ${code} »`;
}

/**
 * The codes of a count in reading order: the labels' order (the domain's), `unknown` last of the
 * known ones, then codes without a label in alphabetical order.
 */
export function codesInOrder(counts: Readonly<Record<string, number>>, labels: CodeLabels): string[] {
  const known = Object.keys(labels).filter((code) => Object.hasOwn(counts, code));
  const ordered = [...known.filter((code) => code !== 'unknown'), ...known.filter((code) => code === 'unknown')];
  const others = Object.keys(counts)
    .filter((code) => !Object.hasOwn(labels, code))
    .sort();
  return [...ordered, ...others];
}

const INTEGER = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const PERCENT = new Intl.NumberFormat('fr-FR', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

/**
 * French digit grouping with a no-break space (U+00A0) rather than Intl's narrow one (U+202F),
 * which the PDF's standard fonts cannot encode.
 */
function withPlainNoBreakSpaces(text: string): string {
  return text.replace(/[\u202f\u00a0]/g, '\u00a0');
}

/** `12345` → `12 345`. */
export function frenchInteger(value: number): string {
  return withPlainNoBreakSpaces(INTEGER.format(value));
}

/** `0.825` → `82,5 %`. */
export function frenchPercent(share: number): string {
  return withPlainNoBreakSpaces(PERCENT.format(Number.isFinite(share) ? share : 0));
}

const WHOLE_PERCENT = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 0 });

/** `0.25` → `25 %`: the graduations of a share's axis. */
export function frenchWholePercent(share: number): string {
  return withPlainNoBreakSpaces(WHOLE_PERCENT.format(share));
}

/** The part of a total, `—` when there is no total to share. */
export function shareOf(value: number, total: number): string {
  return total > 0 ? frenchPercent(value / total) : '—';
}

export const REPORT_TITLES: Readonly<Record<ActivityReport['kind'], string>> = {
  csapa: 'Rapport d’activité du CSAPA',
  caarud: 'Rapport d’activité du CAARUD (ASA-CAARUD)',
  recap: 'Extraction RECAP (OFDT) : un enregistrement par patient et par an',
  'esms-numerique': 'Indicateurs ESMS numérique',
};

/** The same, short enough for the header of every page. */
export const REPORT_SHORT_TITLES: Readonly<Record<ActivityReport['kind'], string>> = {
  csapa: 'Rapport d’activité CSAPA',
  caarud: 'Rapport d’activité CAARUD',
  recap: 'Extraction RECAP',
  'esms-numerique': 'Indicateurs ESMS numérique',
};

export interface ReportNames {
  organisationName?: string;
  facilityNames?: Readonly<Record<string, string>>;
}

/** An ESSMS as people know it: its name with its FINESS, or its FINESS alone. */
export function facilityLabel(facilityId: string, names: ReportNames): string {
  const name = names.facilityNames?.[facilityId]?.trim();
  return name ? `${name} (FINESS ${facilityId})` : `ESSMS FINESS ${facilityId}`;
}

export function organisationLabel(organisationId: string, names: ReportNames): string {
  return names.organisationName?.trim() || `Organisme gestionnaire ${organisationId}`;
}

/** « du 1er janvier 2026 au 31 décembre 2026 ». */
export function periodLabel(scope: ActivityReport['scope']): string {
  return `du ${frenchLongDay(scope.from)} au ${frenchLongDay(scope.to)}`;
}

/** « CSAPA Le Phare — du 1er janvier 2026 au 31 décembre 2026 », or the organisation (tous ESSMS). */
export function scopeHeading(scope: ActivityReport['scope'], names: ReportNames): string {
  const who = scope.facilityId
    ? names.facilityNames?.[scope.facilityId]?.trim() || `ESSMS FINESS ${scope.facilityId}`
    : `${organisationLabel(scope.organisationId, names)} (tous ESSMS)`;
  return `${who} — ${periodLabel(scope)}`;
}
