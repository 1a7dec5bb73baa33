import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import {
  checkTsoPrescription,
  type DispensedFraction,
  planTsoDispensation,
  TSO_MAX_DAYS,
  TSO_PRODUCTS,
  type TsoHistory,
  type TsoPrescription,
  tsoDispensation,
  tsoFractionLength,
  tsoLastDay,
  tsoTotalUnits,
} from './tso-rules.js';

const noHistory: TsoHistory = { earlierPrescriptions: [] };
const csapaDoctor = {
  professionalId: 'rpps-10000000001',
  name: 'Dr Claire Martin',
  address: 'CSAPA Le Relais, 12 rue des Lilas, 75020 Paris',
  setting: 'csapa' as const,
};
const generalPractitioner = {
  professionalId: 'rpps-10000000002',
  name: 'Dr Paul Durand',
  address: '3 place de la Mairie, 93100 Montreuil',
  setting: 'other' as const,
};
const syrup: TsoPrescription = {
  prescriptionId: 'prescription-1',
  serviceUserId: 'usager-1',
  product: 'methadone-syrup',
  prescribedOn: '2025-03-03',
  startsOn: '2025-03-03',
  durationDays: 14,
  dailyUnits: 2,
  fractionDays: 7,
  overlapAllowed: false,
  prescriber: csapaDoctor,
  namedPharmacist: 'Pharmacie du CSAPA, Mme Leroy',
};
const bhd: TsoPrescription = { ...syrup, product: 'buprenorphine-hd', durationDays: 28, dailyUnits: 1 };

