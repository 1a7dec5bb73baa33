import { randomUUID } from 'node:crypto';
import {
  asEventList,
  DomainRuleViolation,
  type LedgerProduct,
  type PharmacyLedgerCommand,
  type PharmacyLedgerEvent,
  pharmacyLedgerDecider,
  pharmacyLedgerStreamId,
  stockOf,
} from '@dui-pds/domain';
import {
  type CommandMetadata,
  migrateEventStore,
  PostgresEventStore,
  WrongExpectedRevisionError,
} from '@dui-pds/eventstore';
import { dropSchemasStartingWith, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import { narcoticsRegister, ProjectionRuntime, pharmacyProjection, withInlineProjections } from '@dui-pds/projections';
import { expect } from 'chai';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { noonOn } from '../../app/testing/test-clock.js';
import { decideOnLedger, openLedgerMonth } from './ledger-months.js';

const ORG = 'og-model';
const MONTHS = ['2026-09', '2026-10', '2026-11'] as const;
const products: LedgerProduct[] = [
  { productId: 'morphine-10', name: 'Morphine 10 mg, gélule', productClass: 'narcotic', unit: 'gélule' },
  { productId: 'diazepam-10', name: 'Diazépam 10 mg, comprimé', productClass: 'listed', unit: 'comprimé' },
  { productId: 'patch-21', name: 'Nicotine 21 mg, patch', productClass: 'unlisted', unit: 'patch' },
];
const productIds = products.map((product) => product.productId);

/** What one step asks of the ledger; the day is filled in with the month it runs in. */
type Step = (day: string, lines: string[]) => PharmacyLedgerCommand;

/** A dispensation on one of the prescriptions `rx-1`, `rx-2`... whose number the arbitrary gives. */
function dispensation(prescriptionNumber: fc.Arbitrary<number>): fc.Arbitrary<Step> {
  return fc.tuple(prescriptionNumber, fc.integer({ min: 1, max: 15 })).map(
    ([n, units]): Step =>
      (day) => ({
        type: 'Dispense',
        lineId: randomUUID(),
        prescriptionId: `rx-${n}`,
        presentedOn: day,
        dispensedOn: day,
        units,
      }),
  );
}

const anyStep: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(fc.constantFrom(...productIds), fc.constantFrom('A', 'B'), fc.integer({ min: 1, max: 40 })).map(
    ([productId, lot, units]): Step =>
      (day) => ({
        type: 'ReceiveStock',
        lineId: randomUUID(),
        productId,
        lot,
        expiresOn: '2030-12-31',
        units,
        receivedOn: day,
        supplier: 'Répartiteur',
      }),
  ),
  fc.tuple(fc.integer({ min: 1, max: 5 }), fc.constantFrom(...productIds), fc.integer({ min: 1, max: 60 })).map(
    ([n, productId, totalUnits]): Step =>
      (day) => ({
        type: 'RegisterPrescription',
        prescription: {
          prescriptionId: `rx-${n}`,
          serviceUserId: `usager-${n}`,
          productId,
          totalUnits,
          prescribedOn: day,
          endsOn: '2026-12-31',
          prescriber: { professionalId: 'dr-1', name: 'Dr Leroy', address: '1 rue de la Paix, 75002 Paris' },
        },
      }),
  ),
  dispensation(fc.integer({ min: 1, max: 5 })),
  fc.tuple(fc.constantFrom(...productIds), fc.constantFrom('A', 'B'), fc.integer({ min: 1, max: 10 })).map(
    ([productId, lot, units]): Step =>
      (day) => ({
        type: 'RecordStockLoss',
        lineId: randomUUID(),
        productId,
        lot,
        units,
        lostOn: day,
        cause: 'loss',
        declaration: 'déclaration ARS',
      }),
  ),
  fc.tuple(fc.constantFrom(...productIds), fc.constantFrom('A', 'B'), fc.integer({ min: 1, max: 10 })).map(
    ([productId, lot, units]): Step =>
      (day) => ({
        type: 'DestroyStock',
        lineId: randomUUID(),
        productId,
        lot,
        units,
        destroyedOn: day,
        certificate: 'PV de destruction',
        witness: 'pharmacien inspecteur',
        // told a month ahead when the day allows it: otherwise a narcotic's destruction is refused
        arsNotifiedOn: '2026-08-01',
      }),
  ),
  fc.tuple(fc.constantFrom(...productIds), fc.constantFrom('A', 'B'), fc.integer({ min: 0, max: 40 })).map(
    ([productId, lot, counted]): Step =>
      (day) => ({
        type: 'RecordInventory',
        inventoryId: randomUUID(),
        countedOn: day,
        countedBy: 'pharmacien',
        counts: [{ productId, lot, counted, explanation: 'recomptage' }],
      }),
  ),
  fc.nat(20).map(
    (back): Step =>
      (day, lines) => ({
        type: 'CounterLine',
        lineId: randomUUID(),
        counteredLineId: lines.at(-1 - back) ?? randomUUID(),
        reason: 'erreur de saisie',
        on: day,
      }),
  ),
);

