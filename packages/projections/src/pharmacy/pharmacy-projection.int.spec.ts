import {
  asEventList,
  closingOf,
  DomainRuleViolation,
  foldEvents,
  type LedgerProduct,
  type PharmacyLedgerCommand,
  type PharmacyLedgerEvent,
  pharmacyLedgerDecider,
  pharmacyLedgerStreamId,
  stockOf,
} from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import {
  annualNarcoticsStatement,
  latestLedgerMonth,
  monthlyBalance,
  pharmacyAlerts,
  pharmacyStock,
} from './ledger-queries.js';
import { pharmacyProjection } from './pharmacy-projection.js';
import { dispensingLog, narcoticsRegister, sortedByPatient } from './register-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const uuid = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;
const WHOLE_TIME = { from: '2000-01-01', to: '2099-12-31' };

const methadone: LedgerProduct = {
  productId: 'methadone-40',
  name: 'Méthadone AP-HP 40 mg, sirop (flacon)',
  productClass: 'narcotic',
  unit: 'flacon de 40 mg',
  lowStockThreshold: 20,
};
const morphine: LedgerProduct = {
  productId: 'morphine-10',
  name: 'Sulfate de morphine 10 mg, gélule',
  productClass: 'narcotic',
  unit: 'gélule',
};
const diazepam: LedgerProduct = {
  productId: 'diazepam-10',
  name: 'Diazépam 10 mg, comprimé',
  productClass: 'listed',
  unit: 'comprimé',
  lowStockThreshold: 100,
};
const nicotine: LedgerProduct = {
  productId: 'nicotine-patch',
  name: 'Nicotine 21 mg/24 h, patch',
  productClass: 'unlisted',
  unit: 'patch',
};
const prescriber = { professionalId: 'dr-leroy', name: 'Dr Anne Leroy', address: '1 rue de la Paix, 75002 Paris' };

/** A ledger kept through the domain's decider: each command decided on the events so far, refusals skipped. */
class LedgerUnderTest {
  readonly given: GivenEvent[] = [];
  events: PharmacyLedgerEvent[] = [];
  month = '';

  constructor(
    private readonly facilityId = csapa,
    private readonly organisation = organisationId,
  ) {}

  /** Decides and keeps the events; answers whether the ledger accepted the command. */
  run(command: PharmacyLedgerCommand, recordedAt = '2026-01-31T10:00:00Z'): boolean {
    let decided: readonly PharmacyLedgerEvent[];
    try {
      decided = asEventList(pharmacyLedgerDecider.decide(command, this.ledger()));
    } catch (error) {
      if (error instanceof DomainRuleViolation) return false;
      throw error;
    }
    this.events.push(...decided);
    for (const event of decided) {
      this.given.push({
        type: event.type,
        data: event.data,
        streamId: pharmacyLedgerStreamId(this.organisation, this.facilityId, this.month),
        metadata: { organisationId: this.organisation, facilityId: this.facilityId, recordedAt },
      });
    }
    return true;
  }

  open(month: string, products: LedgerProduct[] = []): void {
    const previous = this.month ? this.ledger() : undefined;
    if (previous?.status === 'open') this.run({ type: 'CloseLedgerMonth', closedOn: `${month}-01` });
    this.month = month;
    this.events = [];
    this.run({
      type: 'OpenLedgerMonth',
      facilityId: this.facilityId,
      month,
      openedOn: `${month}-01`,
      ...(previous ? { previous: closingOf(previous) } : {}),
    });
    for (const product of products) this.run({ type: 'DefineProduct', product });
  }

  ledger() {
    return foldEvents(pharmacyLedgerDecider, this.events);
  }
}

const receive = (
  n: number,
  product: LedgerProduct,
  lot: string,
  units: number,
  day: string,
  expiresOn = '2028-12-31',
) =>
  ({
    type: 'ReceiveStock',
    lineId: uuid(n),
    productId: product.productId,
    lot,
    expiresOn,
    units,
    receivedOn: day,
    supplier: 'Répartiteur Sud',
    reference: `BL-${n}`,
  }) as const;