const refusedWith = (code: string, run: () => unknown) =>
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DomainRuleViolation, `not a DomainRuleViolation: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, /[a-zé]/);
    return true;
  });
const fraction = (dispensedOn: string, coversFrom: string, coversTo: string, units: number): DispensedFraction => ({
  dispensedOn,
  coversFrom,
  coversTo,
  units,
});

/** Days since 1970-01-01, counted independently of the rules under test. */
const MS_PER_DAY = 86_400_000;
const dayNumber = (day: string) => Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10)) / MS_PER_DAY;
const dayOf = (n: number) => new Date(n * MS_PER_DAY).toISOString().slice(0, 10);

describe('the rules of opioid substitution treatment (TSO)', () => {
  describe('a prescription', () => {
    it('lasts at most 14 days for methadone syrup, 28 for capsules and for BHD', () => {
      assert.deepEqual(TSO_MAX_DAYS, { 'methadone-syrup': 14, 'methadone-capsules': 28, 'buprenorphine-hd': 28 });
      const stable: TsoHistory = { earlierPrescriptions: [], stableOnSyrupSince: '2023-01-01' };
      for (const product of TSO_PRODUCTS) {
        const max = TSO_MAX_DAYS[product];
        // given a prescription of the product at its maximum, when checked, then it is accepted
        checkTsoPrescription({ ...syrup, product, durationDays: max }, stable);
        // given one day more, then it is refused
        refusedWith('TSO_DURATION_OVER_MAXIMUM', () =>
          checkTsoPrescription({ ...syrup, product, durationDays: max + 1 }, stable),
        );
      }
      for (const durationDays of [0, -1, 2.5]) {
        refusedWith('TSO_DURATION_INVALID', () => checkTsoPrescription({ ...syrup, durationDays }, noHistory));
      }
    });

    it('is dispensed in fractions of 7 days at most unless it says « délivrance en une seule fois »', () => {
      for (const fractionDays of [1, 3, 7, 'single'] as const) {
        checkTsoPrescription({ ...syrup, fractionDays }, noHistory);
      }
      refusedWith('TSO_FRACTION_OVER_SEVEN_DAYS', () => checkTsoPrescription({ ...syrup, fractionDays: 8 }, noHistory));
      refusedWith('TSO_FRACTION_OVER_SEVEN_DAYS', () => checkTsoPrescription({ ...bhd, fractionDays: 14 }, noHistory));
      for (const fractionDays of [0, -7, 1.5]) {
        refusedWith('TSO_FRACTION_INVALID', () => checkTsoPrescription({ ...syrup, fractionDays }, noHistory));
      }
      assert.equal(tsoFractionLength({ durationDays: 28, fractionDays: 'single' }), 28);
      assert.equal(tsoFractionLength({ durationDays: 28, fractionDays: 7 }), 7);
    });

    it('names the pharmacist on every methadone and BHD prescription', () => {
      for (const product of ['methadone-syrup', 'buprenorphine-hd'] as const) {
        for (const namedPharmacist of ['', '   ']) {
          refusedWith('TSO_NAMED_PHARMACIST_REQUIRED', () =>
            checkTsoPrescription({ ...syrup, product, namedPharmacist }, noHistory),
          );
        }
      }
      refusedWith('TSO_NAMED_PHARMACIST_REQUIRED', () =>
        checkTsoPrescription(
          { ...syrup, product: 'methadone-capsules', namedPharmacist: '' },
          { earlierPrescriptions: [], stableOnSyrupSince: '2020-01-01' },
        ),
      );
    });

    it('has its first methadone prescription written by a CSAPA or hospital doctor', () => {
      // given no earlier methadone, when a general practitioner prescribes syrup, then it is refused
      refusedWith('TSO_FIRST_METHADONE_PRESCRIBER', () =>
        checkTsoPrescription({ ...syrup, prescriber: generalPractitioner }, noHistory),
      );
      // when a CSAPA or a hospital doctor does, then it is accepted
      checkTsoPrescription(syrup, noHistory);
      checkTsoPrescription({ ...syrup, prescriber: { ...generalPractitioner, setting: 'hospital' } }, noHistory);
      // given an earlier syrup prescription, the general practitioner takes over
      const earlier = {
        ...syrup,
        prescriptionId: 'prescription-0',
        prescribedOn: '2025-02-17',
        startsOn: '2025-02-17',
      };
      checkTsoPrescription({ ...syrup, prescriber: generalPractitioner }, { earlierPrescriptions: [earlier] });
      // BHD needs no CSAPA, and an earlier BHD or another usager's methadone does not count
      checkTsoPrescription({ ...bhd, prescriber: generalPractitioner }, noHistory);
      for (const notMethadone of [
        { ...earlier, product: 'buprenorphine-hd' as const },
        { ...earlier, serviceUserId: 'usager-2' },
        { ...earlier, prescribedOn: '2025-03-04', startsOn: '2025-03-04' },
      ]) {
        refusedWith('TSO_FIRST_METHADONE_PRESCRIBER', () =>
          checkTsoPrescription({ ...syrup, prescriber: generalPractitioner }, { earlierPrescriptions: [notMethadone] }),
        );
      }
    });

    it('gives methadone capsules only to a usager stable on syrup for at least a year', () => {
      const capsules: TsoPrescription = { ...syrup, product: 'methadone-capsules', durationDays: 28 };
      refusedWith('TSO_CAPSULES_REQUIRE_YEAR_ON_SYRUP', () => checkTsoPrescription(capsules, noHistory));
      // given stable since 2024-03-04, on 2025-03-03 it is one day short of a year
      refusedWith('TSO_CAPSULES_REQUIRE_YEAR_ON_SYRUP', () =>
        checkTsoPrescription(capsules, { earlierPrescriptions: [], stableOnSyrupSince: '2024-03-04' }),
      );
      checkTsoPrescription(capsules, { earlierPrescriptions: [], stableOnSyrupSince: '2024-03-03' });
      // the anniversary of 29 February is 1 March
      const onLeapDay = { earlierPrescriptions: [], stableOnSyrupSince: '2024-02-29' };
      refusedWith('TSO_CAPSULES_REQUIRE_YEAR_ON_SYRUP', () =>
        checkTsoPrescription({ ...capsules, prescribedOn: '2025-02-28', startsOn: '2025-02-28' }, onLeapDay),
      );
      checkTsoPrescription({ ...capsules, prescribedOn: '2025-03-01', startsOn: '2025-03-01' }, onLeapDay);
      refusedWith('TSO_DAY_INVALID', () =>
        checkTsoPrescription(capsules, { earlierPrescriptions: [], stableOnSyrupSince: '2024-02-30' }),
      );
    });

    it('refuses an overlap with the same prescriber’s earlier prescription unless it says so', () => {
      // given an earlier prescription covering 2025-02-18 to 2025-03-03
      const earlier = {
        ...syrup,
        prescriptionId: 'prescription-0',
        prescribedOn: '2025-02-18',
        startsOn: '2025-02-18',
      };
      assert.equal(tsoLastDay(earlier), '2025-03-03');
      const history = { earlierPrescriptions: [earlier] };
      // when the same prescriber covers 2025-03-03 again, then it is refused
      refusedWith('TSO_OVERLAP', () => checkTsoPrescription(syrup, history));
      assert.throws(
        () => checkTsoPrescription(syrup, history),
        (error: DomainRuleViolation) => {
          assert.deepEqual(error.details, { overlappingPrescriptionIds: ['prescription-0'] });
          return true;
        },
      );
      // whatever the TSO product
      refusedWith('TSO_OVERLAP', () => checkTsoPrescription({ ...bhd, prescriptionId: 'prescription-2' }, history));
      // unless the prescription allows the overlap
      checkTsoPrescription({ ...syrup, overlapAllowed: true }, history);
      // starting the day after is no overlap; nor is another prescriber, another usager, the same prescription
      checkTsoPrescription({ ...syrup, prescribedOn: '2025-03-04', startsOn: '2025-03-04' }, history);
      checkTsoPrescription(syrup, {
        earlierPrescriptions: [{ ...earlier, prescriber: { ...csapaDoctor, professionalId: 'rpps-other' } }],
      });
      checkTsoPrescription(syrup, { earlierPrescriptions: [{ ...earlier, serviceUserId: 'usager-2' }, syrup] });
      // a prescription written earlier but starting later is covered too
      refusedWith('TSO_OVERLAP', () =>
        checkTsoPrescription(syrup, {
          earlierPrescriptions: [{ ...earlier, prescribedOn: '2025-03-01', startsOn: '2025-03-16' }],
        }),
      );
    });

    it('refuses a first day before its date, partial units, an unidentified prescriber, a bad day', () => {
      refusedWith('TSO_STARTS_BEFORE_PRESCRIPTION', () =>
        checkTsoPrescription({ ...syrup, startsOn: '2025-03-02' }, noHistory),
      );
      checkTsoPrescription({ ...syrup, startsOn: '2025-03-10' }, noHistory);
      for (const dailyUnits of [0, -1, 0.5]) {
        refusedWith('TSO_DAILY_UNITS_INVALID', () => checkTsoPrescription({ ...syrup, dailyUnits }, noHistory));
      }
      refusedWith('TSO_PRESCRIBER_INCOMPLETE', () =>
        checkTsoPrescription({ ...syrup, prescriber: { ...csapaDoctor, address: ' ' } }, noHistory),
      );
      refusedWith('TSO_DAY_INVALID', () => checkTsoPrescription({ ...syrup, prescribedOn: '2025-02-29' }, noHistory));
      refusedWith('TSO_PRODUCT_UNKNOWN', () =>
        checkTsoPrescription({ ...syrup, product: 'morphine' as TsoPrescription['product'] }, noHistory),
      );
    });
  });

  describe('its dispensing', () => {
    it('dispenses 7-day fractions, the next one from the day after the previous ends', () => {
      // given a 14-day syrup prescription of 2 units a day, when presented on its date, then 7 days
      const first = tsoDispensation(syrup, [], '2025-03-03');
      assert.deepEqual(first, fraction('2025-03-03', '2025-03-03', '2025-03-09', 14));
      // when presented again while the first fraction runs, then it is refused
      refusedWith('TSO_PREVIOUS_FRACTION_NOT_ENDED', () => tsoDispensation(syrup, [first], '2025-03-09'));
      // when presented the day after, then the second fraction
      const second = tsoDispensation(syrup, [first], '2025-03-10');
      assert.deepEqual(second, fraction('2025-03-10', '2025-03-10', '2025-03-16', 14));
      // then nothing remains
      refusedWith('TSO_NOTHING_LEFT_TO_DISPENSE', () => tsoDispensation(syrup, [first, second], '2025-03-16'));
    });

    it('dispenses the fractions the prescriber wrote, the last one cut at the prescription’s end', () => {
      const tenDays = { ...syrup, durationDays: 10 };
      const first = tsoDispensation(tenDays, [], '2025-03-03');
      assert.deepEqual(
        tsoDispensation(tenDays, [first], '2025-03-10'),
        fraction('2025-03-10', '2025-03-10', '2025-03-12', 6),
      );
      const daily = { ...syrup, fractionDays: 1 };
      assert.deepEqual(tsoDispensation(daily, [], '2025-03-03'), fraction('2025-03-03', '2025-03-03', '2025-03-03', 2));
      const threeDays = { ...bhd, fractionDays: 3 };
      assert.deepEqual(
        tsoDispensation(threeDays, [], '2025-03-03'),
        fraction('2025-03-03', '2025-03-03', '2025-03-05', 3),
      );
    });

    it('dispenses everything at once when the prescription says « délivrance en une seule fois »', () => {
      const single = { ...bhd, fractionDays: 'single' as const };
      const all = tsoDispensation(single, [], '2025-03-04');
      assert.deepEqual(all, fraction('2025-03-04', '2025-03-03', '2025-03-30', 28));
      refusedWith('TSO_NOTHING_LEFT_TO_DISPENSE', () => tsoDispensation(single, [all], '2025-03-31'));
    });

    it('dispenses the whole first fraction within 3 days of the prescription’s date', () => {
      // given a prescription dated 2025-03-03, when presented on 2025-03-06, then the whole fraction
      const plan = planTsoDispensation(syrup, [], '2025-03-06');
      assert.deepEqual(plan, {
        fraction: fraction('2025-03-06', '2025-03-03', '2025-03-09', 14),
        late: false,
        missedDays: 0,
      });
    });

    it('dispenses only the remaining days when presented more than 3 days after the date', () => {
      // when presented on 2025-03-07, 4 days after its date, then only 2025-03-07 to 2025-03-09
      const plan = planTsoDispensation(syrup, [], '2025-03-07');
      assert.deepEqual(plan, {
        fraction: fraction('2025-03-07', '2025-03-07', '2025-03-09', 6),
        late: true,
        missedDays: 4,
      });
      // and the next fraction keeps to its days
      assert.deepEqual(
        tsoDispensation(syrup, [plan.fraction], '2025-03-10'),
        fraction('2025-03-10', '2025-03-10', '2025-03-16', 14),
      );
      // « délivrance en une seule fois »: the days left of the whole prescription
      assert.deepEqual(
        tsoDispensation({ ...bhd, fractionDays: 'single' }, [], '2025-03-20'),
        fraction('2025-03-20', '2025-03-20', '2025-03-30', 11),
      );
    });

    it('dispenses only the remaining days when presented more than 3 days after the previous fraction ends', () => {
      // given the first fraction covered 2025-03-03 to 2025-03-09
      const first = fraction('2025-03-03', '2025-03-03', '2025-03-09', 7);
      // when presented 3 days after its end, then the whole next fraction
      assert.deepEqual(planTsoDispensation(bhd, [first], '2025-03-12'), {
        fraction: fraction('2025-03-12', '2025-03-10', '2025-03-16', 7),
        late: false,
        missedDays: 0,
      });
      // when presented 4 days after, then only the days left of it
      assert.deepEqual(planTsoDispensation(bhd, [first], '2025-03-13'), {
        fraction: fraction('2025-03-13', '2025-03-13', '2025-03-16', 4),
        late: true,
        missedDays: 3,
      });
      // when a whole fraction was missed, then the days left of the fraction in progress
      assert.deepEqual(
        tsoDispensation(bhd, [first], '2025-03-19'),
        fraction('2025-03-19', '2025-03-19', '2025-03-23', 5),
      );
    });

    it('never dispenses a fraction lying wholly in the past, even within the 3 days', () => {
      // given daily dispensing and day 1 dispensed, when presented on day 3, then day 3 only
      const daily = { ...syrup, fractionDays: 1 };
      const first = fraction('2025-03-03', '2025-03-03', '2025-03-03', 2);
      assert.deepEqual(planTsoDispensation(daily, [first], '2025-03-05'), {
        fraction: fraction('2025-03-05', '2025-03-05', '2025-03-05', 2),
        late: false,
        missedDays: 1,
      });
    });

    it('refuses before the first day, after the last, and an irregular prescription', () => {
      const later = { ...syrup, startsOn: '2025-03-10' };
      refusedWith('TSO_PRESCRIPTION_NOT_STARTED', () => tsoDispensation(later, [], '2025-03-09'));
      // a first day more than 3 days after the date: from that day, the whole first fraction
      assert.deepEqual(
        tsoDispensation(later, [], '2025-03-10'),
        fraction('2025-03-10', '2025-03-10', '2025-03-16', 14),
      );
      refusedWith('TSO_PRESCRIPTION_ENDED', () => tsoDispensation(syrup, [], '2025-03-17'));
      const first = tsoDispensation(syrup, [], '2025-03-03');
      refusedWith('TSO_PRESCRIPTION_ENDED', () => tsoDispensation(syrup, [first], '2025-03-17'));
      refusedWith('TSO_DURATION_OVER_MAXIMUM', () => tsoDispensation({ ...syrup, durationDays: 15 }, [], '2025-03-03'));
      refusedWith('TSO_NAMED_PHARMACIST_REQUIRED', () =>
        tsoDispensation({ ...syrup, namedPharmacist: '' }, [], '2025-03-03'),
      );
      refusedWith('TSO_DAY_INVALID', () => tsoDispensation(syrup, [], '03/03/2025'));
    });

    it('never dispenses more than prescribed, even from a history that already holds it all', () => {
      const everything = fraction('2025-03-03', '2025-03-03', '2025-03-05', tsoTotalUnits(syrup));
      refusedWith('TSO_NOTHING_LEFT_TO_DISPENSE', () => tsoDispensation(syrup, [everything], '2025-03-10'));
      const almost = fraction('2025-03-03', '2025-03-03', '2025-03-09', tsoTotalUnits(syrup) - 3);
      assert.equal(tsoDispensation(syrup, [almost], '2025-03-10').units, 3);
    });

    describe('whatever the sequence of presentations', () => {
      const anyDay = fc.integer({ min: dayNumber('2020-01-01'), max: dayNumber('2035-12-31') }).map(dayOf);
      const anyPrescription: fc.Arbitrary<TsoPrescription> = fc
        .constantFrom(...TSO_PRODUCTS)
        .chain((product) =>
          fc.record({
            product: fc.constant(product),
            // any duration the product allows: a share of its maximum drawn with fc.double was below
            // 1 % nine times in ten (fast-check spreads doubles over their exponents), so nearly every
            // prescription lasted one day and the sequences of presentations had one fraction to give
            durationDays: fc.integer({ min: 1, max: TSO_MAX_DAYS[product] }),
            dailyUnits: fc.integer({ min: 1, max: 20 }),
            fractionDays: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant('single' as const)),
            prescribedOn: anyDay,
            startsAfter: fc.integer({ min: 0, max: 10 }),
          }),
        )
        .map(({ product, durationDays, dailyUnits, fractionDays, prescribedOn, startsAfter }) => ({
          ...syrup,
          product,
          durationDays,
          dailyUnits,
          fractionDays,
          prescribedOn,
          startsOn: dayOf(dayNumber(prescribedOn) + startsAfter),
        }));
      /** Presentation days as offsets from the prescription's date, some before it, some after its end. */
      const presentations = fc.array(fc.integer({ min: -3, max: 45 }), { maxLength: 40, size: 'max' });

      const run = (p: TsoPrescription, offsets: readonly number[], sorted: boolean) => {
        const days = sorted ? [...offsets].sort((a, b) => a - b) : offsets;
        const dispensed: DispensedFraction[] = [];
        for (const offset of days) {
          try {
            dispensed.push(tsoDispensation(p, dispensed, dayOf(dayNumber(p.prescribedOn) + offset)));
          } catch (error) {
            if (!(error instanceof DomainRuleViolation)) throw error;
          }
        }
        return dispensed;
      };

      it('dispenses in total no more than durationDays × dailyUnits', () => {
        fc.assert(
          fc.property(anyPrescription, presentations, fc.boolean(), (p, offsets, sorted) => {
            const total = run(p, offsets, sorted).reduce((sum, f) => sum + f.units, 0);
            assert.ok(total <= p.durationDays * p.dailyUnits, `${total} > ${p.durationDays} × ${p.dailyUnits}`);
          }),
          { numRuns: 500 },
        );
      });

      it('dispenses fractions of at most fractionDays days unless « en une seule fois », never outside the prescription', () => {
        fc.assert(
          fc.property(anyPrescription, presentations, fc.boolean(), (p, offsets, sorted) => {
            const first = dayNumber(p.startsOn);
            const last = first + p.durationDays - 1;
            let previousTo = -Infinity;
            for (const f of run(p, offsets, sorted)) {
              const from = dayNumber(f.coversFrom);
              const to = dayNumber(f.coversTo);
              const days = to - from + 1;
              assert.ok(days >= 1);
              if (p.fractionDays !== 'single') assert.ok(days <= p.fractionDays, `${days} days`);
              assert.ok(from >= first && to <= last, `${f.coversFrom}–${f.coversTo} outside`);
              assert.ok(from > previousTo, 'fractions overlap');
              assert.ok(to >= dayNumber(f.dispensedOn), 'a fraction wholly in the past');
              assert.ok(f.units >= 1 && f.units <= days * p.dailyUnits);
              previousTo = to;
            }
          }),
          { numRuns: 500 },
        );
      });

      it('gives everything prescribed to a usager presenting on the first day of each fraction', () => {
        fc.assert(
          fc.property(anyPrescription, (p) => {
            const dispensed: DispensedFraction[] = [];
            let day = p.startsOn;
            while (dayNumber(day) <= dayNumber(tsoLastDay(p))) {
              const next = tsoDispensation(p, dispensed, day);
              assert.equal(next.coversFrom, day);
              dispensed.push(next);
              day = dayOf(dayNumber(next.coversTo) + 1);
            }
            assert.equal(
              dispensed.reduce((sum, f) => sum + f.units, 0),
              tsoTotalUnits(p),
            );
            assert.equal(dispensed.length, Math.ceil(p.durationDays / tsoFractionLength(p)));
          }),
          { numRuns: 300 },
        );
      });
    });
  });
});