/**
 * Acceptance 1 of the Care and pharmacy issue, against PostgreSQL with the inline projection:
 * random batches of pharmacy commands (receipts, prescriptions, dispensations, losses,
 * destructions, inventories, counter-entries), each batch sent at once, over three months whose changes
 * close and open the ledger. Whatever happens: no lot below zero, the register's balance is the
 * sum of its movements, ordonnancier numbers 1, 2, 3... without reuse across the months, never more
 * dispensed than prescribed, and each refused command refused in French, leaving no event.
 */
describe('the pharmacy ledger under random concurrent commands (model-based, PostgreSQL)', function () {
  this.timeout(300_000);
  let knex: Knex;
  let schema: string;
  let runtime: ProjectionRuntime;
  let store: ReturnType<typeof withInlineProjections>;

  before(async () => {
    knex = testPostgres();
    schema = uniqueSchema('ledger_model');
    await migrateEventStore(knex, { schema });
    const log = new PostgresEventStore(knex, { schema });
    runtime = new ProjectionRuntime({ knex, store: log, schema, projections: [], inline: [pharmacyProjection] });
    await runtime.migrate();
    store = withInlineProjections(log, knex, runtime);
  });
  after(async () => {
    await runtime.close();
    await dropSchemasStartingWith(knex, schema);
    await knex.destroy();
  });

  it('keeps every invariant', async () => {
    let runsThatDispensed = 0;
    await fc.assert(
      fc.asyncProperty(
        // the first batch opens on a dispensation of a prescription kept in the ordonnancier (the
        // morphine's or the diazepam's, registered below), for the invariants to be about
        // dispensations in nearly every run: the random steps alone gave one numbered dispensation
        // in only 60 to 75 runs of 100, and 4 of 12 runs fell short one time in 100 or so
        dispensation(fc.constantFrom(1, 2)),
        fc.array(fc.array(anyStep, { minLength: 1, maxLength: 6 }), { minLength: 3, maxLength: 9 }),
        async (opening, [firstBatch = [], ...laterBatches]) => {
          const batches = [[opening, ...firstBatch], ...laterBatches];
          // given a new ESSMS, with its products defined in its first month
          const facilityId = `fac-${randomUUID().slice(0, 8)}`;
          // each command recorded on the day it is about, as the pharmacist would have entered it
          const metadataOn = (day: string): CommandMetadata => ({
            organisationId: ORG,
            facilityId,
            actor: { kind: 'professional', id: 'pharmacien', role: 'pharmacist' },
            occurredAt: new Date(noonOn(day)).toISOString(),
          });
          const lines: string[] = [];
          const refusals: string[] = [];
          const send = async (month: string, day: string, command: PharmacyLedgerCommand) => {
            const commandId = randomUUID();
            const metadata = metadataOn(day);
            try {
              await openLedgerMonth(store, { organisationId: ORG, facilityId, month, day }, metadata);
              await decideOnLedger(store, { organisationId: ORG, facilityId, month }, commandId, command, metadata);
              if ('lineId' in command) lines.push(command.lineId);
            } catch (error) {
              if (!(error instanceof DomainRuleViolation)) throw error;
              expect(error.message).to.match(/[a-zàâçéèêëîïôûù’]/);
              refusals.push(commandId);
            }
          };
          // with stock, and prescriptions to dispense, so that dispensations often go through
          const first = `${MONTHS[0]}-01`;
          for (const product of products) await send(MONTHS[0], first, { type: 'DefineProduct', product });
          for (const [index, product] of products.entries()) {
            await send(MONTHS[0], first, {
              type: 'ReceiveStock',
              lineId: randomUUID(),
              productId: product.productId,
              lot: 'A',
              expiresOn: '2030-12-31',
              units: 60 + index * 10,
              receivedOn: first,
              supplier: 'Répartiteur',
            });
          }
          for (const n of [1, 2, 3]) {
            await send(MONTHS[0], first, {
              type: 'RegisterPrescription',
              prescription: {
                prescriptionId: `rx-${n}`,
                serviceUserId: `usager-${n}`,
                productId: productIds[n - 1] as string,
                totalUnits: 50,
                prescribedOn: first,
                endsOn: '2026-12-31',
                prescriber: { professionalId: 'dr-1', name: 'Dr Leroy', address: '1 rue de la Paix, 75002 Paris' },
              },
            });
          }

          // when the batches run, each batch at once, spread over the three months
          for (const [index, batch] of batches.entries()) {
            const month = MONTHS[
              Math.min(MONTHS.length - 1, Math.floor((index * MONTHS.length) / batches.length))
            ] as string;
            const day = `${month}-${String(10 + (index % 15)).padStart(2, '0')}`;
            await Promise.all(batch.map((step) => send(month, day, step(day, lines))));
          }

          // then, month by month, in the order recorded
          let lastNumber = 0;
          const refused = new Set(refusals);
          let latest = pharmacyLedgerDecider.initialState();
          for (const month of MONTHS) {
            const recorded = await store.readStream(pharmacyLedgerStreamId(ORG, facilityId, month));
            let ledger = pharmacyLedgerDecider.initialState();
            for (const event of recorded) {
              expect(refused.has(event.metadata.causationId ?? '')).to.equal(false);
              const domainEvent = { type: event.type, data: event.data } as PharmacyLedgerEvent;
              ledger = pharmacyLedgerDecider.evolve(ledger, domainEvent);
              for (const lot of ledger.lots.values()) expect(lot.units, `lot ${lot.lot}`).to.be.at.least(0);
              for (const rx of ledger.prescriptions.values()) {
                expect(rx.dispensed.reduce((sum, fraction) => sum + fraction.units, 0)).to.be.at.most(rx.totalUnits);
              }
              if (domainEvent.type === 'MedicineDispensed' && domainEvent.data.ordonnancierNumber !== undefined) {
                expect(domainEvent.data.ordonnancierNumber).to.equal(lastNumber + 1);
                lastNumber = domainEvent.data.ordonnancierNumber;
              }
              asEventList(domainEvent);
            }
            if (ledger.status !== 'none') latest = ledger;
          }
          if (lastNumber > 0) runsThatDispensed += 1;

          // and the register of the narcotic: each balance is the previous plus the line's movement,
          // and its last balance is the ledger's stock
          const register = await narcoticsRegister(knex, runtime.readSchema(pharmacyProjection.name), {
            organisationId: ORG,
            facilityId,
            from: `${MONTHS[0]}-01`,
            to: `${MONTHS[MONTHS.length - 1]}-30`,
            productId: 'morphine-10',
          });
          for (const product of register) {
            let balance = product.opening;
            for (const line of product.lines) {
              balance += line.entry - line.exit;
              expect(line.balanceAfter).to.equal(balance);
            }
            expect(product.closing).to.equal(product.opening + product.entries - product.exits);
            expect(product.closing).to.equal(stockOf(latest, 'morphine-10'));
          }
        },
      ),
      { numRuns: 12 },
    );
    // the invariants are about dispensations: enough runs must have made some
    expect(runsThatDispensed).to.be.at.least(4);
  });

  it('lets concurrent dispensations of one process queue on the month and leave together, so that none starts over', async () => {
    // given a month with stock and a prescription, and a store that counts the appends, and those
    // refused on their expected revision
    const facilityId = `fac-${randomUUID().slice(0, 8)}`;
    const month = MONTHS[2];
    const day = `${month}-12`;
    const where = { organisationId: ORG, facilityId, month };
    const metadata: CommandMetadata = {
      organisationId: ORG,
      facilityId,
      actor: { kind: 'professional', id: 'pharmacien', role: 'pharmacist' },
      occurredAt: new Date(noonOn(day)).toISOString(),
    };
    let conflicts = 0;
    let appends = 0;
    const counting: typeof store = {
      ...store,
      appendToStream: async (...args) => {
        appends += 1;
        try {
          return await store.appendToStream(...args);
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError) conflicts += 1;
          throw error;
        }
      },
      readStream: (...args) => store.readStream(...args),
    };
    await openLedgerMonth(counting, { ...where, day }, metadata);
    const setUp: PharmacyLedgerCommand[] = [
      { type: 'DefineProduct', product: products[0]! },
      {
        type: 'ReceiveStock',
        lineId: randomUUID(),
        productId: 'morphine-10',
        lot: 'A',
        expiresOn: '2030-12-31',
        units: 100,
        receivedOn: day,
        supplier: 'Répartiteur',
      },
      {
        type: 'RegisterPrescription',
        prescription: {
          prescriptionId: 'rx-1',
          serviceUserId: 'usager-1',
          productId: 'morphine-10',
          totalUnits: 50,
          prescribedOn: day,
          endsOn: '2026-12-31',
          prescriber: { professionalId: 'dr-1', name: 'Dr Leroy', address: '1 rue de la Paix, 75002 Paris' },
        },
      },
    ];
    for (const command of setUp) await decideOnLedger(counting, where, randomUUID(), command, metadata);
    appends = 0;

    // when twelve dispensations arrive at once
    const dispense = (): PharmacyLedgerCommand => ({
      type: 'Dispense',
      lineId: randomUUID(),
      prescriptionId: 'rx-1',
      presentedOn: day,
      dispensedOn: day,
      units: 1,
    });
    await Promise.all(
      Array.from({ length: 12 }, () => decideOnLedger(counting, where, randomUUID(), dispense(), metadata)),
    );

    // then each is in the ordonnancier once, none was refused on its expected revision, and those
    // that queued behind the month's busy stream were appended together
    const recorded = await store.readStream(pharmacyLedgerStreamId(ORG, facilityId, month));
    const numbers = recorded
      .filter((event) => event.type === 'MedicineDispensed')
      .map((event) => (event.data as { ordonnancierNumber?: number }).ordonnancierNumber);
    expect(numbers).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(conflicts).to.equal(0);
    expect(appends).to.be.at.most(2);
  });
});
