import { randomUUID } from 'node:crypto';
import {
  type HabilitationCommand,
  type LedgerMonthClosed,
  pharmacyLedgerStreamId,
  prescriptionDecider,
  prescriptionStreamId,
} from '@dui-pds/domain';
import { handleCommand } from '@dui-pds/eventstore';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const pharmacy = `/organisations/${ORG}/facilities/${CSAPA}/pharmacy`;
const parisDay = (at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(at);

const methadone = {
  productId: 'methadone-sirop-40',
  name: 'Méthadone AP-HP 40 mg, sirop',
  productClass: 'narcotic',
  unit: 'flacon de 40 mg',
  tsoProduct: 'methadone-syrup',
  lowStockThreshold: 50,
};
const diazepam = {
  productId: 'diazepam-10',
  name: 'Diazépam 10 mg, comprimé',
  productClass: 'listed',
  unit: 'comprimé',
};
const prescriber = {
  professionalId: 'pro-doctor',
  name: 'Dr Camille Leroy',
  address: '1 rue de la Paix, 75002 Paris',
  setting: 'csapa' as const,
};

/** A prescription recorded by the prescriptions module, as the doctor's command would. */
async function prescribe(app: ServerUnderTest, serviceUserId: string, product: 'methadone' | 'diazepam', on: string) {
  const prescriptionId = randomUUID();
  const medicine =
    product === 'methadone'
      ? {
          productId: methadone.productId,
          productName: methadone.name,
          tsoProduct: 'methadone-syrup' as const,
          dose: '40 mg',
          posology: 'un flacon de 40 mg par jour, le matin',
          dailyUnits: 1,
          durationDays: 14,
          namedPharmacist: 'Pharmacie du CSAPA',
          tsoHistory: { earlierPrescriptions: [] },
        }
      : {
          productId: diazepam.productId,
          productName: diazepam.name,
          dose: '10 mg',
          posology: 'un comprimé le soir',
          dailyUnits: 1,
          durationDays: 10,
        };
  await handleCommand(app.server.store, prescriptionDecider, {
    streamId: prescriptionStreamId(ORG, prescriptionId),
    commandId: randomUUID(),
    command: {
      type: 'PrescribeMedicine',
      prescriptionId,
      serviceUserId,
      facilityId: CSAPA,
      prescribedOn: on,
      prescriber,
      ...medicine,
    },
    metadata: {
      organisationId: ORG,
      facilityId: CSAPA,
      serviceUserId,
      actor: { kind: 'professional', id: 'pro-doctor', role: 'doctor' },
      occurredAt: new Date().toISOString(),
    },
  });
  return prescriptionId;
}

const usagers = Array.from({ length: 20 }, (_, index) => `usager-${index + 1}`);
const staff: HabilitationCommand[] = [
  { type: 'GrantRole', professionalId: 'pro-pharma', facilityId: CSAPA, role: 'pharmacist' },
  { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
  { type: 'GrantRole', professionalId: 'pro-nurse-2', facilityId: CSAPA, role: 'nurse' },
  { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
  ...usagers.map(
    (serviceUserId): HabilitationCommand => ({
      type: 'AddToCareTeam',
      professionalId: 'pro-nurse',
      serviceUserId,
      facilityId: CSAPA,
    }),
  ),
];

describe('the HTTP API: the pharmacy ledger, from receipt to dispensation', function () {
  this.timeout(120_000);
  let app: ServerUnderTest;
  let pharmacist: string;
  let nurse: string;
  let today: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(ORG, ...staff);
    pharmacist = await app.loginAs('pro-pharma');
    nurse = await app.loginAs('pro-nurse');
    today = parisDay(new Date());
    // given the products, and a receipt of each
    for (const product of [methadone, diazepam]) {
      const defined = await app.request('POST', `${pharmacy}/products`, { as: pharmacist, body: { product } });
      expect(defined.status, JSON.stringify(defined.body)).to.equal(201);
    }
    for (const [productId, units] of [
      [methadone.productId, 300],
      [diazepam.productId, 500],
    ] as const) {
      const received = await app.request('POST', `${pharmacy}/receipts`, {
        as: pharmacist,
        body: {
          lineId: randomUUID(),
          productId,
          lot: `LOT-${productId}`,
          expiresOn: '2030-12-31',
          units,
          supplier: 'Répartiteur Sud',
        },
      });
      expect(received.status, JSON.stringify(received.body)).to.equal(201);
    }
  });
  after(() => app.close());

  it('dispenses a methadone fraction of 7 days at 7 a.m., numbered in the ordonnancier, and no second one that day', async () => {
    // given a 14-day methadone prescription, registered at the pharmacy
    const prescriptionId = await prescribe(app, 'usager-1', 'methadone', today);
    const registered = await app.request('POST', `${pharmacy}/prescriptions`, { as: nurse, body: { prescriptionId } });

    // when the nurse dispenses, then tries again the same day
    const first = await app.request('POST', `${pharmacy}/dispensations`, {
      as: nurse,
      body: { lineId: randomUUID(), prescriptionId, serviceUserId: 'usager-1' },
    });
    const again = await app.request('POST', `${pharmacy}/dispensations`, {
      as: nurse,
      body: { lineId: randomUUID(), prescriptionId, serviceUserId: 'usager-1' },
    });

    // then the first gets 7 units and a number, the second is refused in French
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ units: 7 });
    expect(first.body.ordonnancierNumber).to.be.a('number');
    expect(again.status).to.equal(422);
    expect(again.body.detail).to.match(/fraction|délivr/);
  });

  it('refuses the ledger to those who do not keep it, and a dispensation for a usager outside the nurse’s team', async () => {
    const secretary = await app.loginAs('pro-secretary');
    const otherNurse = await app.loginAs('pro-nurse-2');
    const prescriptionId = await prescribe(app, 'usager-2', 'diazepam', today);
    await app.request('POST', `${pharmacy}/prescriptions`, { as: nurse, body: { prescriptionId } });

    const bySecretary = await app.request('POST', `${pharmacy}/receipts`, {
      as: secretary,
      body: {
        lineId: randomUUID(),
        productId: diazepam.productId,
        lot: 'X',
        expiresOn: '2030-01-01',
        units: 1,
        supplier: 'x',
      },
    });
    const outsideTeam = await app.request('POST', `${pharmacy}/dispensations`, {
      as: otherNurse,
      body: { lineId: randomUUID(), prescriptionId, serviceUserId: 'usager-2', units: 1 },
    });
    const wrongPerson = await app.request('POST', `${pharmacy}/dispensations`, {
      as: nurse,
      body: { lineId: randomUUID(), prescriptionId, serviceUserId: 'usager-3', units: 1 },
    });

    expect(bySecretary.status).to.equal(403);
    expect(bySecretary.body.detail).to.contain('pharmacien');
    expect(outsideTeam.status).to.equal(403);
    expect(wrongPerson.status).to.equal(422);
    expect(wrongPerson.body.code).to.equal('PRESCRIPTION_OF_ANOTHER_USAGER');
  });

  it('gives 20 dispensations sent at once 20 distinct, consecutive ordonnancier numbers', async () => {
    // given 20 usagers with a registered prescription each
    const prescriptions: string[] = [];
    for (const serviceUserId of usagers) {
      const prescriptionId = await prescribe(app, serviceUserId, 'diazepam', today);
      const registered = await app.request('POST', `${pharmacy}/prescriptions`, {
        as: nurse,
        body: { prescriptionId },
      });
      expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
      prescriptions.push(prescriptionId);
    }

    // when their 20 dispensations are sent at once
    const answers = await Promise.all(
      prescriptions.map((prescriptionId, index) =>
        app.request('POST', `${pharmacy}/dispensations`, {
          as: nurse,
          body: { lineId: randomUUID(), prescriptionId, serviceUserId: usagers[index], units: 2 },
        }),
      ),
    );

    // then all succeed, numbered without gap nor repeat
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    const numbers = answers.map((answer) => answer.body.ordonnancierNumber as number).sort((a, b) => a - b);
    expect(new Set(numbers).size).to.equal(20);
    expect(numbers.at(-1)! - numbers[0]!).to.equal(19);
  });
});

