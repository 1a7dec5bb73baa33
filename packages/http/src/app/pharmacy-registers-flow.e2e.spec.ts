import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pdfPagesText } from '@dui-pds/documents/testing';
import {
  accessLogStreamId,
  foldEvents,
  type LedgerProduct,
  type PharmacyLedgerCommand,
  type PharmacyLedgerEvent,
  pharmacyLedgerDecider,
  pharmacyLedgerStreamId,
  stockOf,
} from '@dui-pds/domain';
import { handleCommand } from '@dui-pds/eventstore';
import { TEST_DATABASE_URL, tamperWith } from '@dui-pds/eventstore/testing';
import { INSI_TEST_IDENTITIES } from '@dui-pds/segur-adapters';
import { expect } from 'chai';
import { spawnDui } from '../cli/testing/cli-under-test.js';
import { type HttpAnswer, ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const CAARUD = '750000002';
const MONTH = '2026-01';
const establishment = { name: 'CSAPA Les Tilleuls', address: '3 rue des Tilleuls, 75011 Paris' };
const jeanne = INSI_TEST_IDENTITIES[0] as (typeof INSI_TEST_IDENTITIES)[number];
const ledgerStream = pharmacyLedgerStreamId(ORG, CSAPA, MONTH);
const uuid = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;

const methadone: LedgerProduct = {
  productId: 'methadone-40',
  name: 'Méthadone AP-HP 40 mg, sirop (flacon)',
  productClass: 'narcotic',
  unit: 'flacon de 40 mg',
  lowStockThreshold: 60,
};
const diazepam: LedgerProduct = {
  productId: 'diazepam-10',
  name: 'Diazépam 10 mg, comprimé',
  productClass: 'listed',
  unit: 'comprimé',
};
const prescriber = { professionalId: 'dr-leroy', name: 'Dr Anne Leroy', address: '1 rue de la Paix, 75002 Paris' };
const prescription = (
  prescriptionId: string,
  serviceUserId: string,
  product: LedgerProduct,
): PharmacyLedgerCommand => ({
  type: 'RegisterPrescription',
  prescription: {
    prescriptionId,
    serviceUserId,
    productId: product.productId,
    totalUnits: 28,
    prescribedOn: '2026-01-05',
    endsOn: '2026-01-31',
    prescriber,
  },
});
const dispense = (n: number, prescriptionId: string, units: number, day: string): PharmacyLedgerCommand => ({
  type: 'Dispense',
  lineId: uuid(n),
  prescriptionId,
  presentedOn: day,
  dispensedOn: day,
  units,
});

describe('the HTTP API: the narcotics register and the ordonnancier, as JSON, CSV and PDF, and as of a past date', function () {
  this.timeout(120_000);
  let app: ServerUnderTest;
  let pharmacist: string;
  let doctor: string;
  let nurse: string;
  let educator: string;
  let pseudonym: string;
  /** The moment between the two batches of operations. */
  let asOf: Date;
  /** What the register and the ordonnancier answered at that moment. */
  let registerThen: HttpAnswer;
  let logThen: HttpAnswer;

  /** Ledger operations appended as the pharmacy's command side would, straight through the domain. */
  const onLedger = async (...commands: PharmacyLedgerCommand[]) => {
    for (const command of commands) {
      await handleCommand(app.server.store, pharmacyLedgerDecider, {
        streamId: ledgerStream,
        commandId: randomUUID(),
        command,
        metadata: {
          organisationId: ORG,
          facilityId: CSAPA,
          actor: { kind: 'professional', id: 'pro-pharmacist', role: 'pharmacist' },
          occurredAt: new Date().toISOString(),
        },
      });
    }
  };
  const path = (tail: string) => `/organisations/${ORG}/facilities/${CSAPA}/pharmacy/${tail}`;
  const period = 'from=2026-01-01&to=2026-01-31';

  before(async () => {
    app = await ServerUnderTest.start({
      DUI_FACILITIES: JSON.stringify([{ finess: CSAPA, ...establishment }]),
    });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-pharmacist', facilityId: CSAPA, role: 'pharmacist' },
      { type: 'GrantRole', professionalId: 'pro-pharmacist', facilityId: CAARUD, role: 'pharmacist' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'GrantRole', professionalId: 'pro-educator', facilityId: CSAPA, role: 'educator' },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
    );
    pharmacist = await app.loginAs('pro-pharmacist');
    doctor = await app.loginAs('pro-doctor');
    nurse = await app.loginAs('pro-nurse');
    educator = await app.loginAs('pro-educator');
    const secretary = await app.loginAs('pro-secretary');

    // given a named usager and an anonymous one
    const named = await app.request('POST', `/organisations/${ORG}/usagers`, {
      as: secretary,
      body: { serviceUserId: 'usager-1', facilityId: CSAPA, traits: jeanne.traits },
    });
    const anonymous = await app.request('POST', `/organisations/${ORG}/anonymous-usagers`, {
      as: secretary,
      body: { serviceUserId: 'usager-2', facilityId: CSAPA },
    });
    expect(named.status, JSON.stringify(named.body)).to.equal(201);
    expect(anonymous.status, JSON.stringify(anonymous.body)).to.equal(201);
    pseudonym = anonymous.body.pseudonym;

    // and January's ledger: methadone received, two dispensations numbered in the ordonnancier
    await onLedger(
      { type: 'OpenLedgerMonth', facilityId: CSAPA, month: MONTH, openedOn: '2026-01-02' },
      { type: 'DefineProduct', product: methadone },
      { type: 'DefineProduct', product: diazepam },
      {
        type: 'ReceiveStock',
        lineId: uuid(1),
        productId: methadone.productId,
        lot: 'MET-A',
        expiresOn: '2026-02-20',
        units: 50,
        receivedOn: '2026-01-05',
        supplier: 'Répartiteur Sud',
        reference: 'BL-0042',
      },
      {
        type: 'ReceiveStock',
        lineId: uuid(2),
        productId: diazepam.productId,
        lot: 'DZP-1',
        expiresOn: '2027-12-31',
        units: 30,
        receivedOn: '2026-01-05',
        supplier: 'Répartiteur Sud',
      },
      prescription('rx-1', 'usager-1', methadone),
      prescription('rx-2', 'usager-2', diazepam),
      dispense(3, 'rx-1', 7, '2026-01-06'),
      dispense(4, 'rx-2', 5, '2026-01-06'),
    );
    // what the register said then, read then
    await sleep(50);
    asOf = new Date();
    registerThen = await app.request('GET', path(`narcotics-register?${period}`), { as: pharmacist });
    logThen = await app.request('GET', path(`dispensing-log?${period}`), { as: pharmacist });
    await sleep(50);

    // then more: a dispensation, countered; a theft; another dispensation
    await onLedger(
      dispense(5, 'rx-1', 7, '2026-01-13'),
      { type: 'CounterLine', lineId: uuid(6), counteredLineId: uuid(5), reason: 'Saisie en double', on: '2026-01-13' },
      {
        type: 'RecordStockLoss',
        lineId: uuid(7),
        productId: methadone.productId,
        lot: 'MET-A',
        units: 1,
        lostOn: '2026-01-14',
        cause: 'theft',
        declaration: 'Plainte n° 4521 ; ARS et ANSM informées',
      },
      dispense(8, 'rx-1', 7, '2026-01-20'),
    );
  });
  after(() => app.close());

  it('serves the narcotics register as JSON: every line in order, with its exit type and the stock after it', async () => {
    const answer = await app.request('GET', path(`narcotics-register?${period}`), { as: pharmacist });

    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body).to.include({ facilityId: CSAPA, from: '2026-01-01', to: '2026-01-31', asOf: null });
    expect(answer.body.products).to.have.length(1);
    const [register] = answer.body.products;
    expect(register).to.include({ productId: 'methadone-40', opening: 0, entries: 57, exits: 22, closing: 35 });
    expect(
      register.lines.map((line: { kind: string; ordonnancierNumber: number | null; balanceAfter: number }) => [
        line.kind,
        line.ordonnancierNumber,
        line.balanceAfter,
      ]),
    ).to.deep.equal([
      ['receipt', null, 50],
      ['dispensation', 1, 43],
      ['dispensation', 3, 36],
      ['counter-entry', null, 43],
      ['theft', null, 42],
      ['dispensation', 4, 35],
    ]);
    expect(register.lines[2].counteredByLineId).to.equal(uuid(6));
    expect(register.lines[4].document).to.equal('Plainte n° 4521 ; ARS et ANSM informées');
    expect((await app.request('GET', path(`narcotics-register?${period}`), { as: doctor })).status).to.equal(200);
    const backwards = await app.request('GET', path('narcotics-register?from=2026-01-31&to=2026-01-01'), {
      as: pharmacist,
    });
    const unknownSort = await app.request('GET', path('dispensing-log?sort=alphabet'), { as: pharmacist });
    expect(backwards.status).to.equal(400);
    expect(backwards.body.errors).to.deep.equal([
      { path: 'query.from', message: 'Le premier jour doit précéder le dernier (`to`).' },
    ]);
    expect(unknownSort.status).to.equal(400);
  });

  it('keeps the registers to the pharmacist, the doctor and the director, and the stock to the nurses too', async () => {
    const byDirector = await app.request('GET', path('annual-statements/2026'), {
      as: await app.loginAs('pro-director'),
    });
    const byNurse = await app.request('GET', path('narcotics-register'), { as: nurse });
    const byEducator = await app.request('GET', path('dispensing-log.pdf'), { as: educator });
    const stockByNurse = await app.request('GET', path('stock'), { as: nurse });
    const stockByEducator = await app.request('GET', path('stock'), { as: educator });
    const unknown = await app.request('GET', `/organisations/og-b/facilities/${CSAPA}/pharmacy/stock`, {
      as: pharmacist,
    });

    expect(byDirector.status).to.equal(200);
    expect(byNurse.status).to.equal(403);
    expect(byNurse.body.detail).to.equal(
      'Les registres de la pharmacie sont réservés au pharmacien, aux médecins et à la direction de l’établissement.',
    );
    expect(byEducator.status).to.equal(403);
    expect(stockByNurse.status).to.equal(200);
    expect(stockByEducator.status).to.equal(403);
    expect(unknown.status).to.equal(403);
  });

  it('prints the register as a PDF with the establishment on every page, and exports it as a CSV', async () => {
    const pdf = await app.request('GET', path(`narcotics-register.pdf?${period}`), { as: pharmacist });
    const csv = await app.request('GET', path(`narcotics-register.csv?${period}`), { as: pharmacist });
    const unconfigured = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CAARUD}/pharmacy/narcotics-register.pdf`,
      { as: pharmacist },
    );

    expect(pdf.status, String(pdf.body)).to.equal(200);
    if (process.env.DUI_KEEP_PDF) await writeFile(join(tmpdir(), 'http-registre.pdf'), pdf.bytes);
    expect(pdf.headers.get('content-type')).to.match(/^application\/pdf/);
    const pages = await pdfPagesText(pdf.bytes);
    for (const page of pages) {
      expect(page.replace(/\s+/g, ' ')).to.contain(establishment.name).and.to.contain(establishment.address);
    }
    const text = pages.join(' ').replace(/\s+/g, ' ');
    expect(text).to.contain('Registre des stupéfiants');
    expect(text).to.contain('Ordonnancier n° 3 — contre-passée par la ligne n° 4');
    expect(text).to.contain('Contre-passe la ligne n° 3 ; motif : Saisie en double');

    expect(csv.status).to.equal(200);
    expect(csv.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).to.equal(
      'attachment; filename="registre-des-stupefiants-2026-01-01-2026-01-31.csv"',
    );
    expect([...csv.bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const rows = String(csv.body).split('\r\n');
    expect(rows[0]).to.match(/^Produit;Unité de prise;N° de ligne;Date;Nature;Justification;/);
    expect(rows.filter((row) => row.startsWith('Méthadone'))).to.have.length(6);

    expect(unconfigured.status).to.equal(422);
    expect(unconfigured.body.code).to.equal('ESTABLISHMENT_NOT_CONFIGURED');
  });

  it('serves the ordonnancier sorted by patient, naming usagers or their pseudonym, and traces each usager’s read', async () => {
    const before = (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-2'))).length;

    const byNumber = await app.request('GET', path(`dispensing-log?${period}`), { as: pharmacist });
    const byPatient = await app.request('GET', path(`dispensing-log?${period}&sort=patient`), { as: doctor });
    const pdf = await app.request('GET', path(`dispensing-log.pdf?${period}&sort=product`), { as: pharmacist });
    const csv = await app.request('GET', path(`dispensing-log.csv?${period}`), { as: pharmacist });

    expect(byNumber.status, JSON.stringify(byNumber.body)).to.equal(200);
    type Entry = { ordonnancierNumber: number; patient: { name: string }; counteredOn: string | null };
    expect(byNumber.body.entries.map((entry: Entry) => entry.ordonnancierNumber)).to.deep.equal([1, 2, 3, 4]);
    expect(byNumber.body.entries[2].counteredOn).to.equal('2026-01-13');
    expect(byNumber.body.entries[0]).to.include({
      serviceUserId: 'usager-1',
      prescriberName: 'Dr Anne Leroy',
      prescriberAddress: '1 rue de la Paix, 75002 Paris',
      productName: methadone.name,
      units: 7,
    });
    const name = `${jeanne.traits.birthName} ${jeanne.traits.birthFirstNames[0]}`.toUpperCase();
    expect(byPatient.body.entries.map((entry: Entry) => [entry.ordonnancierNumber, entry.patient.name])).to.deep.equal([
      [1, name],
      [3, name],
      [4, name],
      [2, `Usager anonyme n° ${pseudonym}`],
    ]);

    expect(pdf.status).to.equal(200);
    if (process.env.DUI_KEEP_PDF) await writeFile(join(tmpdir(), 'http-ordonnancier.pdf'), pdf.bytes);
    const pages = await pdfPagesText(pdf.bytes);
    for (const page of pages) {
      expect(page.replace(/\s+/g, ' ')).to.contain(establishment.name).and.to.contain(establishment.address);
    }
    const text = pages.join(' ').replace(/\s+/g, ' ');
    expect(text).to.contain('Classement par produit');
    expect(text).to.contain(`Usager anonyme n° ${pseudonym}`);
    expect(text).to.contain(name);
    expect(text).to.contain('Contre-passée le 13/01/2026 : Saisie en double');
    expect(String(csv.body).split('\r\n')).to.have.length(1 + 4 + 1);

    // each read of the ordonnancier is in the access log of each usager it named
    const reads = (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-2'))).slice(before);
    expect(reads.map((read) => (read.data as { resource: string }).resource)).to.deep.equal([
      'dispensing-log',
      'dispensing-log',
      'dispensing-log-pdf',
      'dispensing-log-csv',
    ]);
    expect(reads[1]?.metadata.actor.id).to.equal('pro-doctor');
  });

  it('prints the register and the ordonnancier as of a past date: as they were recorded then', async () => {
    // given what was answered at that moment, and the register computed from the events recorded by then
    const recorded = (await app.server.store.readStream(ledgerStream)).filter(
      (event) => new Date(event.metadata.recordedAt) <= asOf,
    );
    const ledgerThen = foldEvents(
      pharmacyLedgerDecider,
      recorded.map((event) => ({ type: event.type, data: event.data }) as PharmacyLedgerEvent),
    );
    const at = encodeURIComponent(asOf.toISOString());

    // when the register is read now, as of that moment
    const register = await app.request('GET', path(`narcotics-register?${period}&asOf=${at}`), { as: pharmacist });
    const log = await app.request('GET', path(`dispensing-log?${period}&asOf=${at}`), { as: pharmacist });
    const live = await app.request('GET', path(`narcotics-register?${period}`), { as: pharmacist });
    const pdf = await app.request('GET', path(`narcotics-register.pdf?${period}&asOf=${at}`), { as: pharmacist });

    // then it is the register as it was, not as it is
    expect(register.status, JSON.stringify(register.body)).to.equal(200);
    expect(register.body.asOf).to.equal(asOf.toISOString());
    expect(register.body.products).to.deep.equal(registerThen.body.products);
    expect(log.body.entries).to.deep.equal(logThen.body.entries);
    const [methadonePage] = register.body.products;
    expect(methadonePage.closing).to.equal(stockOf(ledgerThen, methadone.productId));
    expect(methadonePage.lines).to.have.length(
      recorded.filter(
        (event) =>
          ['StockReceived', 'MedicineDispensed'].includes(event.type) &&
          (event.data as { productId: string }).productId === methadone.productId,
      ).length,
    );
    expect(live.body.products[0].lines.length).to.be.greaterThan(methadonePage.lines.length);
    const text = (await pdfPagesText(pdf.bytes)).join(' ').replace(/\s+/g, ' ');
    expect(text).to.contain('État du registre au');
    expect(text).to.contain('Ordonnancier n° 1');
    expect(text).not.to.contain('Ordonnancier n° 3');
    // the replay's schema is dropped after the read
    const { rows } = await app.server.knex.raw<{ rows: unknown[] }>(
      'select nspname from pg_namespace where nspname like ?',
      [`${app.schema}_pharmacy__replay%`],
    );
    expect(rows).to.deep.equal([]);
  });

  it('serves the stock, its alerts, the monthly balance and the annual statement for the ARS', async () => {
    const stock = await app.request('GET', path('stock'), { as: nurse });
    const alerts = await app.request('GET', path('alerts?today=2026-01-31'), { as: nurse });
    const balance = await app.request('GET', path(`monthly-balances/${MONTH}`), { as: doctor });
    const noBalance = await app.request('GET', path('monthly-balances/2025-12'), { as: doctor });
    const statement = await app.request('GET', path('annual-statements/2026'), { as: pharmacist });
    const statementPdf = await app.request('GET', path('annual-statements/2026.pdf'), { as: pharmacist });
    const statementCsv = await app.request('GET', path('annual-statements/2026.csv'), { as: pharmacist });

    expect(stock.status, JSON.stringify(stock.body)).to.equal(200);
    expect(stock.body).to.include({ month: MONTH, status: 'open' });
    expect(
      stock.body.products.map((product: { productId: string; units: number }) => [product.productId, product.units]),
    ).to.deep.equal([
      ['diazepam-10', 25],
      ['methadone-40', 35],
    ]);
    expect(
      alerts.body.alerts.map((alert: { kind: string; productId: string }) => [alert.kind, alert.productId]),
    ).to.deep.equal([
      ['expiring', 'methadone-40'],
      ['low-stock', 'methadone-40'],
    ]);
    expect(balance.status).to.equal(200);
    expect(
      balance.body.products.map(
        (line: { productId: string; opening: number; entries: number; exits: number; closing: number }) => [
          line.productId,
          line.opening,
          line.entries,
          line.exits,
          line.closing,
        ],
      ),
    ).to.deep.equal([
      ['diazepam-10', 0, 30, 5, 25],
      ['methadone-40', 0, 57, 22, 35],
    ]);
    expect(noBalance.status).to.equal(404);
    expect(statement.body.products).to.have.length(1);
    expect(statement.body.products[0]).to.include({
      received: 50,
      dispensed: 21,
      stolen: 1,
      counterEntries: 7,
      closing: 35,
    });
    expect(statementPdf.status).to.equal(200);
    const text = (await pdfPagesText(statementPdf.bytes)).join(' ').replace(/\s+/g, ' ');
    expect(text)
      .to.contain('État annuel des entrées et sorties de stupéfiants — 2026')
      .and.to.contain(establishment.address);
    expect(String(statementCsv.body).split('\r\n')[1]).to.equal(
      `${methadone.name};flacon de 40 mg;0;50;21;0;1;0;0;0;7;35`,
    );
  });

  it('lets `dui verify` prove the ledger stream unaltered, and name it once it was tampered with', async () => {
    const env = {
      DATABASE_URL: TEST_DATABASE_URL,
      DUI_SCHEMA: app.schema,
      DUI_MASTER_KEY: app.masterKey,
      REDIS_URL: '',
    };
    const events = await app.server.store.readStream(ledgerStream);

    const intact = await spawnDui(['verify', '--stream', ledgerStream], env);
    const whole = await spawnDui(['verify'], env);
    // a dispensation's units rewritten in SQL, behind the store's back
    await tamperWith(app.server.knex, app.schema, (trx) =>
      trx.raw(
        `update ${app.schema}.events set data = jsonb_set(data::jsonb, '{units}', '1')::json where stream_id = ? and stream_revision = ?`,
        [ledgerStream, 7],
      ),
    );
    const tampered = await spawnDui(['verify', '--stream', ledgerStream], env);

    expect(intact.code, intact.stderr).to.equal(0);
    expect(intact.stdout).to.equal(
      `Intégrité vérifiée : ${events.length} événement(s) dans 1 flux, chaînes de hachage intactes.\n`,
    );
    expect(whole.code, whole.stderr).to.equal(0);
    expect(events[7]?.type).to.equal('MedicineDispensed');
    expect(tampered.code).to.equal(1);
    expect(tampered.stderr).to.include('intégrité rompue : événement altéré');
    expect(tampered.stderr).to.include(`flux « ${ledgerStream} », révision 7`);
  });
});