const prescribe = (id: string, serviceUserId: string, product: LedgerProduct, totalUnits: number) =>
  ({
    type: 'RegisterPrescription',
    prescription: {
      prescriptionId: id,
      serviceUserId,
      productId: product.productId,
      totalUnits,
      prescribedOn: '2026-01-02',
      endsOn: '2026-12-31',
      prescriber,
    },
  }) as const;
const dispense = (n: number, prescriptionId: string, units: number, day: string) =>
  ({ type: 'Dispense', lineId: uuid(n), prescriptionId, presentedOn: day, dispensedOn: day, units }) as const;

/** January: methadone received, dispensed twice (one countered), a theft, a destruction, an inventory. */
function january(): LedgerUnderTest {
  const ledger = new LedgerUnderTest();
  ledger.open('2026-01', [methadone, diazepam, nicotine]);
  const accepted = [
    ledger.run(receive(1, methadone, 'MET-A', 50, '2026-01-05', '2026-02-15')),
    ledger.run(receive(2, methadone, 'MET-B', 30, '2026-01-06', '2027-06-30')),
    ledger.run(receive(3, diazepam, 'DZP-1', 40, '2026-01-06')),
    ledger.run(prescribe('rx-1', 'usager-1', methadone, 20)),
    ledger.run(prescribe('rx-2', 'usager-2', diazepam, 10)),
    ledger.run(dispense(4, 'rx-1', 7, '2026-01-08')),
    ledger.run(dispense(5, 'rx-2', 5, '2026-01-09')),
    ledger.run(dispense(6, 'rx-1', 7, '2026-01-15')),
    ledger.run({
      type: 'CounterLine',
      lineId: uuid(7),
      counteredLineId: uuid(6),
      reason: 'Délivrance saisie deux fois',
      on: '2026-01-15',
    }),
    ledger.run({
      type: 'RecordStockLoss',
      lineId: uuid(8),
      productId: methadone.productId,
      lot: 'MET-A',
      units: 2,
      lostOn: '2026-01-20',
      cause: 'theft',
      declaration: 'Plainte n° 4521 ; ARS et ANSM informées le 20/01/2026',
    }),
    ledger.run({
      type: 'DestroyStock',
      lineId: uuid(9),
      productId: methadone.productId,
      lot: 'MET-A',
      units: 1,
      destroyedOn: '2026-01-22',
      certificate: 'PV de destruction n° 12',
      witness: 'Mme Bernard, pharmacien inspecteur',
      arsNotifiedOn: '2025-12-01',
    }),
    ledger.run({
      type: 'RecordInventory',
      inventoryId: uuid(10),
      countedOn: '2026-01-30',
      countedBy: 'pharmacien-1',
      counts: [
        { productId: methadone.productId, lot: 'MET-A', counted: 39, explanation: 'flacon brisé, retrouvé' },
        { productId: methadone.productId, lot: 'MET-B', counted: 30 },
      ],
    }),
  ];
  expect(accepted.every(Boolean), String(accepted)).to.equal(true);
  return ledger;
}