describe('the HTTP API: the pharmacy ledger across a change of month', function () {
  this.timeout(60_000);
  let now = new Date('2026-10-31T06:30:00Z');
  let app: ServerUnderTest;

  before(async () => {
    app = await ServerUnderTest.start({}, undefined, { clock: () => now });
    await app.asSystem(ORG, ...staff);
  });
  after(() => app.close());

  it('closes October at the first operation of November, which opens on October’s balances and numbers on', async () => {
    const pharmacist = await app.loginAs('pro-pharma');
    const nurse = await app.loginAs('pro-nurse');
    // given October: a product, a receipt of 100, a dispensation of 10 (number 1)
    await app.request('POST', `${pharmacy}/products`, { as: pharmacist, body: { product: diazepam } });
    await app.request('POST', `${pharmacy}/receipts`, {
      as: pharmacist,
      body: {
        lineId: randomUUID(),
        productId: diazepam.productId,
        lot: 'D-1',
        expiresOn: '2030-01-31',
        units: 100,
        supplier: 'Répartiteur',
      },
    });
    const prescriptionId = await prescribe(app, 'usager-1', 'diazepam', '2026-10-31');
    await app.request('POST', `${pharmacy}/prescriptions`, { as: nurse, body: { prescriptionId } });
    const october = await app.request('POST', `${pharmacy}/dispensations`, {
      as: nurse,
      body: { lineId: randomUUID(), prescriptionId, serviceUserId: 'usager-1', units: 4 },
    });

    // when the nurse dispenses on 2 November
    now = new Date('2026-11-02T06:00:00Z');
    const november = await app.request('POST', `${pharmacy}/dispensations`, {
      as: nurse,
      body: { lineId: randomUUID(), prescriptionId, serviceUserId: 'usager-1', units: 4 },
    });
    const early = await app.request('POST', `${pharmacy}/month-closings`, {
      as: pharmacist,
      body: { month: '2026-11' },
    });

    // then October was closed with its balance, November carries it on, and numbering goes on
    expect(october.body).to.include({ month: '2026-10', ordonnancierNumber: 1 });
    expect(november.status, JSON.stringify(november.body)).to.equal(201);
    expect(november.body).to.include({ month: '2026-11', ordonnancierNumber: 2 });
    const closed = (await app.server.store.readStream(pharmacyLedgerStreamId(ORG, CSAPA, '2026-10'))).at(-1);
    expect(closed?.type).to.equal('LedgerMonthClosed');
    expect((closed?.data as LedgerMonthClosed | undefined)?.totals).to.deep.equal([
      { productId: diazepam.productId, opening: 0, entries: 100, exits: 4, closing: 96 },
    ]);
    const opened = (await app.server.store.readStream(pharmacyLedgerStreamId(ORG, CSAPA, '2026-11')))[0];
    expect(opened?.data).to.deep.include({ lastOrdonnancierNumber: 1, openedOn: '2026-11-02' });
    expect(early.status).to.equal(422);
    expect(early.body.code).to.equal('LEDGER_MONTH_NOT_OVER');
  });
});
