/**
 * The deadlines of a contrat de séjour or DIPC (L.311-4 CASF, D.311), counted from the admission
 * day in calendar days (`YYYY-MM-DD`); today is a parameter, the domain holds no clock:
 * - handed over within 15 days of admission (the 15th day included);
 * - signed within 1 month of admission (the same day of the next month, or its last day when the
 *   month is shorter: admitted on 31 January, signed by 28 or 29 February);
 * - objectives and services amended within 6 months of admission, until the first signed amendment;
 * - then reviewed every year: 12 months after the last review, or after the first amendment.
 *
 * "About to be missed" (`due-soon`) starts a lead time before each deadline, scaled to its length
 * so that the team has time to act without being warned for weeks: 5 days for the handover (a
 * third of its 15 days), 7 for the signature (a week of its month), 30 for the amendment and the
 * review (a month of their 6 or 12). A deadline is `overdue` from the day after it.
 */
export const STAY_CONTRACT_HANDOVER_DAYS = 15;
export const STAY_CONTRACT_SIGNATURE_MONTHS = 1;
export const STAY_CONTRACT_AMENDMENT_MONTHS = 6;
export const STAY_CONTRACT_REVIEW_MONTHS = 12;

export type StayContractDeadline = 'handover' | 'signature' | 'amendment' | 'review';

/** How many days before each deadline a contract shows `<deadline>-due-soon`. */
export const STAY_CONTRACT_LEAD_DAYS: Readonly<Record<StayContractDeadline, number>> = {
  handover: 5,
  signature: 7,
  amendment: 30,
  review: 30,
};

/** The longest lead time: a read model may narrow its search with it. */
export const STAY_CONTRACT_MAX_LEAD_DAYS = Math.max(...Object.values(STAY_CONTRACT_LEAD_DAYS));

export type StayContractWarningType = `${StayContractDeadline}-${'due-soon' | 'overdue'}`;

export interface StayContractWarning {
  type: StayContractWarningType;
  deadline: StayContractDeadline;
  /** The last day the act is on time. */
  dueOn: string;
}

/**
 * What the deadline rule reads of a contract: the decider's state fits, and so does a row of a
 * read model. A day left undefined is an act not done yet.
 */
export interface StayContractTerms {
  status: 'none' | 'draft' | 'handed-over' | 'signed' | 'closed';
  admittedOn?: string | undefined;
  handedOverOn?: string | undefined;
  signedOn?: string | undefined;
  firstAmendmentSignedOn?: string | undefined;
  lastReviewedOn?: string | undefined;
}

/** The deadlines still open, each with its last day on time; none once the contract is closed. */
export function stayContractDeadlines(contract: StayContractTerms): Partial<Record<StayContractDeadline, string>> {
  const { admittedOn } = contract;
  if (contract.status === 'none' || contract.status === 'closed' || admittedOn === undefined) return {};
  const deadlines: Partial<Record<StayContractDeadline, string>> = {};
  if (contract.handedOverOn === undefined) {
    deadlines.handover = addDays(admittedOn, STAY_CONTRACT_HANDOVER_DAYS);
  }
  if (contract.signedOn === undefined) {
    deadlines.signature = addMonths(admittedOn, STAY_CONTRACT_SIGNATURE_MONTHS);
  }
  if (contract.firstAmendmentSignedOn === undefined) {
    deadlines.amendment = addMonths(admittedOn, STAY_CONTRACT_AMENDMENT_MONTHS);
  } else {
    deadlines.review = addMonths(
      contract.lastReviewedOn ?? contract.firstAmendmentSignedOn,
      STAY_CONTRACT_REVIEW_MONTHS,
    );
  }
  return deadlines;
}

/**
 * The warnings a contract calls for on `today` (`YYYY-MM-DD`), the most urgent (earliest due)
 * first: `<deadline>-overdue` once today is past the deadline, `<deadline>-due-soon` from
 * `STAY_CONTRACT_LEAD_DAYS[deadline]` days before it to the deadline included. A closed contract
 * (the accompaniment ended) warns of nothing.
 */
export function stayContractWarnings(contract: StayContractTerms, today: string): StayContractWarning[] {
  const warnings: StayContractWarning[] = [];
  for (const [deadline, dueOn] of Object.entries(stayContractDeadlines(contract)) as [StayContractDeadline, string][]) {
    if (today > dueOn) warnings.push({ type: `${deadline}-overdue`, deadline, dueOn });
    else if (today >= addDays(dueOn, -STAY_CONTRACT_LEAD_DAYS[deadline])) {
      warnings.push({ type: `${deadline}-due-soon`, deadline, dueOn });
    }
  }
  return warnings.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0));
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The same day `months` months later, clamped to the last day of a shorter month. */
function addMonths(day: string, months: number): string {
  const [year, month, dayOfMonth] = day.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(dayOfMonth, lastDay));
  return target.toISOString().slice(0, 10);
}
