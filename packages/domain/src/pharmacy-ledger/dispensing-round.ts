import { DomainRuleViolation } from '../errors.js';
import { type AccompanimentEnd, accompanimentEndedRefusal } from '../exits/accompaniment-end.js';
import { planTsoDispensation, type TsoPrescription, type TsoProduct } from '../opioid-substitution/tso-rules.js';
import type { MedicinePrescriptionStatus } from '../prescriptions/prescription.js';
import { addCalendarDays } from '../social-benefits/social-benefit.js';
import type { CarriedPrescription, LedgerMonth } from './pharmacy-ledger.js';

/**
 * Where a prescription registered at the pharmacy stands on a day, for the nurse's round:
 * - `due`: a methadone or BHD fraction is to be dispensed today, in full (`fraction`);
 * - `late`: the usager missed days beyond the grace the rules give: today's fraction starts
 *   today and the days missed are not given back (`missedDays`);
 * - `asNeeded`: another medicine, whose units are decided at each dispensation;
 * - `covered`: the last fraction still covers the day: the next one from `nextOn`;
 * - `notStarted`: the prescription starts on `nextOn`;
 * - `blocked`: the rules refuse any dispensation today (`reason`, a French sentence, and `code`);
 * - `notInForce`: the record says the prescription is suspended, stopped or completed
 *   (`prescriptionStatus`), or the accompaniment it was made in has ended (`reason`): nothing is
 *   to be dispensed on it, whatever the ledger still allows.
 * Prescriptions that ended, or whose units were all dispensed, are not part of the round.
 */
export type DispensingRoundStatus = 'due' | 'late' | 'asNeeded' | 'covered' | 'notStarted' | 'blocked' | 'notInForce';

export interface DispensingRoundEntry {
  prescriptionId: string;
  serviceUserId: string;
  productId: string;
  productName: string;
  unit: string;
  tsoProduct: TsoProduct | undefined;
  status: DispensingRoundStatus;
  /** For `due` and `late`: what a dispensation today would give. */
  fraction: { coversFrom: string; coversTo: string; units: number } | undefined;
  missedDays: number;
  /** For `covered` and `notStarted`: the first day the next dispensation can be made. */
  nextOn: string | undefined;
  lastDispensedOn: string | undefined;
  dispensedToday: boolean;
  remainingUnits: number;
  endsOn: string;
  /** For `blocked`, and `notInForce` once the accompaniment ended: why, in French, and the rule's code. */
  reason: { code: string; message: string } | undefined;
  /** For `notInForce`: the prescription's status in the record. */
  prescriptionStatus: MedicinePrescriptionStatus | undefined;
}

/**
 * Whether a prescription may no longer be dispensed on `day` because the accompaniment it was
 * made in has ended: an exit recorded on or after the day it was prescribed, and passed (the exit
 * day itself is still a day of the accompaniment). A death, an incarceration, a transfer: the
 * treatment goes on elsewhere, if at all, and a narcotic is not handed over for someone who left.
 * `end` is the usager's last exit in the ESSMS: one before the prescription ended an earlier
 * accompaniment.
 */
export function endedAccompanimentRefusal(
  prescription: Pick<CarriedPrescription, 'prescribedOn'>,
  end: AccompanimentEnd | undefined,
  day: string,
): DomainRuleViolation | undefined {
  if (end === undefined || end.exitDay < prescription.prescribedOn) return undefined;
  return accompanimentEndedRefusal(end, day, 'dispensation');
}

/** The order of the round: who is to be served first. */
const ROUND_ORDER: readonly DispensingRoundStatus[] = [
  'late',
  'due',
  'asNeeded',
  'notInForce',
  'blocked',
  'covered',
  'notStarted',
];

/**
 * The round of `day` over a ledger month's registered prescriptions: each one still open, with
 * what the TSO rules would dispense if the usager presented that day (`planTsoDispensation`, the
 * very rule a dispensation is decided by), the late first, then those due, then the rest.
 * `record` tells what the record says beyond the ledger: each prescription's status in the
 * prescriptions module (the ledger does not learn of a suspension; one it does not know is taken
 * as in force), and each usager's last exit from the ESSMS.
 */
