import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import type { LedgerProduct } from './ledger-products.js';
import {
  closingOf,
  type LedgerMonth,
  type PharmacyLedgerCommand,
  type PharmacyLedgerEvent,
  pharmacyLedgerDecider,
  pharmacyLedgerEventSchemas,
  pharmacyLedgerStreamId,
  previousLedgerMonth,
  type RegisteredPrescription,
  stockOf,
} from './pharmacy-ledger.js';

const spec = DeciderSpecification.for(pharmacyLedgerDecider);
const CSAPA = '750000001';
const uuid = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

const nicotine: LedgerProduct = {
  productId: 'nicotine-patch',
  name: 'Nicotine 21 mg/24 h, patch',
  productClass: 'unlisted',
  unit: 'patch',
};
const diazepam: LedgerProduct = {
  productId: 'diazepam-10',
  name: 'Diazépam 10 mg, comprimé',
  productClass: 'listed',
  unit: 'comprimé',
};
const morphine: LedgerProduct = {
  productId: 'morphine-10',
  name: 'Sulfate de morphine 10 mg, gélule',
  productClass: 'narcotic',
  unit: 'gélule',
};

const opened: PharmacyLedgerEvent = {
  type: 'LedgerMonthOpened',
  data: {
    facilityId: CSAPA,
    month: '2026-11',
    openedOn: '2026-11-01',
    products: [nicotine, diazepam, morphine],
    lots: [
      { productId: 'diazepam-10', lot: 'D-OLD', expiresOn: '2026-11-10', units: 5 },
      { productId: 'diazepam-10', lot: 'D-1', expiresOn: '2027-01-31', units: 10 },
      { productId: 'diazepam-10', lot: 'D-2', expiresOn: '2027-06-30', units: 50 },
      { productId: 'morphine-10', lot: 'M-1', expiresOn: '2028-01-31', units: 30 },
    ],
    lastOrdonnancierNumber: 41,
    prescriptions: [],
  },
};
const prescription: RegisteredPrescription = {
  prescriptionId: 'rx-1',
  serviceUserId: 'usager-1',
  productId: 'diazepam-10',
  totalUnits: 28,
  prescribedOn: '2026-11-02',
  endsOn: '2026-11-29',
  prescriber: { professionalId: 'dr-leroy', name: 'Dr Leroy', address: '1 rue de la Paix, 75002 Paris' },
};
const registered: PharmacyLedgerEvent = { type: 'PrescriptionRegistered', data: { prescription } };
const dispense = (n: number, units: number, dispensedOn = '2026-11-12'): PharmacyLedgerCommand => ({
  type: 'Dispense',
  lineId: uuid(n),
  prescriptionId: 'rx-1',
  presentedOn: dispensedOn,
  dispensedOn,
  units,
});

function after(history: PharmacyLedgerEvent[], ...commands: PharmacyLedgerCommand[]): PharmacyLedgerEvent[] {
  const events = [...history];
  for (const command of commands) {
    events.push(...asEventList(pharmacyLedgerDecider.decide(command, foldEvents(pharmacyLedgerDecider, events))));
  }
  return events;
}
const ledgerAfter = (...events: PharmacyLedgerEvent[]): LedgerMonth => foldEvents(pharmacyLedgerDecider, events);

