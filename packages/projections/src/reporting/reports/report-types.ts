/**
 * The activity reports and indicators (DOMAIN.md, Activity reports and indicators), as data: what
 * the library computes from the reporting outbox, what the HTTP API and `dui report` serve as
 * JSON and CSV, and what the French HTML and PDF renderings show. Every figure is a count over
 * pseudonymous subjects or facts: no report carries a name.
 *
 * Definitions, which the oracle of the tests recomputes independently from the raw events:
 * - A fact counts in the period when its day (`occurredOn`, Europe/Paris) is within `from`..`to`
 *   inclusive, in its ESSMS (or any ESSMS of the organisation for an organisation-wide report).
 * - Corrections and cancellations apply: an act or a passage counts as its latest version, and not
 *   at all once cancelled; a dispensation countered does not count.
 * - File active (CSAPA): distinct subjects with at least one act in the period; patients and
 *   entourage split by the population of the subject's usage profile for the year of the period's
 *   end (a subject with no profile counts as a patient).
 * - New (CSAPA): subjects of the file active whose admission (`accompaniment.admitted`) in that
 *   ESSMS falls within the period.
 * - Profile breakdowns (referral, housing, income, main product, use level, injection) are over
 *   the file active patients, from each one's latest usage profile of the year of the period's end
 *   in that ESSMS (`unknown` without one): one main product per patient per year.
 * - Age is in whole years at the period's end from the birth year (`birthYear` − year of `to`
 *   gives the age reached that year); bands: under 18, 18–24, 25–29, 30–39, 40–49, 50–59, 60 and over.
 * - File active (CAARUD): distinct identified subjects with at least one passage in the period;
 *   new users: those whose first passage ever in that ESSMS (organisation-wide: in any ESSMS) is in
 *   the period; unidentified passages are counted apart, never as users.
 * - ESMS numérique: active records = distinct subjects with any reporting fact in the period;
 *   documents sent to the DMP = submissions the DMP accepted in the period (replacements included),
 *   in the ESSMS that requested them; MSSanté messages = messages sent in the period by the ESSMS.
 */

/** Which facts a report covers: an ESSMS, or the whole organisme gestionnaire. */
export interface ReportScope {
  organisationId: string;
  /** Absent: every ESSMS of the organisation. */
  facilityId?: string;
  /** Inclusive ISO days. */
  from: string;
  to: string;
}

/** A count per code, codes sorted; codes the domain knows, plus `unknown`. */
export type CountsByCode = Record<string, number>;

export const AGE_BANDS_OF_REPORTS = [
  'under18',
  '18-24',
  '25-29',
  '30-39',
  '40-49',
  '50-59',
  '60plus',
  'unknown',
] as const;
export type ReportAgeBand = (typeof AGE_BANDS_OF_REPORTS)[number];

export interface CsapaActivityReport {
  kind: 'csapa';
  scope: ReportScope;
  /** When it was computed (ISO instant). */
  computedAt: string;
  fileActive: { total: number; patients: number; entourage: number; newPatients: number };
  patients: {
    bySex: CountsByCode;
    byAgeBand: Record<ReportAgeBand, number>;
    byReferral: CountsByCode;
    byHousing: CountsByCode;
    byIncome: CountsByCode;
    byMainProduct: CountsByCode;
    byUseLevel: CountsByCode;
    byInjection: CountsByCode;
  };
  /** Acts (not cancelled), by the profession of who performed them. */
  actsByProfession: CountsByCode;
  /** Collective acts and the distinct subjects who took part in them. */
  groups: { collectiveActs: number; participants: number };
  /** TSO per product: distinct patients with a prescription in the period, distinct patients dispensed, units dispensed. */
  tso: Record<string, { prescribedPatients: number; dispensedPatients: number; unitsDispensed: number }>;
  /** Exams prescribed in the period by category (screening: HIV, HCV, HBV …). */
  examsByCategory: CountsByCode;
  exits: { total: number; byReason: CountsByCode };
}

export interface CaarudActivityReport {
  kind: 'caarud';
  scope: ReportScope;
  computedAt: string;
  fileActive: { total: number; newUsers: number };
  /** Passages (not cancelled), identified and unidentified. */
  passages: { total: number; identified: number; unidentified: number };
  passagesBySetting: CountsByCode;
  /** Unidentified passages alone, by setting: counted apart in ASA-CAARUD. */
  unidentifiedBySetting: CountsByCode;
  servicesGiven: CountsByCode;
  /** Quantities handed out, by supply code. */
  suppliesHandedOut: CountsByCode;
  syringesCollected: { duringPassages: number; outsidePassages: number; total: number };
  /** `hiv.negative` … : tests by test and result. */
  rapidTests: CountsByCode;
}

/** One anonymised record per patient per year (RECAP, OFDT): no id but the pseudonymous key. */
export interface RecapRecord {
  year: number;
  facilityId: string;
  subjectKey: string;
  sex: string;
  birthYear: number | null;
  population: string;
  referral: string;
  housing: string;
  income: string;
  mainProduct: string;
  useLevel: string;
  injection: string;
  /** Whether the patient had a TSO prescription or dispensation in the year, and which product. */
  tsoProduct: string | null;
  acts: number;
  newInYear: boolean;
}

export interface RecapExtract {
  kind: 'recap';
  scope: ReportScope;
  computedAt: string;
  records: RecapRecord[];
}

export interface EsmsNumeriqueIndicators {
  kind: 'esms-numerique';
  scope: ReportScope;
  computedAt: string;
  activeRecords: number;
  /** Among active records of identified usagers, those whose latest identity status by the period's end is QUAL. */
  identifiedRecords: number;
  qualifiedInsRecords: number;
  /** `qualifiedInsRecords / identifiedRecords`, 0 when none. */
  qualifiedInsShare: number;
  documentsStored: number;
  /**
   * Submissions the DMP accepted in the period, from the ESSMS of the scope: a replacement (RPLC)
   * is one more; refused or unanswered ones are not counted.
   */
  documentsSentToDmp: number;
  /** MSSanté messages that left the ESSMS's mailbox in the period, one per message whatever its recipients. */
  mssanteMessages: number;
  portalLogins: number;
  portalUsers: number;
}

export type ActivityReport = CsapaActivityReport | CaarudActivityReport | RecapExtract | EsmsNumeriqueIndicators;
