import { randomUUID } from 'node:crypto';
import type { HabilitationCommand } from '@dui-pds/domain';
import type { RegisterLine } from '@dui-pds/projections';
import { expect } from 'chai';
import { type HttpAnswer, ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const pharmacy = `/organisations/${ORG}/facilities/${CSAPA}/pharmacy`;
/** The server's clock: 16 March 2026, 10 a.m. in Paris; every operation goes to March's ledger. */
const NOW = new Date('2026-03-16T09:00:00Z');
const TODAY = '2026-03-16';
const MONTH = '2026-03';
const march = 'from=2026-03-01&to=2026-03-31';

const staff: HabilitationCommand[] = [
  { type: 'GrantRole', professionalId: 'pro-pharma', facilityId: CSAPA, role: 'pharmacist' },
  { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
];

interface Product {
  productId: string;
  name: string;
  productClass: 'narcotic' | 'listed';
  unit: string;
}
const narcotic = (productId: string, name: string): Product => ({
  productId,
  name,
  productClass: 'narcotic',
  unit: 'flacon de 40 mg',
});

describe('the HTTP API: the pharmacy’s destructions, returns and inventories, as the register and the stock show them', function () {
  this.timeout(120_000);
  let app: ServerUnderTest;
  let pharmacist: string;
  let nurse: string;

  /** A product defined, and its lots received today. */
  const holding = async (product: Product, lots: { lot: string; expiresOn: string; units: number }[]) => {
    const defined = await app.request('POST', `${pharmacy}/products`, { as: pharmacist, body: { product } });
    expect(defined.status, JSON.stringify(defined.body)).to.equal(201);
    for (const lot of lots) {
      const received = await app.request('POST', `${pharmacy}/receipts`, {
        as: pharmacist,
        body: { lineId: randomUUID(), productId: product.productId, ...lot, supplier: 'Répartiteur Sud' },
      });
      expect(received.status, JSON.stringify(received.body)).to.equal(201);
    }
  };
  const post = (tail: string, body: unknown, as = pharmacist) =>
    app.request('POST', `${pharmacy}/${tail}`, { as, body });
  /** The product's stock, as the stock screen answers it. */
  const stockOf = async (productId: string) => {
    const stock = await app.request('GET', `${pharmacy}/stock`, { as: pharmacist });
    expect(stock.status, JSON.stringify(stock.body)).to.equal(200);
    return stock.body.products.find((product: { productId: string }) => product.productId === productId) as {
      units: number;
      lots: { lot: string; expiresOn: string; units: number }[];
    };
  };
  /** The product's page of March's narcotics register, as JSON. */
  const registerOf = async (productId: string) => {
    const register = await app.request('GET', `${pharmacy}/narcotics-register?${march}&productId=${productId}`, {
      as: pharmacist,
    });
    expect(register.status, JSON.stringify(register.body)).to.equal(200);
    return register.body.products as {
      productId: string;
      opening: number;
      entries: number;
      exits: number;
      closing: number;
      lines: RegisterLine[];
    }[];
  };
  const refused = (answer: HttpAnswer, code: string) => {
    expect(answer.status, JSON.stringify(answer.body)).to.equal(422);
    expect(answer.body.code, JSON.stringify(answer.body)).to.equal(code);
    return answer.body.detail as string;
  };

  before(async () => {
    app = await ServerUnderTest.start({}, undefined, { clock: () => NOW });
    await app.asSystem(ORG, ...staff);
    pharmacist = await app.loginAs('pro-pharma');
    nurse = await app.loginAs('pro-nurse');
  });
  after(() => app.close());

  it('destroys a narcotic told to the ARS a month before: one exit line with certificate, witness and notice, the lot down', async () => {
    // given methadone, lot MD-1 of 40 flacons
    const product = narcotic('methadone-destroyed', 'Méthadone 40 mg, sirop (destructions)');
    await holding(product, [{ lot: 'MD-1', expiresOn: '2027-06-30', units: 40 }]);
    const lineId = randomUUID();
    const destruction = {
      productId: product.productId,
      lot: 'MD-1',
      certificate: 'PV de destruction n° 2026-07',
      witness: 'Dr Paul Martin, pharmacien inspecteur',
    };

    // when it is destroyed with the ARS told a day short of a month before, or never told, then
    // more than the lot holds, from a lot it does not hold, and at last 5 flacons told exactly a month before
    const tooLate = await post('destructions', {
      ...destruction,
      lineId: randomUUID(),
      units: 5,
      arsNotifiedOn: '2026-02-17',
    });
    const untold = await post('destructions', { ...destruction, lineId: randomUUID(), units: 5 });
    const tooMany = await post('destructions', {
      ...destruction,
      lineId: randomUUID(),
      units: 41,
      arsNotifiedOn: '2026-02-16',
    });
    const otherLot = await post('destructions', {
      ...destruction,
      lineId: randomUUID(),
      lot: 'MD-9',
      units: 1,
      arsNotifiedOn: '2026-02-16',
    });
    const destroyed = await post('destructions', { ...destruction, lineId, units: 5, arsNotifiedOn: '2026-02-16' });

    // then only the last is recorded, and the register shows it after the receipt
    expect(refused(tooLate, 'ARS_NOT_NOTIFIED_IN_TIME')).to.contain('l’ARS en ait été informée au moins un mois avant');
    refused(untold, 'ARS_NOT_NOTIFIED_IN_TIME');
    expect(refused(tooMany, 'STOCK_INSUFFICIENT')).to.equal(
      'Le lot MD-1 ne compte que 40 unité(s) : une sortie de 41 le rendrait négatif.',
    );
    expect(refused(otherLot, 'LOT_UNKNOWN')).to.equal('Le lot MD-9 n’est pas en stock pour ce produit.');
    expect(destroyed.status, JSON.stringify(destroyed.body)).to.equal(201);
    expect(destroyed.body).to.include({ lineId, month: MONTH });

    const stock = await stockOf(product.productId);
    expect(stock.units).to.equal(35);
    expect(stock.lots).to.deep.equal([{ lot: 'MD-1', expiresOn: '2027-06-30', units: 35 }]);
    const [page, ...others] = await registerOf(product.productId);
    expect(others).to.deep.equal([]);
    expect(page).to.include({ productId: product.productId, opening: 0, entries: 40, exits: 5, closing: 35 });
    expect(page?.lines.map((line) => [line.kind, line.entry, line.exit, line.balanceAfter])).to.deep.equal([
      ['receipt', 40, 0, 40],
      ['destruction', 0, 5, 35],
    ]);
    expect(page?.lines[1]).to.deep.include({
      lineId,
      day: TODAY,
      lots: [{ lot: 'MD-1', units: -5 }],
      document: 'PV de destruction n° 2026-07',
      party: 'Dr Paul Martin, pharmacien inspecteur',
      arsNotifiedOn: '2026-02-16',
    });
  });

  it('destroys an expired lot of a listed medicine without telling the ARS: out of the stock and of the alerts, not in the narcotics register', async () => {
    // given diazepam with an expired lot of 12 tablets and a good one of 30
    const product: Product = {
      productId: 'diazepam-destroyed',
      name: 'Diazépam 10 mg, comprimé (destructions)',
      productClass: 'listed',
      unit: 'comprimé',
    };
    await holding(product, [
      { lot: 'DZ-OLD', expiresOn: '2026-02-28', units: 12 },
      { lot: 'DZ-NEW', expiresOn: '2028-01-31', units: 30 },
    ]);
    const alertsBefore = await app.request('GET', `${pharmacy}/alerts?today=${TODAY}`, { as: pharmacist });

    // when the whole expired lot is destroyed, no ARS notice given
    const destroyed = await post('destructions', {
      lineId: randomUUID(),
      productId: product.productId,
      lot: 'DZ-OLD',
      units: 12,
      certificate: 'Bordereau Cyclamed n° 4411',
      witness: 'Mme Claire Petit, infirmière',
    });

    // then the lot is gone from the stock and from the expired alerts; the register has no page for it
    expect(destroyed.status, JSON.stringify(destroyed.body)).to.equal(201);
    const expiredOf = (alerts: HttpAnswer) =>
      alerts.body.alerts
        .filter((alert: { productId: string; kind: string }) => alert.productId === product.productId)
        .map((alert: { kind: string; lot: string; units: number }) => [alert.kind, alert.lot, alert.units]);
    expect(expiredOf(alertsBefore)).to.deep.equal([['expired', 'DZ-OLD', 12]]);
    const alertsAfter = await app.request('GET', `${pharmacy}/alerts?today=${TODAY}`, { as: pharmacist });
    expect(alertsAfter.status, JSON.stringify(alertsAfter.body)).to.equal(200);
    expect(expiredOf(alertsAfter)).to.deep.equal([]);
    const stock = await stockOf(product.productId);
    expect(stock.units).to.equal(30);
    expect(stock.lots).to.deep.equal([{ lot: 'DZ-NEW', expiresOn: '2028-01-31', units: 30 }]);
    expect(await registerOf(product.productId)).to.deep.equal([]);
    const balance = await app.request('GET', `${pharmacy}/monthly-balances/${MONTH}`, { as: pharmacist });
    expect(balance.status, JSON.stringify(balance.body)).to.equal(200);
    expect(
      balance.body.products.find((line: { productId: string }) => line.productId === product.productId),
    ).to.include({ opening: 0, entries: 42, exits: 12, closing: 30 });
  });

  it('returns a narcotic lot to its supplier: the supplier on the return line, that lot down, never more than it holds', async () => {
    // given methadone in two lots, RT-A of 20 and RT-B of 30
    const product = narcotic('methadone-returned', 'Méthadone 40 mg, sirop (retours)');
    await holding(product, [
      { lot: 'RT-A', expiresOn: '2027-03-31', units: 20 },
      { lot: 'RT-B', expiresOn: '2027-09-30', units: 30 },
    ]);
    const lineId = randomUUID();
    const giveBack = { productId: product.productId, supplier: 'Laboratoire Bouchara-Recordati' };

    // when more of RT-A is returned than it holds (though the product holds enough), a lot it never
    // had, a product it does not know, nothing at all; then 8 of RT-A, then the same line again
    const tooMany = await post('returns', { ...giveBack, lineId: randomUUID(), lot: 'RT-A', units: 25 });
    const unknownLot = await post('returns', { ...giveBack, lineId: randomUUID(), lot: 'RT-Z', units: 1 });
    const unknownProduct = await post('returns', {
      ...giveBack,
      productId: 'produit-inconnu',
      lineId: randomUUID(),
      lot: 'RT-A',
      units: 1,
    });
    const none = await post('returns', { ...giveBack, lineId: randomUUID(), lot: 'RT-A', units: 0 });
    const returned = await post('returns', { ...giveBack, lineId, lot: 'RT-A', units: 8 });
    const again = await post('returns', { ...giveBack, lineId, lot: 'RT-A', units: 8 });

    // then only the 8 left, from RT-A
    expect(refused(tooMany, 'STOCK_INSUFFICIENT')).to.equal(
      'Le lot RT-A ne compte que 20 unité(s) : une sortie de 25 le rendrait négatif.',
    );
    refused(unknownLot, 'LOT_UNKNOWN');
    expect(refused(unknownProduct, 'PRODUCT_UNKNOWN')).to.equal('Produit inconnu de la pharmacie : produit-inconnu.');
    expect(none.status, JSON.stringify(none.body)).to.equal(400);
    expect(returned.status, JSON.stringify(returned.body)).to.equal(201);
    expect(returned.body).to.include({ lineId, month: MONTH });
    refused(again, 'LINE_ALREADY_RECORDED');

    const stock = await stockOf(product.productId);
    expect(stock.units).to.equal(42);
    expect(stock.lots).to.deep.equal([
      { lot: 'RT-A', expiresOn: '2027-03-31', units: 12 },
      { lot: 'RT-B', expiresOn: '2027-09-30', units: 30 },
    ]);
    const [page] = await registerOf(product.productId);
    expect(page).to.include({ opening: 0, entries: 50, exits: 8, closing: 42 });
    expect(page?.lines.map((line) => [line.kind, line.exit, line.balanceAfter])).to.deep.equal([
      ['receipt', 0, 20],
      ['receipt', 0, 50],
      ['return', 8, 42],
    ]);
    expect(page?.lines[2]).to.deep.include({
      lineId,
      day: TODAY,
      lots: [{ lot: 'RT-A', units: -8 }],
      party: 'Laboratoire Bouchara-Recordati',
      document: null,
    });
  });

  it('returns a whole lot: it leaves the stock, and a second return from it is refused', async () => {
    // given methadone, lot RW-1 of 6 flacons
    const product = narcotic('methadone-returned-whole', 'Méthadone 40 mg, sirop (retour du lot entier)');
    await holding(product, [{ lot: 'RW-1', expiresOn: '2027-01-31', units: 6 }]);

    // when the 6 are returned, then one more
    const whole = await post('returns', {
      lineId: randomUUID(),
      productId: product.productId,
      lot: 'RW-1',
      units: 6,
      supplier: 'Répartiteur Sud',
    });
    const more = await post('returns', {
      lineId: randomUUID(),
      productId: product.productId,
      lot: 'RW-1',
      units: 1,
      supplier: 'Répartiteur Sud',
    });

    // then the stock holds none of it, and the register closes at zero
    expect(whole.status, JSON.stringify(whole.body)).to.equal(201);
    expect(refused(more, 'STOCK_INSUFFICIENT')).to.equal(
      'Le lot RW-1 ne compte que 0 unité(s) : une sortie de 1 le rendrait négatif.',
    );
    const stock = await stockOf(product.productId);
    expect(stock).to.include({ units: 0 });
    expect(stock.lots).to.deep.equal([]);
    const [page] = await registerOf(product.productId);
    expect(page).to.include({ entries: 6, exits: 6, closing: 0 });
    expect(page?.lines.map((line) => [line.kind, line.balanceAfter])).to.deep.equal([
      ['receipt', 6],
      ['return', 0],
    ]);
  });

  it('records an inventory: each counted lot takes the count, a gap only with its explanation, in the register and the annual statement', async () => {
    // given methadone in two lots, IN-A of 30 and IN-B of 20
    const product = narcotic('methadone-inventoried', 'Méthadone 40 mg, sirop (inventaire)');
    await holding(product, [
      { lot: 'IN-A', expiresOn: '2027-04-30', units: 30 },
      { lot: 'IN-B', expiresOn: '2027-08-31', units: 20 },
    ]);
    const inventoryId = randomUUID();
    const explanation = 'Flacon cassé lors du rangement, débris jetés, constaté par deux infirmiers';

    // when counts are sent with a gap unexplained, a lot the pharmacy does not hold, a lot counted
    // twice; then the true count (IN-A 28 explained, IN-B 20 as expected); then the same inventory again
    const unexplained = await post('inventories', {
      inventoryId: randomUUID(),
      counts: [
        { productId: product.productId, lot: 'IN-A', counted: 28 },
        { productId: product.productId, lot: 'IN-B', counted: 20 },
      ],
    });
    const unknownLot = await post('inventories', {
      inventoryId: randomUUID(),
      counts: [{ productId: product.productId, lot: 'IN-Z', counted: 3, explanation }],
    });
    const twice = await post('inventories', {
      inventoryId: randomUUID(),
      counts: [
        { productId: product.productId, lot: 'IN-B', counted: 20 },
        { productId: product.productId, lot: 'IN-B', counted: 20 },
      ],
    });
    const empty = await post('inventories', { inventoryId: randomUUID(), counts: [] });
    const counts = [
      { productId: product.productId, lot: 'IN-A', counted: 28, explanation },
      { productId: product.productId, lot: 'IN-B', counted: 20 },
    ];
    const counted = await post('inventories', { inventoryId, counts });
    const again = await post('inventories', { inventoryId, counts });

    // then the refusals say why in French and change nothing; the count sets IN-A to 28
    expect(refused(unexplained, 'INVENTORY_GAP_UNEXPLAINED')).to.equal(
      'Écart de -2 unité(s) sur le lot IN-A : l’écart doit être expliqué.',
    );
    expect(refused(unknownLot, 'LOT_UNKNOWN')).to.equal('Le lot IN-Z n’est pas en stock pour ce produit.');
    expect(refused(twice, 'LOT_COUNTED_TWICE')).to.equal('Le lot IN-B est compté deux fois.');
    expect(empty.status, JSON.stringify(empty.body)).to.equal(400);
    expect(counted.status, JSON.stringify(counted.body)).to.equal(201);
    expect(counted.body).to.include({ month: MONTH });
    refused(again, 'INVENTORY_ALREADY_RECORDED');

    const stock = await stockOf(product.productId);
    expect(stock.units).to.equal(48);
    expect(stock.lots).to.deep.equal([
      { lot: 'IN-A', expiresOn: '2027-04-30', units: 28 },
      { lot: 'IN-B', expiresOn: '2027-08-31', units: 20 },
    ]);
    const [page] = await registerOf(product.productId);
    expect(page).to.include({ opening: 0, entries: 50, exits: 2, closing: 48 });
    expect(
      page?.lines.map((line) => [line.kind, line.exit, line.balanceAfter, line.theoretical, line.counted]),
    ).to.deep.equal([
      ['receipt', 0, 30, null, null],
      ['receipt', 0, 50, null, null],
      ['inventory', 2, 48, 30, 28],
      ['inventory', 0, 48, 20, 20],
    ]);
    expect(page?.lines[2]).to.deep.include({
      lineId: null,
      day: TODAY,
      lots: [{ lot: 'IN-A', units: -2 }],
      explanation,
      party: 'pro-pharma',
      inventoryId,
    });
    expect(page?.lines[3]).to.deep.include({ lots: [{ lot: 'IN-B', units: 0 }], explanation: null, inventoryId });

    const statement = await app.request('GET', `${pharmacy}/annual-statements/2026`, { as: pharmacist });
    expect(statement.status, JSON.stringify(statement.body)).to.equal(200);
    const line = statement.body.products.find((one: { productId: string }) => one.productId === product.productId);
    expect(line).to.include({ received: 50, inventoryGap: -2, destroyed: 0, returned: 0, closing: 48 });
    expect(line.inventories).to.deep.equal([
      { day: TODAY, lot: 'IN-A', theoretical: 30, counted: 28, gap: -2, explanation },
      { day: TODAY, lot: 'IN-B', theoretical: 20, counted: 20, gap: 0, explanation: null },
    ]);
  });

  it('records a surplus found at an inventory as an entry, explained', async () => {
    // given methadone, lot SU-1 of 10 flacons
    const product = narcotic('methadone-surplus', 'Méthadone 40 mg, sirop (excédent)');
    await holding(product, [{ lot: 'SU-1', expiresOn: '2027-05-31', units: 10 }]);

    // when 11 are counted, the surplus explained
    const counted = await post('inventories', {
      inventoryId: randomUUID(),
      counts: [
        {
          productId: product.productId,
          lot: 'SU-1',
          counted: 11,
          explanation: 'Retour d’un flacon non délivré, oublié dans la salle de soins',
        },
      ],
    });

    // then the lot holds 11, and the register shows an entry of 1
    expect(counted.status, JSON.stringify(counted.body)).to.equal(201);
    expect((await stockOf(product.productId)).lots).to.deep.equal([
      { lot: 'SU-1', expiresOn: '2027-05-31', units: 11 },
    ]);
    const [page] = await registerOf(product.productId);
    expect(page).to.include({ entries: 11, exits: 0, closing: 11 });
    expect(page?.lines.at(-1)).to.deep.include({ kind: 'inventory', entry: 1, exit: 0, balanceAfter: 11, counted: 11 });
  });

  it('keeps destructions, returns and inventories to those who keep the ledger: a nurse is refused, nothing moves', async () => {
    // given methadone, lot NR-1 of 10 flacons
    const product = narcotic('methadone-nurse', 'Méthadone 40 mg, sirop (infirmier)');
    await holding(product, [{ lot: 'NR-1', expiresOn: '2027-05-31', units: 10 }]);

    // when the nurse destroys, returns and counts
    const destruction = await post(
      'destructions',
      {
        lineId: randomUUID(),
        productId: product.productId,
        lot: 'NR-1',
        units: 1,
        certificate: 'PV',
        witness: 'Témoin',
        arsNotifiedOn: '2026-01-05',
      },
      nurse,
    );
    const giveBack = await post(
      'returns',
      { lineId: randomUUID(), productId: product.productId, lot: 'NR-1', units: 1, supplier: 'Répartiteur Sud' },
      nurse,
    );
    const inventory = await post(
      'inventories',
      {
        inventoryId: randomUUID(),
        counts: [{ productId: product.productId, lot: 'NR-1', counted: 9, explanation: 'Manquant' }],
      },
      nurse,
    );

    // then each is forbidden, in French, and the lot still holds 10
    for (const [answer, what] of [
      [destruction, 'Enregistrer une destruction'],
      [giveBack, 'Enregistrer un retour'],
      [inventory, 'Enregistrer un inventaire'],
    ] as const) {
      expect(answer.status, JSON.stringify(answer.body)).to.equal(403);
      expect(answer.body.detail).to.equal(
        `${what} est réservé aux fonctions suivantes dans cet établissement : pharmacien, médecin.`,
      );
    }
    expect((await stockOf(product.productId)).units).to.equal(10);
    const [page] = await registerOf(product.productId);
    expect(page?.lines.map((line) => line.kind)).to.deep.equal(['receipt']);
  });
});
