import { expect } from 'chai';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { dispensingRound } from './dispensing-round.js';
import type { LedgerProduct } from './ledger-products.js';
import {
  type LedgerMonth,
  type PharmacyLedgerCommand,
  type PharmacyLedgerEvent,
  pharmacyLedgerDecider,
  type RegisteredPrescription,
} from './pharmacy-ledger.js';

const CSAPA = '750000001';
const uuid = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;

const methadone: LedgerProduct = {
  productId: 'methadone-40',
  name: 'Méthadone 40 mg, sirop',
  productClass: 'narcotic',
  unit: 'flacon de 40 mg',
  tsoProduct: 'methadone-syrup',
};
const diazepam: LedgerProduct = {
  productId: 'diazepam-10',
  name: 'Diazépam 10 mg, comprimé',
  productClass: 'listed',
  unit: 'comprimé',
};
const prescriber = { professionalId: 'dr-leroy', name: 'Dr Leroy', address: 'CSAPA, 1 rue de la Paix, Paris' };

/** Methadone prescribed on 2 November, 1 bottle a day from `startsOn` for 14 days, in fractions of 7. */
const methadoneFor = (
  serviceUserId: string,
  terms: { startsOn?: string; fractionDays?: number | 'single'; durationDays?: number } = {},
): RegisteredPrescription => {
  const startsOn = terms.startsOn ?? '2026-11-02';
  const durationDays = terms.durationDays ?? 14;
  return {
    prescriptionId: `rx-${serviceUserId}`,
    serviceUserId,
    productId: 'methadone-40',
    totalUnits: durationDays,
    prescribedOn: '2026-11-02',
    endsOn: addDays(startsOn, durationDays - 1),
    prescriber,
    tso: {
      prescriptionId: `rx-${serviceUserId}`,
      serviceUserId,
      product: 'methadone-syrup',
      prescribedOn: '2026-11-02',
      startsOn,
      durationDays,
      dailyUnits: 1,
      fractionDays: terms.fractionDays ?? 7,
      overlapAllowed: false,
      prescriber: { ...prescriber, setting: 'csapa' },
      namedPharmacist: 'Pharmacie du CSAPA',
    },
  };
};

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const opened: PharmacyLedgerEvent = {
  type: 'LedgerMonthOpened',
  data: {
    facilityId: CSAPA,
    month: '2026-11',
    openedOn: '2026-11-01',
    products: [methadone, diazepam],
    lots: [
      { productId: 'methadone-40', lot: 'M-1', expiresOn: '2028-01-31', units: 500 },
      { productId: 'diazepam-10', lot: 'D-1', expiresOn: '2028-01-31', units: 500 },
    ],
    lastOrdonnancierNumber: 0,
    prescriptions: [],
  },
};
const registered = (prescription: RegisteredPrescription): PharmacyLedgerEvent => ({
  type: 'PrescriptionRegistered',
  data: { prescription },
});
const presentation = (n: number, prescriptionId: string, day: string): PharmacyLedgerCommand => ({
  type: 'Dispense',
  lineId: uuid(n),
  prescriptionId,
  presentedOn: day,
  dispensedOn: day,
});

function ledgerAfter(history: PharmacyLedgerEvent[], ...commands: PharmacyLedgerCommand[]): LedgerMonth {
  const events = [...history];
  for (const command of commands) {
    events.push(...asEventList(pharmacyLedgerDecider.decide(command, foldEvents(pharmacyLedgerDecider, events))));
  }
  return foldEvents(pharmacyLedgerDecider, events);
}

