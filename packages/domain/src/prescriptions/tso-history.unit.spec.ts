import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkTsoPrescription, type TsoPrescription, type TsoProduct } from '../opioid-substitution/tso-rules.js';
import { methadoneWithoutGap, type RecordedTsoPrescription, tsoHistoryFor } from './tso-history.js';

const csapaDoctor = {
  professionalId: 'rpps-10000000001',
  name: 'Dr Claire Martin',
  address: 'CSAPA Le Relais, 12 rue des Lilas, 75020 Paris',
  setting: 'csapa' as const,
};
const generalPractitioner = { ...csapaDoctor, professionalId: 'rpps-10000000002', setting: 'other' as const };

let counter = 0;
function tso(product: TsoProduct, startsOn: string, durationDays: number, terms: Partial<TsoPrescription> = {}) {
  counter += 1;
  return {
    prescriptionId: `0195f0a0-0000-7000-8000-${String(counter).padStart(12, '0')}`,
    serviceUserId: 'usager-1',
    product,
    prescribedOn: startsOn,
    startsOn,
    durationDays,
    dailyUnits: 1,
    fractionDays: 7,
    overlapAllowed: false,
    prescriber: csapaDoctor,
    namedPharmacist: 'Pharmacie du CSAPA',
    ...terms,
  } satisfies TsoPrescription;
}
const recorded = (prescription: TsoPrescription, stableOnSyrupSince?: string): RecordedTsoPrescription => ({
  prescription,
  ...(stableOnSyrupSince === undefined ? {} : { stableOnSyrupSince }),
});

describe('the TSO history of a usager, drawn from the record', () => {
  it('passes every prescription that covered a day, and leaves out one that never ran', () => {
    // given syrup in 2024, a prescription stopped before its first day, and one running
    const old = tso('methadone-syrup', '2024-01-01', 14);
    const neverRan = tso('methadone-syrup', '2025-02-20', 0);
    const running = tso('methadone-syrup', '2025-03-01', 14);

    // when
    const history = tsoHistoryFor(
      [old, neverRan, running].map((p) => recorded(p)),
      {
        prescribedOn: '2025-03-10',
        startsOn: '2025-03-10',
      },
    );

    // then
    assert.deepEqual(history, { earlierPrescriptions: [old, running] });
  });

  it('makes a relay by a general practitioner no first methadone, even after a gap', () => {
    // given the CSAPA's syrup, over months ago
    const history = tsoHistoryFor([recorded(tso('methadone-syrup', '2024-06-01', 14))], {
      prescribedOn: '2025-03-10',
      startsOn: '2025-03-10',
    });

    // then the general practitioner may prescribe it
    assert.doesNotThrow(() =>
      checkTsoPrescription(
        tso('methadone-syrup', '2025-03-10', 14, { prescriber: generalPractitioner, serviceUserId: 'usager-1' }),
        history,
      ),
    );
  });

  it('keeps the latest attestation of stability while methadone runs without a day uncovered', () => {
    // given syrup attested stable since 2023-09-01, then syrup and capsules back to back
    const attested = tso('methadone-syrup', '2024-12-01', 14);
    const chain = [
      recorded(tso('methadone-syrup', '2024-11-17', 14), '2023-01-01'),
      recorded(attested, '2023-09-01'),
      recorded(tso('methadone-syrup', '2024-12-15', 14)),
      recorded(tso('methadone-capsules', '2024-12-29', 28)),
    ];

    // when the next starts the day after the last ends, or a day later
    const next = tsoHistoryFor(chain, { prescribedOn: '2025-01-20', startsOn: '2025-01-26' });
    const afterGap = tsoHistoryFor(chain, { prescribedOn: '2025-01-20', startsOn: '2025-01-27' });

    // then
    assert.equal(next.stableOnSyrupSince, '2023-09-01');
    assert.equal(afterGap.stableOnSyrupSince, undefined);
    assert.equal(afterGap.earlierPrescriptions.length, 4);
  });

  it('ignores an attestation made after the new prescription’s date, or on a prescription that never ran', () => {
    const later = [recorded(tso('methadone-syrup', '2025-03-01', 14, { prescribedOn: '2025-02-25' }), '2023-01-01')];
    assert.equal(
      tsoHistoryFor(later, { prescribedOn: '2025-02-24', startsOn: '2025-03-15' }).stableOnSyrupSince,
      undefined,
    );
    assert.equal(
      tsoHistoryFor(later, { prescribedOn: '2025-02-25', startsOn: '2025-03-15' }).stableOnSyrupSince,
      '2023-01-01',
    );
    const stopped = [recorded(tso('methadone-syrup', '2025-03-01', 0), '2023-01-01')];
    assert.equal(
      tsoHistoryFor(stopped, { prescribedOn: '2025-03-01', startsOn: '2025-03-01' }).stableOnSyrupSince,
      undefined,
    );
  });

  it('breaks the chain with buprenorphine: only methadone keeps it', () => {
    const chain = [
      recorded(tso('methadone-syrup', '2024-12-01', 14), '2023-09-01'),
      recorded(tso('buprenorphine-hd', '2024-12-15', 28)),
    ];
    assert.equal(
      tsoHistoryFor(chain, { prescribedOn: '2025-01-12', startsOn: '2025-01-12' }).stableOnSyrupSince,
      undefined,
    );
  });

  it('finds a gap exactly when a day from the first to the day before the last is covered by no methadone', () => {
    const dayOf = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
    const period = fc.record({
      start: fc.integer({ min: 0, max: 60 }),
      days: fc.integer({ min: 0, max: 14 }),
      product: fc.constantFrom<TsoProduct>('methadone-syrup', 'methadone-capsules', 'buprenorphine-hd'),
    });
    fc.assert(
      fc.property(
        fc.array(period, { maxLength: 8 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        (periods, from, length) => {
          const prescriptions = periods.map(({ start, days, product }) => tso(product, dayOf(start), days));
          const covered = (n: number) =>
            periods.some(
              ({ start, days, product }) => product !== 'buprenorphine-hd' && start <= n && n < start + days,
            );
          const expected = Array.from({ length }, (_, k) => from + k).every(covered);
          assert.equal(methadoneWithoutGap(prescriptions, dayOf(from), dayOf(from + length)), expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