describe('the pharmacy ledger of an ESSMS for a month', () => {
  it('names one stream per ESSMS and month, and knows the month before', () => {
    assert.equal(pharmacyLedgerStreamId('og/1', CSAPA, '2026-11'), 'pharmacy-ledger/og%2F1/750000001/2026-11');
    assert.equal(previousLedgerMonth('2026-01'), '2025-12');
    assert.equal(previousLedgerMonth('2026-11'), '2026-10');
  });

  it('opens with the previous month’s closing, leaving out empty lots and settled prescriptions', () => {
    const settled = { ...prescription, prescriptionId: 'rx-old', totalUnits: 2, dispensed: [] };
    spec
      .given([])
      .when({
        type: 'OpenLedgerMonth',
        facilityId: CSAPA,
        month: '2026-12',
        openedOn: '2026-12-01',
        previous: {
          products: [diazepam],
          lots: [
            { productId: 'diazepam-10', lot: 'D-1', expiresOn: '2027-01-31', units: 0 },
            { productId: 'diazepam-10', lot: 'D-2', expiresOn: '2027-06-30', units: 12 },
          ],
          lastOrdonnancierNumber: 57,
          prescriptions: [
            { ...prescription, endsOn: '2026-12-20', dispensed: [] },
            { ...settled, endsOn: '2026-11-30' },
          ],
        },
      })
      .thenEmits([
        {
          type: 'LedgerMonthOpened',
          data: {
            facilityId: CSAPA,
            month: '2026-12',
            openedOn: '2026-12-01',
            products: [diazepam],
            lots: [{ productId: 'diazepam-10', lot: 'D-2', expiresOn: '2027-06-30', units: 12 }],
            lastOrdonnancierNumber: 57,
            prescriptions: [{ ...prescription, endsOn: '2026-12-20', dispensed: [] }],
          },
        },
      ]);
    spec
      .given([opened])
      .when({ type: 'OpenLedgerMonth', facilityId: CSAPA, month: '2026-11', openedOn: '2026-11-01' })
      .thenRefuses(refusedWith('LEDGER_MONTH_ALREADY_OPEN'));
  });

  it('receives stock into a lot, whose expiry is the lot’s', () => {
    const receipt = {
      type: 'ReceiveStock',
      lineId: uuid(1),
      productId: 'morphine-10',
      lot: 'M-2',
      expiresOn: '2028-06-30',
      units: 60,
      receivedOn: '2026-11-03',
      supplier: ' Répartiteur Sud ',
    } as const;
    const { type: _, ...data } = receipt;
    spec
      .given([opened])
      .when(receipt)
      .thenEmits([{ type: 'StockReceived', data: { ...data, supplier: 'Répartiteur Sud' } }]);
    spec
      .given([opened])
      .when({ ...receipt, lot: 'M-1' })
      .thenRefuses(refusedWith('LOT_EXPIRY_MISMATCH'));
    spec
      .given([opened])
      .when({ ...receipt, units: 0 })
      .thenRefuses(refusedWith('INVALID_UNITS'));
    spec
      .given([opened])
      .when({ ...receipt, receivedOn: '2026-12-01' })
      .thenRefuses(refusedWith('DAY_OUTSIDE_MONTH'));
  });

  it('dispenses first-to-expire first, never an expired lot, and numbers it in the ordonnancier', () => {
    // given lots D-OLD (expired on the 10th), D-1 (10 units), D-2 (50 units)
    spec
      .given([opened, registered])
      .when(dispense(2, 14))
      .thenEmits([
        {
          type: 'MedicineDispensed',
          data: {
            lineId: uuid(2),
            ordonnancierNumber: 42,
            prescriptionId: 'rx-1',
            serviceUserId: 'usager-1',
            productId: 'diazepam-10',
            lots: [
              { lot: 'D-1', units: 10 },
              { lot: 'D-2', units: 4 },
            ],
            units: 14,
            presentedOn: '2026-11-12',
            dispensedOn: '2026-11-12',
          },
        },
      ]);
    const events = after([opened, registered], dispense(2, 14), dispense(3, 7));
    assert.deepEqual(
      events.filter((event) => event.type === 'MedicineDispensed').map((event) => event.data.ordonnancierNumber),
      [42, 43],
    );
  });

  it('puts no unlisted product in the ordonnancier', () => {
    const patches = { ...prescription, prescriptionId: 'rx-2', productId: 'nicotine-patch', totalUnits: 7 };
    const events = after(
      [opened],
      {
        type: 'ReceiveStock',
        lineId: uuid(1),
        productId: 'nicotine-patch',
        lot: 'N-1',
        expiresOn: '2027-01-01',
        units: 20,
        receivedOn: '2026-11-02',
        supplier: 'Laboratoire',
      },
      { type: 'RegisterPrescription', prescription: patches },
      { ...dispense(2, 7), prescriptionId: 'rx-2' } as PharmacyLedgerCommand,
    );
    const dispensed = events.at(-1);
    assert.equal(dispensed?.type, 'MedicineDispensed');
    assert.equal(dispensed?.type === 'MedicineDispensed' && dispensed.data.ordonnancierNumber, undefined);
    assert.equal(ledgerAfter(...events).lastOrdonnancierNumber, 41);
  });

  it('refuses to dispense beyond the stock, beyond the prescription, or on an unknown prescription', () => {
    const generous: PharmacyLedgerEvent = {
      type: 'PrescriptionRegistered',
      data: { prescription: { ...prescription, totalUnits: 100 } },
    };
    // 65 units in stock, of which 5 in the lot expired on the 10th
    spec.given([opened, generous]).when(dispense(2, 61)).thenRefuses(refusedWith('STOCK_INSUFFICIENT'));
    spec
      .given([opened, generous])
      .when(dispense(2, 65, '2026-11-09'))
      .thenEmits(after([opened, generous], dispense(2, 65, '2026-11-09')).slice(2));
    spec.given([opened, registered]).when(dispense(2, 29)).thenRefuses(refusedWith('DISPENSED_EXCEEDS_PRESCRIBED'));
    spec
      .given(after([opened, registered], dispense(2, 20)))
      .when(dispense(3, 9))
      .thenRefuses(refusedWith('DISPENSED_EXCEEDS_PRESCRIBED'));
    spec.given([opened]).when(dispense(2, 1)).thenRefuses(refusedWith('PRESCRIPTION_NOT_REGISTERED'));
    spec
      .given([opened, registered])
      .when({ ...dispense(2, 1), serviceUserId: 'usager-2' } as PharmacyLedgerCommand)
      .thenRefuses(refusedWith('PRESCRIPTION_OF_ANOTHER_USAGER'));
    spec
      .given([opened, registered])
      .when(dispense(2, 1, '2026-11-30'))
      .thenRefuses(refusedWith('PRESCRIPTION_ENDED'));
  });

  it('records losses, returns and destructions, a narcotic’s only after the ARS was told a month before', () => {
    const destruction = {
      type: 'DestroyStock',
      lineId: uuid(5),
      productId: 'morphine-10',
      lot: 'M-1',
      units: 5,
      destroyedOn: '2026-11-20',
      certificate: 'PV de destruction n° 12',
      witness: 'Mme Bernard, pharmacien inspecteur',
      arsNotifiedOn: '2026-10-15',
    } as const;
    spec
      .given([opened])
      .when(destruction)
      .thenEmits([{ type: 'StockDestroyed', data: (({ type: _, ...data }) => data)(destruction) }]);
    spec
      .given([opened])
      .when({ ...destruction, arsNotifiedOn: '2026-10-21' })
      .thenRefuses(refusedWith('ARS_NOT_NOTIFIED_IN_TIME'));
    spec
      .given([opened])
      .when({
        type: 'RecordStockLoss',
        lineId: uuid(6),
        productId: 'morphine-10',
        lot: 'M-1',
        units: 31,
        lostOn: '2026-11-20',
        cause: 'theft',
        declaration: 'Plainte n° 4521',
      })
      .thenRefuses(refusedWith('STOCK_INSUFFICIENT'));
    const events = after(
      [opened],
      {
        type: 'RecordStockLoss',
        lineId: uuid(6),
        productId: 'morphine-10',
        lot: 'M-1',
        units: 2,
        lostOn: '2026-11-20',
        cause: 'theft',
        declaration: 'Plainte n° 4521, ARS et ANSM informées',
      },
      {
        type: 'ReturnStock',
        lineId: uuid(7),
        productId: 'diazepam-10',
        lot: 'D-OLD',
        units: 5,
        returnedOn: '2026-11-21',
        supplier: 'Répartiteur Sud',
      },
    );
    const ledger = ledgerAfter(...events);
    assert.equal(stockOf(ledger, 'morphine-10'), 28);
    assert.equal(stockOf(ledger, 'diazepam-10'), 60);
  });

  it('sets the stock to an inventory’s count, recording the gap, which must be explained', () => {
    const inventory = {
      type: 'RecordInventory',
      inventoryId: uuid(8),
      countedOn: '2026-11-30',
      countedBy: 'pharmacien-1',
      counts: [{ productId: 'morphine-10', lot: 'M-1', counted: 29, explanation: 'gélule tombée, retrouvée abîmée' }],
    } as const;
    spec
      .given([opened])
      .when(inventory)
      .thenEmits([
        {
          type: 'InventoryRecorded',
          data: {
            inventoryId: uuid(8),
            countedOn: '2026-11-30',
            countedBy: 'pharmacien-1',
            lines: [
              {
                productId: 'morphine-10',
                lot: 'M-1',
                theoretical: 30,
                counted: 29,
                gap: -1,
                explanation: 'gélule tombée, retrouvée abîmée',
              },
            ],
          },
        },
      ]);
    spec
      .given([opened])
      .when({ ...inventory, counts: [{ productId: 'morphine-10', lot: 'M-1', counted: 29 }] })
      .thenRefuses(refusedWith('INVENTORY_GAP_UNEXPLAINED'));
    assert.equal(stockOf(ledgerAfter(...after([opened], inventory)), 'morphine-10'), 29);
  });

  it('corrects a line by a counter-entry only, once, keeping the ordonnancier number used', () => {
    // given a dispensation numbered 42, countered
    const events = after([opened, registered], dispense(2, 14), {
      type: 'CounterLine',
      lineId: uuid(3),
      counteredLineId: uuid(2),
      reason: 'erreur de patient',
      on: '2026-11-12',
    });
    const ledger = ledgerAfter(...events);
    // then the stock and the prescription are as before, and the next number is 43
    assert.equal(stockOf(ledger, 'diazepam-10'), 65);
    assert.deepEqual(ledger.prescriptions.get('rx-1')?.dispensed, []);
    const next = after(events, dispense(4, 28));
    const last = next.at(-1);
    assert.equal(last?.type === 'MedicineDispensed' && last.data.ordonnancierNumber, 43);
    spec
      .given(events)
      .when({ type: 'CounterLine', lineId: uuid(5), counteredLineId: uuid(2), reason: 'encore', on: '2026-11-13' })
      .thenRefuses(refusedWith('LINE_ALREADY_COUNTERED'));
    spec
      .given(events)
      .when({ type: 'CounterLine', lineId: uuid(5), counteredLineId: uuid(99), reason: 'inconnue', on: '2026-11-13' })
      .thenRefuses(refusedWith('LINE_NOT_FOUND'));
  });

  it('refuses to counter a receipt whose units have left', () => {
    const events = after(
      [opened, registered],
      {
        type: 'ReceiveStock',
        lineId: uuid(1),
        productId: 'diazepam-10',
        lot: 'D-3',
        expiresOn: '2026-12-31',
        units: 20,
        receivedOn: '2026-11-02',
        supplier: 'Répartiteur',
      },
      dispense(2, 25),
    );
    spec
      .given(events)
      .when({ type: 'CounterLine', lineId: uuid(3), counteredLineId: uuid(1), reason: 'mauvais lot', on: '2026-11-13' })
      .thenRefuses(refusedWith('STOCK_WOULD_BE_NEGATIVE'));
  });

  it('closes with each product’s opening, entries, exits and closing, and then refuses every line', () => {
    const events = after(
      [opened, registered],
      dispense(2, 14),
      {
        type: 'ReceiveStock',
        lineId: uuid(1),
        productId: 'morphine-10',
        lot: 'M-2',
        expiresOn: '2028-06-30',
        units: 60,
        receivedOn: '2026-11-03',
        supplier: 'Répartiteur',
      },
      { type: 'CloseLedgerMonth', closedOn: '2026-12-01' },
    );
    const closed = events.at(-1);
    assert.equal(closed?.type, 'LedgerMonthClosed');
    if (closed?.type !== 'LedgerMonthClosed') return;
    assert.deepEqual(closed.data.totals, [
      { productId: 'nicotine-patch', opening: 0, entries: 0, exits: 0, closing: 0 },
      { productId: 'diazepam-10', opening: 65, entries: 0, exits: 14, closing: 51 },
      { productId: 'morphine-10', opening: 30, entries: 60, exits: 0, closing: 90 },
    ]);
    assert.equal(closed.data.lastOrdonnancierNumber, 42);
    spec.given(events).when(dispense(3, 1)).thenRefuses(refusedWith('LEDGER_MONTH_CLOSED'));
  });

  describe('folding a long month', () => {
    const { evolve } = pharmacyLedgerDecider;

    it('leaves an earlier state as it was when later events, or other ones, are folded on it', () => {
      // given the state after a prescription was registered
      const history = [opened, registered];
      const before = ledgerAfter(...history);

      // when two futures are folded on that same state: a dispensation in one, a loss in the other
      const dispensation = after(history, dispense(2, 14)).slice(history.length);
      const loss = after(history, {
        type: 'RecordStockLoss',
        lineId: uuid(3),
        productId: 'diazepam-10',
        lot: 'D-2',
        units: 3,
        lostOn: '2026-11-12',
        cause: 'loss',
        declaration: 'déclaration ARS',
      }).slice(history.length);
      const dispensed = dispensation.reduce(evolve, before);
      const lost = loss.reduce(evolve, before);

      // then each state reads as the same events folded afresh, the earlier one untouched
      for (const [state, events] of [
        [before, history],
        [dispensed, [...history, ...dispensation]],
        [lost, [...history, ...loss]],
      ] as const) {
        const afresh = ledgerAfter(...events);
        assert.deepEqual(closingOf(state), closingOf(afresh));
        assert.deepEqual([...state.lines], [...afresh.lines]);
        assert.equal(state.lastOrdonnancierNumber, afresh.lastOrdonnancierNumber);
      }
      assert.equal(stockOf(before, 'diazepam-10'), 65);
      assert.equal(before.lines.size, 0);
    });

    it('writes a few map entries per event however long the month, never a copy of the month’s lines', () => {
      // given months of 500 and of 3,000 dispensations (a CSAPA dispensing 150 a day reaches 4,500)
      const short = monthOfDispensations(500);
      const long = monthOfDispensations(3_000);

      // when each is folded, counting every entry given to a Map or a Set (a copy gives them all)
      const perEventOfShort = mapWritesDuring(() => foldEvents(pharmacyLedgerDecider, short)) / short.length;
      const perEventOfLong = mapWritesDuring(() => foldEvents(pharmacyLedgerDecider, long)) / long.length;

      // then an event costs the same at the end of a long month as early in a short one: the fold is linear
      assert.ok(
        perEventOfLong <= perEventOfShort * 1.5,
        `${perEventOfLong} entries written per event in a long month, ${perEventOfShort} in a short one`,
      );
      // its line, its lot, its product's totals, its prescription: not the month's collections
      assert.ok(perEventOfLong < 4, `${perEventOfLong} entries written per event`);
    });

    /** A month opened with 150 prescriptions carried over, then `count` dispensations, 150 a day. */
    function monthOfDispensations(count: number): PharmacyLedgerEvent[] {
      const usagers = 150;
      const opening: PharmacyLedgerEvent = {
        type: 'LedgerMonthOpened',
        data: {
          facilityId: CSAPA,
          month: '2026-11',
          openedOn: '2026-11-01',
          products: [morphine],
          lots: [{ productId: 'morphine-10', lot: 'M-1', expiresOn: '2028-01-31', units: 1_000_000 }],
          lastOrdonnancierNumber: 0,
          prescriptions: Array.from({ length: usagers }, (_, n) => ({
            ...prescription,
            prescriptionId: `rx-${n}`,
            serviceUserId: `usager-${n}`,
            productId: 'morphine-10',
            totalUnits: 100_000,
            dispensed: [],
          })),
        },
      };
      const dispensations = Array.from({ length: count }, (_, n): PharmacyLedgerEvent => {
        const day = `2026-11-${String(1 + (Math.floor(n / usagers) % 28)).padStart(2, '0')}`;
        return {
          type: 'MedicineDispensed',
          data: {
            lineId: uuid(n),
            ordonnancierNumber: n + 1,
            prescriptionId: `rx-${n % usagers}`,
            serviceUserId: `usager-${n % usagers}`,
            productId: 'morphine-10',
            lots: [{ lot: 'M-1', units: 2 }],
            units: 2,
            presentedOn: day,
            dispensedOn: day,
          },
        };
      });
      return [opening, ...dispensations];
    }

    /** How many entries are given to Maps and Sets while `work` runs: copying one gives it all of them. */
    function mapWritesDuring(work: () => void): number {
      const { set } = Map.prototype;
      const { add } = Set.prototype;
      let writes = 0;
      Map.prototype.set = function (this: Map<unknown, unknown>, key: unknown, value: unknown) {
        writes += 1;
        return set.call(this, key, value);
      };
      Set.prototype.add = function (this: Set<unknown>, value: unknown) {
        writes += 1;
        return add.call(this, value);
      };
      try {
        work();
      } finally {
        Map.prototype.set = set;
        Set.prototype.add = add;
      }
      return writes;
    }
  });

  describe('properties', () => {
    const products = [nicotine, diazepam, morphine];
    const lotsOf = ['A', 'B', 'C'];
    const anyProduct = fc.constantFrom(...products.map((product) => product.productId));
    const anyDay = fc.integer({ min: 1, max: 28 }).map((n) => `2026-11-${String(n).padStart(2, '0')}`);
    let counter = 1_000;
    const line = () => {
      counter += 1;
      return uuid(counter);
    };
    const anyCommand: fc.Arbitrary<() => PharmacyLedgerCommand> = fc.oneof(
      fc.tuple(anyProduct, fc.constantFrom(...lotsOf), fc.integer({ min: 1, max: 40 }), anyDay).map(
        ([productId, lot, units, on]) =>
          (): PharmacyLedgerCommand => ({
            type: 'ReceiveStock',
            lineId: line(),
            productId,
            lot,
            expiresOn: '2027-12-31',
            units,
            receivedOn: on,
            supplier: 'Répartiteur',
          }),
      ),
      fc.tuple(fc.integer({ min: 1, max: 4 }), anyProduct, fc.integer({ min: 1, max: 60 })).map(
        ([n, productId, totalUnits]) =>
          (): PharmacyLedgerCommand => ({
            type: 'RegisterPrescription',
            prescription: { ...prescription, prescriptionId: `rx-${n}`, productId, totalUnits },
          }),
      ),
      fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 12 }), anyDay).map(
        ([n, units, on]) =>
          (): PharmacyLedgerCommand => ({
            type: 'Dispense',
            lineId: line(),
            prescriptionId: `rx-${n}`,
            presentedOn: on,
            dispensedOn: on,
            units,
          }),
      ),
      fc
        .tuple(
          anyProduct,
          fc.constantFrom(...lotsOf),
          fc.integer({ min: 1, max: 20 }),
          fc.constantFrom('RecordStockLoss', 'ReturnStock'),
        )
        .map(
          ([productId, lot, units, kind]) =>
            (): PharmacyLedgerCommand =>
              kind === 'RecordStockLoss'
                ? {
                    type: 'RecordStockLoss',
                    lineId: line(),
                    productId,
                    lot,
                    units,
                    lostOn: '2026-11-15',
                    cause: 'loss',
                    declaration: 'déclaration ARS',
                  }
                : {
                    type: 'ReturnStock',
                    lineId: line(),
                    productId,
                    lot,
                    units,
                    returnedOn: '2026-11-15',
                    supplier: 'Répartiteur',
                  },
        ),
      fc.tuple(anyProduct, fc.constantFrom(...lotsOf), fc.integer({ min: 0, max: 50 })).map(
        ([productId, lot, counted]) =>
          (): PharmacyLedgerCommand => ({
            type: 'RecordInventory',
            inventoryId: line(),
            countedOn: '2026-11-20',
            countedBy: 'pharmacien',
            counts: [{ productId, lot, counted, explanation: 'recomptage' }],
          }),
      ),
      fc.integer({ min: 0, max: 30 }).map(
        (back) => (): PharmacyLedgerCommand => ({
          type: 'CounterLine',
          lineId: line(),
          counteredLineId: uuid(counter - back),
          reason: 'erreur de saisie',
          on: '2026-11-16',
        }),
      ),
    );
    // a month that opens with stock and open prescriptions, so that dispensations often go through
    const start: PharmacyLedgerEvent = {
      type: 'LedgerMonthOpened',
      data: {
        facilityId: CSAPA,
        month: '2026-11',
        openedOn: '2026-11-01',
        products,
        lots: products.map((product) => ({
          productId: product.productId,
          lot: 'A',
          expiresOn: '2027-12-31',
          units: 30,
        })),
        lastOrdonnancierNumber: 0,
        prescriptions: [1, 2, 3, 4].map((n) => ({
          ...prescription,
          prescriptionId: `rx-${n}`,
          productId: products[n % products.length]?.productId ?? 'diazepam-10',
          totalUnits: 20 + n * 5,
          dispensed: [],
        })),
      },
    };

    it('never lets stock go negative nor dispensed exceed prescribed; the balance is the sum of the movements; numbers increase without reuse; every refusal is French and leaves nothing', () => {
      let runsThatDispensed = 0;
      fc.assert(
        fc.property(fc.array(anyCommand, { maxLength: 40, size: 'max' }), (makers) => {
          const events: PharmacyLedgerEvent[] = [start];
          for (const make of makers) {
            const command = make();
            const before = events.length;
            try {
              events.push(...after(events, command).slice(before));
            } catch (error) {
              if (!(error instanceof DomainRuleViolation)) throw error;
              assert.equal(events.length, before);
              assert.match(error.message, /[a-zéèàçù’]/);
              assert.doesNotMatch(error.message, /\b(the|must|cannot|invalid)\b/i);
            }
            const ledger = ledgerAfter(...events);
            for (const lot of ledger.lots.values()) assert.ok(lot.units >= 0, `lot ${lot.lot} négatif`);
            for (const rx of ledger.prescriptions.values()) {
              assert.ok(rx.dispensed.reduce((sum, fraction) => sum + fraction.units, 0) <= rx.totalUnits);
            }
          }
          // the closing balance of each product is its opening plus entries minus exits, and the sum of its signed movements
          const ledger = ledgerAfter(...events);
          const closing = closingOf(ledger);
          for (const totals of closing.totals) {
            assert.equal(totals.closing, totals.opening + totals.entries - totals.exits);
            assert.equal(totals.closing, totals.opening + signedMovements(events, totals.productId));
          }
          const numbers = events.flatMap((event) =>
            event.type === 'MedicineDispensed' && event.data.ordonnancierNumber !== undefined
              ? [event.data.ordonnancierNumber]
              : [],
          );
          for (const [index, number] of numbers.entries()) assert.equal(number, index + 1);
          if (numbers.length > 0) runsThatDispensed += 1;
          for (const event of events) pharmacyLedgerEventSchemas[event.type].parse(event.data);
        }),
        { numRuns: 200 },
      );
      // the property is about dispensations: enough runs must have made some. With sequences of up
      // to 40 commands, 101 to 127 of 200 do (over 20 seeds); 20 is far below any seed's
      assert.ok(runsThatDispensed >= 20, `only ${runsThatDispensed} runs dispensed`);
    });

    /** Σ of what each event moved for the product, read from the events alone. */
    function signedMovements(events: PharmacyLedgerEvent[], productId: string): number {
      const byLine = new Map<string, number>();
      let total = 0;
      for (const event of events) {
        const data = event.data as { productId?: string; lineId?: string; units?: number };
        let change = 0;
        if (event.type === 'StockReceived' && data.productId === productId) change = event.data.units;
        if (event.type === 'MedicineDispensed' && data.productId === productId) change = -event.data.units;
        if (
          (event.type === 'StockLost' || event.type === 'StockDestroyed' || event.type === 'StockReturned') &&
          data.productId === productId
        ) {
          change = -event.data.units;
        }
        if (event.type === 'InventoryRecorded') {
          change = event.data.lines
            .filter((item) => item.productId === productId)
            .reduce((sum, item) => sum + item.gap, 0);
        }
        if (event.type === 'LineCountered') change = -(byLine.get(event.data.counteredLineId) ?? 0);
        if (data.lineId !== undefined && event.type !== 'LineCountered') byLine.set(data.lineId, change);
        total += change;
      }
      return total;
    }
  });
});
