import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventToAppend } from '@dui-pds/eventstore';
import { testEvent, uniqueOrganisationId } from '@dui-pds/eventstore/testing';
import {
  deriveReportingPseudonymKey,
  ProjectionRuntime,
  reportingOutboxProjection,
  withInlineProjections,
} from '@dui-pds/projections';
import { expect } from 'chai';
import { CliDatabase, spawnDui } from './testing/cli-under-test.js';

const CSAPA = '750000001';
const CAARUD = '750000002';
const YEAR = ['--from', '2026-01-01', '--to', '2026-12-31'];

describe('dui report', function () {
  this.timeout(120_000);
  let database: CliDatabase;
  let directory: string;
  const organisation = uniqueOrganisationId();

  const act = (serviceUserId: string, performedAt: string): EventToAppend =>
    testEvent(organisation, {
      type: 'ActRecorded',
      data: {
        actId: randomUUID(),
        serviceUserId,
        facilityId: CSAPA,
        actType: { code: 'consultation-medicale', label: 'Consultation médicale', sensitivity: 'medical' },
        performedBy: { professionalId: 'pro-1', profession: 'doctor' },
        performedAt,
        durationMinutes: 30,
        note: 'Note libre, jamais publiée.',
      },
      metadata: { facilityId: CSAPA, serviceUserId },
    });
  const passage = (visitId: string, serviceUserId?: string): EventToAppend =>
    testEvent(organisation, {
      type: 'VisitRecorded',
      data: {
        visitId,
        facilityId: CAARUD,
        occurredOn: '2026-03-10',
        occurredAt: '2026-03-10T15:00:00+01:00',
        setting: serviceUserId ? 'street' : 'premises',
        services: ['reception'],
        supplies: [{ supplyCode: 'kit-injection', quantity: 2 }],
        syringesCollected: 0,
        rapidTests: [],
        ...(serviceUserId ? { serviceUserId } : { anonymous: { sex: 'F' } }),
      },
      metadata: { facilityId: CAARUD, ...(serviceUserId ? { serviceUserId } : {}) },
    });

  before(async () => {
    database = new CliDatabase();
    directory = await mkdtemp(join(tmpdir(), 'dui-report-'));
    expect((await database.run(['migrate'])).code).to.equal(0);
    // the facts, appended as the server does: the outbox fed in the same transaction
    const opened = await database.open();
    const runtime = new ProjectionRuntime({
      knex: opened.knex,
      store: opened.store,
      schema: database.schema,
      projections: [],
      inline: [reportingOutboxProjection({ pseudonymKey: deriveReportingPseudonymKey(Buffer.alloc(32, 7)) })],
    });
    try {
      const store = withInlineProjections(opened.store, opened.knex, runtime);
      await store.appendToStream('acts-1', [
        act('usager-1', '2026-03-10T09:00:00+01:00'),
        act('usager-1', '2026-03-11T09:00:00+01:00'),
      ]);
      await store.appendToStream('acts-2', [act('usager-2', '2026-04-01T09:00:00+02:00')]);
      await store.appendToStream('visit-1', [passage(randomUUID(), 'usager-1')]);
      await store.appendToStream('visit-2', [passage(randomUUID())]);
    } finally {
      await runtime.close();
      await opened.close();
    }
  });
  after(async () => {
    await database.drop();
    await rm(directory, { recursive: true, force: true });
  });

  it('prints the CSAPA report of an ESSMS as JSON on stdout', async () => {
    const run = await database.run(['report', 'csapa', '--organisation', organisation, '--facility', CSAPA, ...YEAR]);

    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout);
    expect(report).to.deep.include({
      kind: 'csapa',
      scope: { organisationId: organisation, facilityId: CSAPA, from: '2026-01-01', to: '2026-12-31' },
    });
    expect(report.fileActive).to.deep.equal({ total: 2, patients: 2, entourage: 0, newPatients: 0 });
    expect(report.actsByProfession).to.deep.equal({ doctor: 3 });
    expect(run.stdout).not.to.include('usager-1').and.not.to.include('Note libre');
    expect(run.stderr).to.include(`rapport d’activité CSAPA du 2026-01-01 au 2026-12-31 pour l’ESSMS ${CSAPA} écrit`);
  });

  it('writes the ASA-CAARUD report as CSV, and as PDF, in the format of the file’s extension', async () => {
    const csvFile = join(directory, 'asa-caarud.csv');
    const pdfFile = join(directory, 'asa-caarud.pdf');
    const csv = await database.run(['report', 'caarud', '--organisation', organisation, ...YEAR, '--output', csvFile]);
    const pdf = await database.run(['report', 'caarud', '--organisation', organisation, ...YEAR, '--output', pdfFile]);

    expect(csv.code, csv.stderr).to.equal(0);
    expect(csv.stdout).to.equal('');
    const text = await readFile(csvFile, 'utf8');
    expect(text.startsWith('\uFEFFOrganisme gestionnaire;FINESS;Du;Au;Rubrique;')).to.equal(true);
    expect(text).to.include(`${organisation};;2026-01-01;2026-12-31;passages;Passages;unidentified;`);
    expect(text).to.include(';suppliesHandedOut;Matériel de réduction des risques distribué;kit-injection;');
    expect(csv.stderr).to.include(`écrit dans ${csvFile}`);
    expect(pdf.code, pdf.stderr).to.equal(0);
    expect((await readFile(pdfFile)).subarray(0, 5).toString('latin1')).to.equal('%PDF-');
  });

  it('refuses an unknown kind, a day that is not one and a RECAP over two years, in French, with exit code 2', async () => {
    const kind = await database.run(['report', 'annuel', '--organisation', organisation]);
    const day = await database.run(['report', 'csapa', '--organisation', organisation, '--from', '2026-02-30']);
    const recap = await database.run([
      'report',
      'recap',
      '--organisation',
      organisation,
      '--from',
      '2025-06-01',
      '--to',
      '2026-05-31',
    ]);
    const format = await database.run(['report', 'csapa', '--organisation', organisation, '--format', 'xlsx']);

    expect(kind.code).to.equal(2);
    expect(kind.stderr).to.include('type de rapport inconnu : « annuel »');
    expect(day.code).to.equal(2);
    expect(day.stderr).to.include('--from : « 2026-02-30 » n’est pas un jour');
    expect(recap.code).to.equal(2);
    expect(recap.stderr).to.include('une seule année civile');
    expect(format.code).to.equal(2);
    expect(format.stderr).to.include('format inconnu : « xlsx »');
  });

  it('documents its options', async () => {
    const run = await spawnDui(['report', '--help'], { DATABASE_URL: '', DUI_SCHEMA: '' });

    expect(run.code).to.equal(0);
    for (const option of [
      '<type>',
      '--organisation <id>',
      '--facility <finess>',
      '--from <jour>',
      '--to <jour>',
      '--format <format>',
      '--output <fichier>',
    ]) {
      expect(run.stdout).to.include(option);
    }
  });
});