describe('the pharmacy projection', () => {
  const spec = ProjectionSpecification.for(pharmacyProjection);
  after(() => spec.close());
  const where = { organisationId, facilityId: csapa };

  it('keeps the narcotics register: every line in the order recorded, with its exit type and the balance after it', async () => {
    // given January's ledger
    const schema = await spec.modelAfter(january().given);

    // when the register of January is read
    const register = await narcoticsRegister(spec.db, schema, { ...where, from: '2026-01-01', to: '2026-01-31' });

    // then only methadone has a page, each line with what the law asks of it
    expect(register.map((page) => page.productId)).to.deep.equal(['methadone-40']);
    const [page] = register;
    expect(page).to.include({ opening: 0, entries: 80 + 7, exits: 14 + 2 + 1 + 1, closing: 69 });
    expect(page?.lines.map((line) => [line.kind, line.day, line.entry, line.exit, line.balanceAfter])).to.deep.equal([
      ['receipt', '2026-01-05', 50, 0, 50],
      ['receipt', '2026-01-06', 30, 0, 80],
      ['dispensation', '2026-01-08', 0, 7, 73],
      ['dispensation', '2026-01-15', 0, 7, 66],
      ['counter-entry', '2026-01-15', 7, 0, 73],
      ['theft', '2026-01-20', 0, 2, 71],
      ['destruction', '2026-01-22', 0, 1, 70],
      ['inventory', '2026-01-30', 0, 1, 69],
      ['inventory', '2026-01-30', 0, 0, 69],
    ]);
    const line = (kind: string) => page?.lines.find((candidate) => candidate.kind === kind);
    expect(line('receipt')).to.include({ party: 'Répartiteur Sud', document: 'BL-1', lineId: uuid(1) });
    expect(line('receipt')?.lots).to.deep.equal([{ lot: 'MET-A', units: 50, expiresOn: '2026-02-15' }]);
    expect(line('dispensation')).to.include({ ordonnancierNumber: 1, counteredByLineId: null });
    expect(page?.lines[3]).to.include({ ordonnancierNumber: 3, counteredByLineId: uuid(7) });
    expect(line('counter-entry')).to.include({
      counteredLineId: uuid(6),
      explanation: 'Délivrance saisie deux fois',
    });
    expect(line('theft')?.document).to.equal('Plainte n° 4521 ; ARS et ANSM informées le 20/01/2026');
    expect(line('destruction')).to.include({
      document: 'PV de destruction n° 12',
      party: 'Mme Bernard, pharmacien inspecteur',
      arsNotifiedOn: '2025-12-01',
    });
    expect(line('inventory')).to.include({
      theoretical: 40,
      counted: 39,
      explanation: 'flacon brisé, retrouvé',
      party: 'pharmacien-1',
    });

    // and a period narrows the lines, its opening the balance before its first line
    const later = await narcoticsRegister(spec.db, schema, { ...where, from: '2026-01-16', to: '2026-01-25' });
    expect(later[0]).to.include({ opening: 73, entries: 0, exits: 3, closing: 70 });
    const none = await narcoticsRegister(spec.db, schema, { ...where, from: '2026-01-31', to: '2026-01-31' });
    expect(none[0]).to.include({ opening: 69, closing: 69 });
    expect(none[0]?.lines).to.deep.equal([]);
  });

  it('keeps the ordonnancier: numbered dispensations with their prescriber, countered ones marked, sortable', async () => {
    const schema = await spec.modelAfter(january().given);

    const byNumber = await dispensingLog(spec.db, schema, { ...where, from: '2026-01-01', to: '2026-01-31' });
    const byProduct = await dispensingLog(spec.db, schema, {
      ...where,
      from: '2026-01-01',
      to: '2026-01-31',
      sort: 'product',
    });
    const byDate = await dispensingLog(spec.db, schema, { ...where, ...WHOLE_TIME, sort: 'date' });

    expect(byNumber.map((entry) => [entry.ordonnancierNumber, entry.productId, entry.serviceUserId])).to.deep.equal([
      [1, 'methadone-40', 'usager-1'],
      [2, 'diazepam-10', 'usager-2'],
      [3, 'methadone-40', 'usager-1'],
    ]);
    expect(byNumber[0]).to.include({
      day: '2026-01-08',
      units: 7,
      unit: 'flacon de 40 mg',
      productName: 'Méthadone AP-HP 40 mg, sirop (flacon)',
      prescriberName: 'Dr Anne Leroy',
      prescriberAddress: '1 rue de la Paix, 75002 Paris',
      prescribedOn: '2026-01-02',
      counteredOn: null,
    });
    expect(byNumber[2]).to.include({ counteredOn: '2026-01-15', counterReason: 'Délivrance saisie deux fois' });
    expect(byProduct.map((entry) => entry.ordonnancierNumber)).to.deep.equal([2, 1, 3]);
    expect(byDate.map((entry) => entry.day)).to.deep.equal(['2026-01-08', '2026-01-09', '2026-01-15']);
    const names: Record<string, string> = { 'usager-1': 'Zola Émile', 'usager-2': 'Ébène Anna' };
    expect(sortedByPatient(byNumber, (id) => names[id] ?? id).map((entry) => entry.ordonnancierNumber)).to.deep.equal([
      2, 1, 3,
    ]);
  });

  it('carries a month into the next: stock, balances, numbers, and the annual statement for the ARS', async () => {
    // given January, then February opened with January's closing
    const ledger = january();
    ledger.open('2026-02');
    expect(ledger.run(receive(11, methadone, 'MET-C', 20, '2026-02-03'))).to.equal(true);
    expect(ledger.run(dispense(12, 'rx-1', 6, '2026-02-04'))).to.equal(true);
    const schema = await spec.modelAfter(ledger.given);

    // then
    expect(await latestLedgerMonth(spec.db, schema, where)).to.deep.equal({ month: '2026-02', status: 'open' });
    expect(await latestLedgerMonth(spec.db, schema, { ...where, before: '2026-02' })).to.deep.equal({
      month: '2026-01',
      status: 'closed',
    });
    expect(await latestLedgerMonth(spec.db, schema, { ...where, before: '2026-01' })).to.equal(undefined);
    expect(await latestLedgerMonth(spec.db, schema, { ...where, facilityId: '750000002' })).to.equal(undefined);

    const januaryBalance = await monthlyBalance(spec.db, schema, { ...where, month: '2026-01' });
    expect(januaryBalance).to.include({ status: 'closed', openedOn: '2026-01-01', closedOn: '2026-02-01' });
    expect(
      januaryBalance?.products.map((line) => [line.productId, line.opening, line.entries, line.exits, line.closing]),
    ).to.deep.equal([
      ['diazepam-10', 0, 40, 5, 35],
      ['methadone-40', 0, 87, 18, 69],
      ['nicotine-patch', 0, 0, 0, 0],
    ]);
    const februaryBalance = await monthlyBalance(spec.db, schema, { ...where, month: '2026-02' });
    expect(februaryBalance?.products.find((line) => line.productId === 'methadone-40')).to.include({
      opening: 69,
      entries: 20,
      exits: 6,
      closing: 83,
    });
    expect(await monthlyBalance(spec.db, schema, { ...where, month: '2025-12' })).to.equal(undefined);

    const stock = await pharmacyStock(spec.db, schema, where);
    expect(stock?.month).to.equal('2026-02');
    expect(stock?.products.find((product) => product.productId === 'methadone-40')).to.deep.include({
      units: 83,
      lots: [
        { lot: 'MET-A', expiresOn: '2026-02-15', units: 33 },
        { lot: 'MET-B', expiresOn: '2027-06-30', units: 30 },
        { lot: 'MET-C', expiresOn: '2028-12-31', units: 20 },
      ],
    });
    const log = await dispensingLog(spec.db, schema, { ...where, ...WHOLE_TIME });
    expect(log.map((entry) => [entry.ordonnancierNumber, entry.month])).to.deep.equal([
      [1, '2026-01'],
      [2, '2026-01'],
      [3, '2026-01'],
      [4, '2026-02'],
    ]);
    const register = await narcoticsRegister(spec.db, schema, { ...where, from: '2026-02-01', to: '2026-02-28' });
    expect(register[0]?.lines.map((line) => [line.kind, line.balanceAfter])).to.deep.equal([
      ['opening', 69],
      ['receipt', 89],
      ['dispensation', 83],
    ]);

    const statement = await annualNarcoticsStatement(spec.db, schema, { ...where, year: 2026 });
    expect(statement.months).to.deep.equal([
      { month: '2026-01', status: 'closed' },
      { month: '2026-02', status: 'open' },
    ]);
    expect(statement.products).to.have.length(1);
    expect(statement.products[0]).to.deep.include({
      productId: 'methadone-40',
      opening: 0,
      received: 100,
      dispensed: 20,
      destroyed: 1,
      stolen: 2,
      lost: 0,
      returned: 0,
      inventoryGap: -1,
      counterEntries: 7,
      entries: 107,
      exits: 24,
      closing: 83,
    });
    expect(statement.products[0]?.inventories).to.deep.equal([
      { day: '2026-01-30', lot: 'MET-A', theoretical: 40, counted: 39, gap: -1, explanation: 'flacon brisé, retrouvé' },
      { day: '2026-01-30', lot: 'MET-B', theoretical: 30, counted: 30, gap: 0, explanation: null },
    ]);
    expect((await annualNarcoticsStatement(spec.db, schema, { ...where, year: 2025 })).products).to.deep.equal([]);
  });

  it('warns of lots expired or expiring and of products under their threshold', async () => {
    const schema = await spec.modelAfter(january().given);

    const alerts = await pharmacyAlerts(spec.db, schema, { ...where, today: '2026-01-31' });
    const later = await pharmacyAlerts(spec.db, schema, { ...where, today: '2026-02-16', withinDays: 10 });

    // MET-A expires on 15 February: within 60 days on 31 January; methadone (69) above 20, diazepam (35) under 100
    expect(alerts.map((alert) => [alert.kind, alert.productId, alert.lot, alert.units])).to.deep.equal([
      ['expiring', 'methadone-40', 'MET-A', 39],
      ['low-stock', 'diazepam-10', null, 35],
    ]);
    // once MET-A has expired, its units no longer count as usable stock
    expect(later.map((alert) => [alert.kind, alert.productId, alert.lot, alert.units])).to.deep.equal([
      ['expired', 'methadone-40', 'MET-A', 39],
      ['low-stock', 'diazepam-10', null, 35],
    ]);
    expect(
      await pharmacyAlerts(spec.db, schema, { organisationId: 'og-2', facilityId: csapa, today: '2026-01-31' }),
    ).to.deep.equal([]);
  });

  it('keeps each ESSMS’ ledger apart', async () => {
    const other = new LedgerUnderTest('750000002');
    other.open('2026-01', [morphine]);
    other.run(receive(1, morphine, 'M-1', 10, '2026-01-02'));
    const schema = await spec.modelAfter([...january().given, ...other.given]);

    const register = await narcoticsRegister(spec.db, schema, {
      organisationId,
      facilityId: '750000002',
      ...WHOLE_TIME,
    });
    expect(register.map((page) => [page.productId, page.closing])).to.deep.equal([['morphine-10', 10]]);
    expect(
      (await pharmacyStock(spec.db, schema, { organisationId, facilityId: '750000002' }))?.products,
    ).to.have.length(1);
  });

  it('for any sequence the ledger accepts: each balance follows its movements, numbers are unique and increasing', async () => {
    const products = [methadone, morphine, diazepam, nicotine];
    const lots = ['L1', 'L2'];
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('receive' as const),
        product: fc.nat(3),
        lot: fc.nat(1),
        units: fc.integer({ min: 1, max: 40 }),
      }),
      fc.record({
        kind: fc.constant('prescribe' as const),
        product: fc.nat(3),
        user: fc.nat(2),
        units: fc.integer({ min: 1, max: 60 }),
      }),
      fc.record({ kind: fc.constant('dispense' as const), pick: fc.nat(), units: fc.integer({ min: 1, max: 15 }) }),
      fc.record({
        kind: fc.constantFrom('loss' as const, 'theft' as const, 'destroy' as const, 'return' as const),
        product: fc.nat(3),
        lot: fc.nat(1),
        units: fc.integer({ min: 1, max: 10 }),
      }),
      fc.record({
        kind: fc.constant('count' as const),
        product: fc.nat(3),
        lot: fc.nat(1),
        counted: fc.integer({ min: 0, max: 40 }),
      }),
      fc.record({ kind: fc.constant('counter' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('next-month' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40, size: 'max' }), async (steps) => {
        const ledger = new LedgerUnderTest();
        let month = 1;
        const monthOf = () =>
          `${2026 + Math.floor((month - 1) / 12)}-${String(((month - 1) % 12) + 1).padStart(2, '0')}`;
        ledger.open(monthOf(), products);
        const prescriptions: string[] = [];
        const lines: string[] = [];
        let next = 100;
        for (const item of steps) {
          const day = `${monthOf()}-15`;
          const lineId = uuid(++next);
          switch (item.kind) {
            case 'receive': {
              const product = products[item.product] as LedgerProduct;
              if (ledger.run(receive(next, product, lots[item.lot] as string, item.units, day))) lines.push(lineId);
              break;
            }
            case 'prescribe': {
              const id = `rx-${next}`;
              const command = prescribe(id, `usager-${item.user}`, products[item.product] as LedgerProduct, item.units);
              if (ledger.run(command)) prescriptions.push(id);
              break;
            }
            case 'dispense': {
              const id = prescriptions[item.pick % Math.max(prescriptions.length, 1)];
              if (id && ledger.run(dispense(next, id, item.units, day))) lines.push(lineId);
              break;
            }
            case 'loss':
            case 'theft':
            case 'destroy':
            case 'return': {
              const about = {
                lineId,
                productId: (products[item.product] as LedgerProduct).productId,
                lot: lots[item.lot] as string,
                units: item.units,
              };
              const command: PharmacyLedgerCommand =
                item.kind === 'destroy'
                  ? {
                      type: 'DestroyStock',
                      ...about,
                      destroyedOn: day,
                      certificate: 'PV',
                      witness: 'témoin',
                      arsNotifiedOn: '2025-01-01',
                    }
                  : item.kind === 'return'
                    ? { type: 'ReturnStock', ...about, returnedOn: day, supplier: 'Répartiteur' }
                    : { type: 'RecordStockLoss', ...about, lostOn: day, cause: item.kind, declaration: 'déclarée' };
              if (ledger.run(command)) lines.push(lineId);
              break;
            }
            case 'count':
              ledger.run({
                type: 'RecordInventory',
                inventoryId: lineId,
                countedOn: day,
                countedBy: 'pharmacien',
                counts: [
                  {
                    productId: (products[item.product] as LedgerProduct).productId,
                    lot: lots[item.lot] as string,
                    counted: item.counted,
                    explanation: 'écart constaté',
                  },
                ],
              });
              break;
            case 'counter': {
              const countered = lines[item.pick % Math.max(lines.length, 1)];
              if (countered)
                ledger.run({ type: 'CounterLine', lineId, counteredLineId: countered, reason: 'erreur', on: day });
              break;
            }
            case 'next-month':
              month += 1;
              ledger.open(monthOf());
              lines.length = 0;
              break;
          }
        }
        const schema = await spec.modelAfter(ledger.given);
        const domain = ledger.ledger();

        // each product's lines chain: the balance after a line is the one before, plus its entry, minus its exit
        const rows = (await spec.db(`${schema}.stock_lines`).orderBy(['position', 'item']).select('*')) as {
          product_id: string;
          kind: string;
          entry: number;
          exit: number;
          balance_after: number;
        }[];
        for (const product of products) {
          let balance = 0;
          for (const row of rows.filter((candidate) => candidate.product_id === product.productId)) {
            if (row.kind !== 'opening') balance += row.entry - row.exit;
            expect(row.balance_after, `${product.productId} ${row.kind}`).to.equal(balance);
          }
          expect(balance).to.equal(stockOf(domain, product.productId));
        }
        const register = await narcoticsRegister(spec.db, schema, { ...where, ...WHOLE_TIME });
        for (const page of register) {
          expect(page.closing).to.equal(page.opening + page.entries - page.exits);
          expect(page.closing).to.equal(stockOf(domain, page.productId));
        }
        const current = await monthlyBalance(spec.db, schema, { ...where, month: monthOf() });
        for (const line of current?.products ?? []) {
          const totals = domain.totals.get(line.productId);
          expect([line.opening, line.entries, line.exits, line.closing]).to.deep.equal([
            totals?.opening,
            totals?.entries,
            totals?.exits,
            stockOf(domain, line.productId),
          ]);
        }

        // ordonnancier numbers: unique, increasing in the order recorded, never skipped
        const numbers = (
          (await spec.db(`${schema}.dispensing_log`).orderBy('position').select('ordonnancier_number')) as {
            ordonnancier_number: number;
          }[]
        ).map((row) => row.ordonnancier_number);
        expect(numbers).to.deep.equal(numbers.map((_, index) => index + 1));
        expect(numbers.length).to.equal(domain.lastOrdonnancierNumber);
      }),
      { numRuns: 50 },
    );
  });
});