describe('the dispensing round of a day', () => {
  it('puts the late first, then those due today, the other medicines, and those covered or not started', () => {
    // given on 13 November: a usager who last came on the 2nd (a fraction from the 9th, beyond the
    // 3 days' grace), one whose first fraction (6th–12th) ended yesterday, one covered until the
    // 15th, one starting on the 20th, and a diazepam
    const ledger = ledgerAfter(
      [
        opened,
        registered(methadoneFor('usager-late')),
        registered(methadoneFor('usager-due', { startsOn: '2026-11-06' })),
        registered(methadoneFor('usager-covered', { startsOn: '2026-11-09' })),
        registered(methadoneFor('usager-later', { startsOn: '2026-11-20' })),
        registered({ ...methadoneFor('usager-diazepam'), productId: 'diazepam-10', tso: undefined }),
      ],
      presentation(1, 'rx-usager-late', '2026-11-02'),
      presentation(2, 'rx-usager-due', '2026-11-06'),
      presentation(3, 'rx-usager-covered', '2026-11-09'),
    );

    // when the round of 13 November is drawn
    const round = dispensingRound(ledger, '2026-11-13');

    // then
    expect(round.map((entry) => [entry.serviceUserId, entry.status, entry.nextOn])).to.deep.equal([
      ['usager-late', 'late', undefined],
      ['usager-due', 'due', undefined],
      ['usager-diazepam', 'asNeeded', undefined],
      ['usager-covered', 'covered', '2026-11-16'],
      ['usager-later', 'notStarted', '2026-11-20'],
    ]);
    expect(round[0]).to.deep.include({
      productName: 'Méthadone 40 mg, sirop',
      unit: 'flacon de 40 mg',
      tsoProduct: 'methadone-syrup',
      fraction: { coversFrom: '2026-11-13', coversTo: '2026-11-15', units: 3 },
      missedDays: 4,
      lastDispensedOn: '2026-11-02',
      dispensedToday: false,
      remainingUnits: 7,
    });
    expect(round[1]?.fraction).to.deep.equal({ coversFrom: '2026-11-13', coversTo: '2026-11-19', units: 7 });
    expect(round[2]).to.deep.include({ tsoProduct: undefined, fraction: undefined, remainingUnits: 14 });
  });

  it('says a fraction due in full when the last one ends, then covered once given, until the next one', () => {
    // given a prescription in fractions of 3 days whose first fraction ended on the 4th
    const history = [opened, registered(methadoneFor('usager-1', { fractionDays: 3 }))];
    const first = presentation(1, 'rx-usager-1', '2026-11-02');

    // when the rounds of the 5th are drawn before and after the usager came
    const before = dispensingRound(ledgerAfter(history, first), '2026-11-05');
    const after = dispensingRound(
      ledgerAfter(history, first, presentation(2, 'rx-usager-1', '2026-11-05')),
      '2026-11-05',
    );

    // then the second fraction is due in full, then covered until the 7th, given today
    expect(before).to.have.length(1);
    expect(before[0]).to.deep.include({
      status: 'due',
      fraction: { coversFrom: '2026-11-05', coversTo: '2026-11-07', units: 3 },
      missedDays: 0,
      dispensedToday: false,
    });
    expect(after).to.have.length(1);
    expect(after[0]).to.deep.include({
      status: 'covered',
      nextOn: '2026-11-08',
      lastDispensedOn: '2026-11-05',
      dispensedToday: true,
      remainingUnits: 8,
    });
  });

  it('leaves out prescriptions ended or fully dispensed', () => {
    // given a prescription ending on the 15th, and another whose units were all given
    const ledger = ledgerAfter(
      [opened, registered(methadoneFor('usager-1')), registered(methadoneFor('usager-2', { fractionDays: 'single' }))],
      presentation(1, 'rx-usager-2', '2026-11-02'),
    );

    // then after the 15th nobody is in the round, and the second is never in it after its delivery
    expect(dispensingRound(ledger, '2026-11-16')).to.deep.equal([]);
    expect(dispensingRound(ledger, '2026-11-05').map((entry) => entry.serviceUserId)).to.deep.equal(['usager-1']);
  });

  it('says a prescription the record suspended or stopped is not to be dispensed, whatever the ledger allows', () => {
    // given two prescriptions due today, the first suspended in the record, the second unknown to it
    const ledger = ledgerAfter([opened, registered(methadoneFor('usager-1')), registered(methadoneFor('usager-2'))]);
    const statuses = new Map([['rx-usager-1', 'suspended' as const]]);

    // when the round of the 3rd is drawn
    const round = dispensingRound(ledger, '2026-11-03', { statusOf: (prescriptionId) => statuses.get(prescriptionId) });

    // then
    expect(round.map((entry) => [entry.serviceUserId, entry.status, entry.prescriptionStatus])).to.deep.equal([
      ['usager-2', 'due', undefined],
      ['usager-1', 'notInForce', 'suspended'],
    ]);
    expect(round[1]?.fraction).to.equal(undefined);
  });

  it('says nothing is to be dispensed once the accompaniment the prescription was made in has ended', () => {
    // given two prescriptions of 2 November; usager-1 left on the 5th (incarcerated), usager-2 in October
    const ledger = ledgerAfter([opened, registered(methadoneFor('usager-1')), registered(methadoneFor('usager-2'))]);
    const exits = new Map([
      ['usager-1', { exitDay: '2026-11-05', exitReason: 'incarceration' }],
      ['usager-2', { exitDay: '2026-10-20', exitReason: 'endOfCare' }],
    ]);
    const round = (day: string) => dispensingRound(ledger, day, { endOf: (serviceUserId) => exits.get(serviceUserId) });

    // then on the exit day the first is still due; the day after it is not to be dispensed; the
    // second, prescribed after its earlier exit, is due
    expect(round('2026-11-05').map((entry) => [entry.serviceUserId, entry.status])).to.deep.equal([
      ['usager-1', 'due'],
      ['usager-2', 'due'],
    ]);
    const after = round('2026-11-06');
    expect(after.map((entry) => [entry.serviceUserId, entry.status])).to.deep.equal([
      ['usager-2', 'late'],
      ['usager-1', 'notInForce'],
    ]);
    expect(after[1]?.reason).to.deep.equal({
      code: 'ACCOMPANIMENT_ENDED',
      message:
        'L’accompagnement de cet usager dans l’établissement a pris fin le 05/11/2026 : cette prescription ne se délivre plus.',
    });
  });

  it('lists as due exactly what the ledger dispenses that day, and as covered what it refuses (property)', () => {
    const days = fc.integer({ min: 0, max: 20 }).map((offset) => addDays('2026-11-01', offset));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 4 }),
        fc.uniqueArray(days, { maxLength: 6 }),
        days,
        (fractionDays, startOffset, presentedDays, day) => {
          // given a prescription and the presentations the ledger accepted, in the order of their days
          const prescription = methadoneFor('usager-1', { fractionDays, startsOn: addDays('2026-11-02', startOffset) });
          let events: PharmacyLedgerEvent[] = [opened, registered(prescription)];
          for (const [n, presented] of [...presentedDays]
            .sort()
            .filter((d) => d < day)
            .entries()) {
            try {
              events = [
                ...events,
                ...asEventList(
                  pharmacyLedgerDecider.decide(
                    presentation(n + 1, prescription.prescriptionId, presented),
                    foldEvents(pharmacyLedgerDecider, events),
                  ),
                ),
              ];
            } catch (error) {
              if (!(error instanceof DomainRuleViolation)) throw error;
            }
          }
          const ledger = foldEvents(pharmacyLedgerDecider, events);

          // when the round of `day` is drawn, and the usager presents that day
          const [entry] = dispensingRound(ledger, day);
          let dispensed: PharmacyLedgerEvent | undefined;
          try {
            [dispensed] = asEventList(
              pharmacyLedgerDecider.decide(presentation(99, prescription.prescriptionId, day), ledger),
            );
          } catch (error) {
            if (!(error instanceof DomainRuleViolation)) throw error;
          }

          // then the round says due (or late) exactly when the ledger dispenses, and the same fraction
          const due = entry?.status === 'due' || entry?.status === 'late';
          expect(due).to.equal(dispensed !== undefined);
          if (dispensed?.type === 'MedicineDispensed' && entry?.fraction) {
            expect(entry.fraction).to.deep.equal({
              coversFrom: dispensed.data.coversFrom,
              coversTo: dispensed.data.coversTo,
              units: dispensed.data.units,
            });
          }
          if (entry?.status === 'covered') expect(entry.nextOn! > day).to.equal(true);
        },
      ),
    );
  });
});