export function dispensingRound(
  ledger: Pick<LedgerMonth, 'prescriptions' | 'products'>,
  day: string,
  record: {
    statusOf?: (prescriptionId: string) => MedicinePrescriptionStatus | undefined;
    /** The last exit of each usager from the ESSMS, if any. */
    endOf?: (serviceUserId: string) => AccompanimentEnd | undefined;
  } = {},
): DispensingRoundEntry[] {
  const entries: DispensingRoundEntry[] = [];
  for (const prescription of ledger.prescriptions.values()) {
    const remainingUnits = prescription.totalUnits - prescription.dispensed.reduce((sum, { units }) => sum + units, 0);
    if (remainingUnits <= 0 || day > prescription.endsOn) continue;
    const inRecord = record.statusOf?.(prescription.prescriptionId);
    const ended = endedAccompanimentRefusal(prescription, record.endOf?.(prescription.serviceUserId), day);
    const standing: Standing | undefined =
      inRecord !== undefined && inRecord !== 'prescribed'
        ? { status: 'notInForce', prescriptionStatus: inRecord }
        : ended !== undefined
          ? { status: 'notInForce', reason: { code: ended.code, message: ended.message } }
          : standingOn(prescription, day);
    if (standing === undefined) continue;
    const product = ledger.products.get(prescription.productId);
    const lastDispensedOn = prescription.dispensed
      .map((fraction) => fraction.dispensedOn)
      .sort()
      .at(-1);
    entries.push({
      prescriptionId: prescription.prescriptionId,
      serviceUserId: prescription.serviceUserId,
      productId: prescription.productId,
      productName: product?.name ?? prescription.productId,
      unit: product?.unit ?? '',
      tsoProduct: prescription.tso?.product,
      fraction: undefined,
      missedDays: 0,
      nextOn: undefined,
      reason: undefined,
      prescriptionStatus: undefined,
      ...standing,
      lastDispensedOn,
      dispensedToday: prescription.dispensed.some((fraction) => fraction.dispensedOn === day),
      remainingUnits,
      endsOn: prescription.endsOn,
    });
  }
  return entries.sort(
    (one, other) =>
      ROUND_ORDER.indexOf(one.status) - ROUND_ORDER.indexOf(other.status) ||
      (one.nextOn ?? '').localeCompare(other.nextOn ?? '') ||
      one.serviceUserId.localeCompare(other.serviceUserId) ||
      one.prescriptionId.localeCompare(other.prescriptionId),
  );
}

type Standing = Pick<DispensingRoundEntry, 'status'> &
  Partial<Pick<DispensingRoundEntry, 'fraction' | 'missedDays' | 'nextOn' | 'reason' | 'prescriptionStatus'>>;

/** Undefined when the prescription has nothing left to dispense from that day on. */
function standingOn(prescription: CarriedPrescription, day: string): Standing | undefined {
  if (prescription.tso === undefined) return { status: 'asNeeded' };
  try {
    const plan = planTsoDispensation(prescription.tso as TsoPrescription, prescription.dispensed, day);
    const { coversFrom, coversTo, units } = plan.fraction;
    return {
      status: plan.late ? 'late' : 'due',
      fraction: { coversFrom, coversTo, units },
      missedDays: plan.missedDays,
    };
  } catch (error) {
    if (!(error instanceof DomainRuleViolation)) throw error;
    switch (error.code) {
      case 'TSO_PREVIOUS_FRACTION_NOT_ENDED':
        return { status: 'covered', nextOn: addCalendarDays(String(error.details.coveredTo), 1) };
      case 'TSO_PRESCRIPTION_NOT_STARTED':
        return { status: 'notStarted', nextOn: prescription.tso.startsOn };
      case 'TSO_NOTHING_LEFT_TO_DISPENSE':
      case 'TSO_PRESCRIPTION_ENDED':
        return undefined;
      default:
        return { status: 'blocked', reason: { code: error.code, message: error.message } };
    }
  }
}
