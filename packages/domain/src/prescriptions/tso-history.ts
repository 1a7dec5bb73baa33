import { isMethadone, type TsoHistory, type TsoPrescription, tsoLastDay } from '../opioid-substitution/tso-rules.js';

/** A TSO prescription of the usager, as the record holds it. */
export interface RecordedTsoPrescription {
  /** Its terms, `durationDays` being the days it really covered (at least one). */
  prescription: TsoPrescription;
  /** The attestation it carries, on a methadone syrup prescription. */
  stableOnSyrupSince?: string;
}

/**
 * The TSO history a new prescription is checked against (`PrescribeMedicine.tsoHistory`), drawn
 * from what the record holds of the usager's TSO prescriptions, never from the request.
 *
 * Decisions taken here:
 * - Every recorded TSO prescription that covered at least one day is passed, with the days it
 *   really covered (a stopped one cut the day before its stop, `medicineDaysCovered`; one stopped
 *   before its first day is left out: it never ran). The overlap rule needs those covering the new
 *   days; the first-methadone rule needs any earlier methadone, even one ended long ago (the relay
 *   from a CSAPA to a general practitioner is the usual path). A suspended prescription still
 *   covers its days: it may be resumed.
 * - `stableOnSyrupSince` is the prescriber's attestation on the latest methadone syrup prescription
 *   that gave one, dated on or before the new prescription. It holds while the methadone treatment
 *   (syrup or capsules) went on without a day uncovered, from the first day of the attesting
 *   prescription to the day before the new one starts: a usager who stopped methadone, even for a
 *   day between two prescriptions, is no longer known to be stable, until a doctor attests it again.
 */
export function tsoHistoryFor(
  recorded: readonly RecordedTsoPrescription[],
  next: { prescribedOn: string; startsOn: string },
): TsoHistory {
  const covering = recorded.filter((entry) => entry.prescription.durationDays >= 1);
  const attesting = covering
    .filter((entry) => entry.stableOnSyrupSince !== undefined && entry.prescription.prescribedOn <= next.prescribedOn)
    .sort(
      (a, b) =>
        compare(b.prescription.startsOn, a.prescription.startsOn) ||
        compare(b.prescription.prescribedOn, a.prescription.prescribedOn),
    )[0];
  const stableOnSyrupSince =
    attesting !== undefined &&
    methadoneWithoutGap(
      covering.map((entry) => entry.prescription),
      attesting.prescription.startsOn,
      next.startsOn,
    )
      ? attesting.stableOnSyrupSince
      : undefined;
  return {
    earlierPrescriptions: covering.map((entry) => entry.prescription),
    ...(stableOnSyrupSince !== undefined ? { stableOnSyrupSince } : {}),
  };
}

/** Whether methadone prescriptions cover every day from `from` to the day before `until`. */
export function methadoneWithoutGap(prescriptions: readonly TsoPrescription[], from: string, until: string): boolean {
  const periods = prescriptions
    .filter((prescription) => isMethadone(prescription.product) && prescription.durationDays >= 1)
    .map((prescription) => ({ from: prescription.startsOn, to: tsoLastDay(prescription) }))
    .sort((a, b) => compare(a.from, b.from));
  // the first day not yet known to be covered
  let uncovered = from;
  for (const period of periods) {
    if (uncovered >= until) break;
    if (period.from > uncovered) return false;
    if (period.to >= uncovered) uncovered = dayAfter(period.to);
  }
  return uncovered >= until;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dayAfter(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}
