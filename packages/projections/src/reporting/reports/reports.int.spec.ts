import { randomUUID } from 'node:crypto';
import { migrateEventStore, openPglite, PostgresEventStore } from '@dui-pds/eventstore';
import { dropSchemasStartingWith, testPostgres, uniqueOrganisationId, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { ProjectionRuntime } from '../../runtime/projection-runtime.js';
import type { ReportingEventType } from '../reporting-events.js';
import { REPORTING_OUTBOX, reportingOutboxProjection } from '../reporting-outbox-projection.js';
import { caarudActivityReport } from './caarud-activity-report.js';
import { csapaActivityReport } from './csapa-activity-report.js';
import { esmsNumeriqueIndicators } from './esms-numerique-indicators.js';
import { recapExtract } from './recap-extract.js';
import { reportCsv } from './report-csv.js';
import { InvalidReportScopeError } from './report-scope.js';

/*
 * The facts are inserted straight into the outbox table (migrated by the projection itself), as
 * the mapping of reporting-events.ts writes them: each test states exactly the reporting facts a
 * definition of report-types.ts is about, corrections and cancellations included. The mapping
 * from domain events is tested in reporting-events.unit.spec.ts and the outbox's int spec.
 */

const CSAPA = '750000001';
const OTHER_CSAPA = '750000011';
const CAARUD = '750000002';
const OTHER_CAARUD = '750000022';
const YEAR_2025 = { from: '2025-01-01', to: '2025-12-31' };
const NOW = new Date('2026-01-15T10:00:00Z');

interface Fact {
  type: ReportingEventType;
  facilityId?: string | null;
  occurredOn: string;
  subject?: string | null;
  data?: Record<string, unknown>;
}

const profile = (year: number, fields: Record<string, unknown> = {}) => ({
  profileId: fields.profileId ?? randomUUID(),
  year,
  population: 'patient',
  referral: 'self',
  housing: 'stable',
  income: 'employment',
  mainProduct: 'alcohol',
  useLevel: 'use',
  injection: 'never',
  ...fields,
});
const entourage = (year: number) =>
  profile(year, {
    population: 'entourage',
    referral: 'family',
    mainProduct: null,
    useLevel: null,
    injection: null,
  });
const act = (actId: string, profession: string, collective = false) => ({
  actId,
  actType: 'consultation',
  profession,
  collective,
  durationMinutes: 30,
});
const visit = (visitId: string, fields: Record<string, unknown> = {}) => ({
  visitId,
  setting: 'premises',
  services: ['reception'],
  identified: true,
  anonymous: null,
  supplies: [],
  syringesCollected: 0,
  rapidTests: [],
  ...fields,
});
const unidentified = (visitId: string, fields: Record<string, unknown> = {}) =>
  visit(visitId, { identified: false, anonymous: { sex: 'M', ageBand: '25-34' }, ...fields });
const visitCorrection = (visitId: string, fields: Record<string, unknown>) => ({
  visitId,
  occurredOn: null,
  setting: null,
  services: null,
  supplies: null,
  syringesCollected: null,
  rapidTests: null,
  anonymous: null,
  ...fields,
});

const backends: { name: string; database: () => Knex }[] = [
  { name: 'PostgreSQL', database: () => testPostgres() },
  { name: 'PGlite', database: () => openPglite() },
];

for (const backend of backends) {
  describe(`The activity reports from the reporting outbox on ${backend.name}`, function () {
    this.timeout(120_000);
    let knex: Knex;
    let schema: string;
    let runtime: ProjectionRuntime;
    let outbox: string;

    before(async () => {
      knex = backend.database();
      schema = uniqueSchema('reports');
      await migrateEventStore(knex, { schema });
      runtime = new ProjectionRuntime({
        knex,
        store: new PostgresEventStore(knex, { schema }),
        schema,
        projections: [],
        inline: [reportingOutboxProjection()],
      });
      await runtime.migrate();
      outbox = runtime.readSchema(REPORTING_OUTBOX);
    });
    after(async () => {
      await runtime.close();
      await dropSchemasStartingWith(knex, schema);
      await knex.destroy();
    });

    /** Inserts facts of an organisation in the order given (their positions follow it). */
    async function given(organisationId: string, facts: Fact[]): Promise<void> {
      for (const fact of facts) {
        await knex
          .withSchema(outbox)
          .table('events')
          .insert({
            id: randomUUID(),
            source_event_id: randomUUID(),
            type: fact.type,
            version: 1,
            organisation_id: organisationId,
            facility_id: fact.facilityId === undefined ? null : fact.facilityId,
            occurred_on: fact.occurredOn,
            subject_key: fact.subject ?? null,
            data: JSON.stringify(fact.data ?? {}),
          });
      }
    }
    const registered = (subject: string, sex: string | null, birthYear: number | null, anonymous = false): Fact => ({
      type: 'usager.registered',
      facilityId: CSAPA,
      occurredOn: '2020-01-01',
      subject,
      data: { anonymous, sex, birthYear },
    });

    describe('the CSAPA activity report and RECAP', () => {
      const organisationId = uniqueOrganisationId();
      const facts: Fact[] = [
        // s1: a patient admitted in 2025, whose profile of the year was corrected
        registered('s1', 'F', 1990),
        {
          type: 'accompaniment.admitted',
          facilityId: CSAPA,
          occurredOn: '2025-02-01',
          subject: 's1',
          data: { accompanimentId: 'acc-1' },
        },
        {
          type: 'usage-profile.recorded',
          facilityId: CSAPA,
          occurredOn: '2024-03-01',
          subject: 's1',
          data: profile(2024, { mainProduct: 'tobacco' }),
        },
        {
          type: 'usage-profile.recorded',
          facilityId: CSAPA,
          occurredOn: '2025-02-01',
          subject: 's1',
          data: profile(2025, { profileId: 'p1', mainProduct: 'cannabis' }),
        },
        {
          type: 'usage-profile.recorded',
          facilityId: CSAPA,
          occurredOn: '2025-02-10',
          subject: 's1',
          data: profile(2025, { profileId: 'p1', mainProduct: 'alcohol', referral: 'justice', useLevel: 'dependence' }),
        },
        { type: 'act.recorded', facilityId: CSAPA, occurredOn: '2025-03-01', subject: 's1', data: act('a1', 'doctor') },
        { type: 'act.recorded', facilityId: CSAPA, occurredOn: '2025-04-01', subject: 's1', data: act('a2', 'nurse') },
        {
          type: 'act.recorded',
          facilityId: CSAPA,
          occurredOn: '2025-04-02',
          subject: 's1',
          data: act('a3', 'educator', true),
        },
        {
          type: 'prescription.recorded',
          facilityId: CSAPA,
          occurredOn: '2025-03-01',
          subject: 's1',
          data: {
            prescriptionId: 'rx1',
            kind: 'medicine',
            tso: true,
            tsoProduct: 'methadone-syrup',
            examCategory: null,
            durationDays: 14,
          },
        },
        {
          type: 'prescription.recorded',
          facilityId: CSAPA,
          occurredOn: '2025-03-01',
          subject: 's1',
          data: {
            prescriptionId: 'rx2',
            kind: 'exam',
            tso: false,
            tsoProduct: null,
            examCategory: 'hiv-screening',
            durationDays: null,
          },
        },
        {
          type: 'medicine.dispensed',
          facilityId: CSAPA,
          occurredOn: '2025-03-02',
          subject: 's1',
          data: { lineId: 'l1', prescriptionId: 'rx1', productFamily: 'methadone-syrup', units: 10 },
        },
        {
          type: 'medicine.dispensed',
          facilityId: CSAPA,
          occurredOn: '2025-03-03',
          subject: 's1',
          data: { lineId: 'l2', prescriptionId: 'rx1', productFamily: 'methadone-syrup', units: 20 },
        },
        { type: 'pharmacy-line.countered', facilityId: CSAPA, occurredOn: '2025-03-04', data: { lineId: 'l2' } },
        // s2: a patient under 18 with no profile, admitted before the period, exited (reason corrected)
        registered('s2', 'M', 2010),
        {
          type: 'accompaniment.admitted',
          facilityId: CSAPA,
          occurredOn: '2024-05-01',
          subject: 's2',
          data: { accompanimentId: 'acc-2' },
        },
        {
          type: 'act.recorded',
          facilityId: CSAPA,
          occurredOn: '2025-06-01',
          subject: 's2',
          data: act('a4', 'psychologist'),
        },
        {
          type: 'act.recorded',
          facilityId: CSAPA,
          occurredOn: '2025-06-02',
          subject: 's2',
          data: act('a5', 'educator', true),
        },
        {
          type: 'medicine.dispensed',
          facilityId: CSAPA,
          occurredOn: '2025-06-03',
          subject: 's2',
          data: { lineId: 'l3', prescriptionId: 'rx3', productFamily: 'buprenorphine-hd', units: 5 },
        },
        { type: 'pharmacy-line.countered', facilityId: CSAPA, occurredOn: '2025-06-04', data: { lineId: 'l3' } },
        {
          type: 'prescription.recorded',
          facilityId: CSAPA,
          occurredOn: '2024-12-01',
          subject: 's2',
          data: {
            prescriptionId: 'rx4',
            kind: 'exam',
            tso: false,
            tsoProduct: null,
            examCategory: 'hcv-screening',
            durationDays: null,
          },
        },
        {
          type: 'accompaniment.exited',
          facilityId: CSAPA,
          occurredOn: '2025-09-01',
          subject: 's2',
          data: { accompanimentId: 'acc-2', exitReason: 'usager-decision', destination: 'home' },
        },
        {
          type: 'accompaniment.exit-corrected',
          facilityId: CSAPA,
          occurredOn: '2025-09-05',
          subject: 's2',
          data: { accompanimentId: 'acc-2', exitDay: '2025-09-01', exitReason: 'reoriented', destination: 'home' },
        },
        // s3: entourage, admitted in the period
        registered('s3', 'F', 1970),
        {
          type: 'accompaniment.admitted',
          facilityId: CSAPA,
          occurredOn: '2025-07-01',
          subject: 's3',
          data: { accompanimentId: 'acc-3' },
        },
        {
          type: 'usage-profile.recorded',
          facilityId: CSAPA,
          occurredOn: '2025-07-01',
          subject: 's3',
          data: entourage(2025),
        },
        {
          type: 'act.recorded',
          facilityId: CSAPA,
          occurredOn: '2025-07-01',
          subject: 's3',
          data: act('a6', 'socialWorker'),
        },
        {
          type: 'accompaniment.exited',
          facilityId: CSAPA,
          occurredOn: '2026-01-10',
          subject: 's3',
          data: { accompanimentId: 'acc-3', exitReason: 'objectives-reached', destination: 'home' },
        },
        // s4: an act of 2024 corrected into 2025; an exit of 2024 corrected into 2025
        registered('s4', 'I', 1960),
        { type: 'act.recorded', facilityId: CSAPA, occurredOn: '2024-12-30', subject: 's4', data: act('a7', 'doctor') },
        {
          type: 'act.corrected',
          facilityId: CSAPA,
          occurredOn: '2025-01-03',
          subject: 's4',
          data: { actId: 'a7', performedOn: '2025-01-02', durationMinutes: null },
        },
        {
          type: 'act.corrected',
          facilityId: CSAPA,
          occurredOn: '2025-01-04',
          subject: 's4',
          data: { actId: 'a7', performedOn: null, durationMinutes: 45 },
        },
        {
          type: 'accompaniment.exited',
          facilityId: CSAPA,
          occurredOn: '2024-12-20',
          subject: 's4',
          data: { accompanimentId: 'acc-4', exitReason: 'other', destination: 'home' },
        },
        {
          type: 'accompaniment.exit-corrected',
          facilityId: CSAPA,
          occurredOn: '2025-01-06',
          subject: 's4',
          data: { accompanimentId: 'acc-4', exitDay: '2025-01-05', exitReason: 'death', destination: 'home' },
        },
        // s5: an act of the period corrected out of it; s6: an act cancelled
        registered('s5', 'M', 1980),
        { type: 'act.recorded', facilityId: CSAPA, occurredOn: '2025-12-31', subject: 's5', data: act('a8', 'doctor') },
        {
          type: 'act.corrected',
          facilityId: CSAPA,
          occurredOn: '2026-01-06',
          subject: 's5',
          data: { actId: 'a8', performedOn: '2026-01-05', durationMinutes: null },
        },
        registered('s6', 'M', 1980),
        { type: 'act.recorded', facilityId: CSAPA, occurredOn: '2025-05-05', subject: 's6', data: act('a9', 'nurse') },
        { type: 'act.cancelled', facilityId: CSAPA, occurredOn: '2025-05-06', subject: 's6', data: { actId: 'a9' } },
        // s7: followed in the other CSAPA of the organisation
        registered('s7', 'M', 2000),
        {
          type: 'usage-profile.recorded',
          facilityId: OTHER_CSAPA,
          occurredOn: '2025-03-01',
          subject: 's7',
          data: profile(2025, { mainProduct: 'cannabis', injection: 'last30days' }),
        },
        {
          type: 'act.recorded',
          facilityId: OTHER_CSAPA,
          occurredOn: '2025-03-01',
          subject: 's7',
          data: act('a10', 'doctor'),
        },
        {
          type: 'accompaniment.admitted',
          facilityId: OTHER_CSAPA,
          occurredOn: '2025-03-01',
          subject: 's7',
          data: { accompanimentId: 'acc-7' },
        },
      ];
      before(() => given(organisationId, facts));

      it('counts the file active from the acts as corrected, patients and entourage apart, and the new ones', async () => {
        // when the report of the CSAPA for 2025 is computed
        const report = await csapaActivityReport(
          knex,
          outbox,
          { organisationId, facilityId: CSAPA, ...YEAR_2025 },
          NOW,
        );

        // then s1, s2, s3 and s4 (moved in) are active; s5 (moved out) and s6 (cancelled) are not
        expect(report).to.deep.include({ kind: 'csapa', computedAt: NOW.toISOString() });
        expect(report.scope).to.deep.equal({ organisationId, facilityId: CSAPA, ...YEAR_2025 });
        expect(report.fileActive).to.deep.equal({ total: 4, patients: 3, entourage: 1, newPatients: 2 });
        expect(report.patients.bySex).to.deep.equal({ F: 1, I: 1, M: 1, unknown: 0 });
        expect(report.patients.byAgeBand).to.deep.include({
          under18: 1,
          '30-39': 1,
          '60plus': 1,
          unknown: 0,
          '18-24': 0,
        });
        // one main product per patient: the latest profile of 2025, not the corrected one nor 2024's
        expect(report.patients.byMainProduct).to.deep.include({ alcohol: 1, cannabis: 0, tobacco: 0, unknown: 2 });
        expect(report.patients.byReferral).to.deep.include({ justice: 1, self: 0, family: 0, unknown: 2 });
        expect(report.patients.byUseLevel).to.deep.include({ dependence: 1, use: 0, unknown: 2 });
        expect(report.patients.byInjection).to.deep.include({ never: 1, unknown: 2 });
        expect(Object.keys(report.patients.byHousing)).to.deep.equal(
          [...Object.keys(report.patients.byHousing)].sort(),
        );
        expect(report.actsByProfession).to.deep.equal({
          doctor: 2,
          educator: 2,
          nurse: 1,
          psychologist: 1,
          socialWorker: 1,
        });
        expect(report.groups).to.deep.equal({ collectiveActs: 2, participants: 2 });
      });

      it('counts TSO prescribed and dispensed without the countered lines, screenings and exits as corrected', async () => {
        const report = await csapaActivityReport(
          knex,
          outbox,
          { organisationId, facilityId: CSAPA, ...YEAR_2025 },
          NOW,
        );

        expect(report.tso).to.deep.equal({
          'buprenorphine-hd': { prescribedPatients: 0, dispensedPatients: 0, unitsDispensed: 0 },
          'methadone-capsules': { prescribedPatients: 0, dispensedPatients: 0, unitsDispensed: 0 },
          'methadone-syrup': { prescribedPatients: 1, dispensedPatients: 1, unitsDispensed: 10 },
        });
        expect(report.examsByCategory).to.deep.include({ 'hiv-screening': 1, 'hcv-screening': 0 });
        expect(report.exits.total).to.equal(2);
        expect(report.exits.byReason).to.deep.include({ reoriented: 1, death: 1, 'usager-decision': 0, other: 0 });
      });

      it('covers every ESSMS of the organisation without a facility, each subject once', async () => {
        const report = await csapaActivityReport(knex, outbox, { organisationId, ...YEAR_2025 }, NOW);

        expect(report.scope).to.deep.equal({ organisationId, ...YEAR_2025 });
        expect(report.fileActive).to.deep.equal({ total: 5, patients: 4, entourage: 1, newPatients: 3 });
        expect(report.patients.byMainProduct).to.deep.include({ alcohol: 1, cannabis: 1, unknown: 2 });
        expect(report.patients.byInjection).to.deep.include({ last30days: 1 });
        // another organisation sees nothing of it
        const other = await csapaActivityReport(knex, outbox, { organisationId: uniqueOrganisationId(), ...YEAR_2025 });
        expect(other.fileActive.total).to.equal(0);
        expect(other.patients.byAgeBand.unknown).to.equal(0);
      });

      it('extracts one RECAP record per patient and ESSMS of the year, the entourage left out', async () => {
        const extract = await recapExtract(knex, outbox, { organisationId, ...YEAR_2025 }, NOW);

        expect(extract.records.map((record) => [record.facilityId, record.subjectKey])).to.deep.equal([
          [CSAPA, 's1'],
          [CSAPA, 's2'],
          [CSAPA, 's4'],
          [OTHER_CSAPA, 's7'],
        ]);
        expect(extract.records[0]).to.deep.equal({
          year: 2025,
          facilityId: CSAPA,
          subjectKey: 's1',
          sex: 'F',
          birthYear: 1990,
          population: 'patient',
          referral: 'justice',
          housing: 'stable',
          income: 'employment',
          mainProduct: 'alcohol',
          useLevel: 'dependence',
          injection: 'never',
          tsoProduct: 'methadone-syrup',
          acts: 3,
          newInYear: true,
        });
        expect(extract.records[1]).to.deep.include({
          subjectKey: 's2',
          mainProduct: 'unknown',
          tsoProduct: null,
          acts: 2,
          newInYear: false,
        });
        expect(extract.records[3]).to.deep.include({ subjectKey: 's7', mainProduct: 'cannabis', newInYear: true });
        // and a period over two years is refused
        let refused: unknown;
        await recapExtract(knex, outbox, { organisationId, from: '2024-06-01', to: '2025-05-31' }).catch((error) => {
          refused = error;
        });
        expect(refused).to.be.instanceOf(InvalidReportScopeError);
      });

      it('writes the figures as a French CSV, one line per figure', async () => {
        const report = await csapaActivityReport(
          knex,
          outbox,
          { organisationId, facilityId: CSAPA, ...YEAR_2025 },
          NOW,
        );
        const csv = reportCsv(report);

        expect(csv.startsWith('\uFEFFOrganisme gestionnaire;FINESS;Du;Au;Rubrique;')).to.equal(true);
        const lines = csv.trimEnd().split('\r\n');
        expect(lines).to.include(
          `${organisationId};${CSAPA};2025-01-01;2025-12-31;fileActive;File active;entourage;Entourage;1`,
        );
        expect(lines).to.include(
          `${organisationId};${CSAPA};2025-01-01;2025-12-31;patients.byMainProduct;Patients par produit principal;alcohol;Alcool;1`,
        );
        expect(lines.some((line) => line.includes(';actsByProfession;') && line.endsWith(';Médecin;2'))).to.equal(true);
        const extract = reportCsv(await recapExtract(knex, outbox, { organisationId, ...YEAR_2025 }, NOW));
        expect(extract.trimEnd().split('\r\n')).to.have.length(5);
        expect(extract).to.include(
          `2025;${CSAPA};s1;F;1990;patient;justice;stable;employment;alcohol;dependence;never;methadone-syrup;3;oui`,
        );
      });
    });

    describe('the ASA-CAARUD activity report', () => {
      const organisationId = uniqueOrganisationId();
      const facts: Fact[] = [
        // u1: came before the period and in it
        { type: 'visit.recorded', facilityId: CAARUD, occurredOn: '2024-11-01', subject: 'u1', data: visit('v1') },
        {
          type: 'visit.recorded',
          facilityId: CAARUD,
          occurredOn: '2025-03-01',
          subject: 'u1',
          data: visit('v2', {
            services: ['reception', 'screening'],
            rapidTests: [
              { test: 'hiv', result: 'negative' },
              { test: 'hcv', result: 'positive' },
            ],
          }),
        },
        // u2: first passage in 2025, corrected (setting, supplies)
        {
          type: 'visit.recorded',
          facilityId: CAARUD,
          occurredOn: '2025-04-01',
          subject: 'u2',
          data: visit('v3', {
            setting: 'street',
            supplies: [{ supplyCode: 'kit-injection', quantity: 5 }],
            syringesCollected: 10,
          }),
        },
        {
          type: 'visit.corrected',
          facilityId: CAARUD,
          occurredOn: '2025-04-02',
          subject: 'u2',
          data: visitCorrection('v3', { setting: 'mobileUnit' }),
        },
        {
          type: 'visit.corrected',
          facilityId: CAARUD,
          occurredOn: '2025-04-03',
          subject: 'u2',
          data: visitCorrection('v3', {
            supplies: [
              { supplyCode: 'kit-injection', quantity: 3 },
              { supplyCode: 'naloxone-nasale', quantity: 1 },
            ],
          }),
        },
        // u3: a passage cancelled
        { type: 'visit.recorded', facilityId: CAARUD, occurredOn: '2025-05-01', subject: 'u3', data: visit('v4') },
        {
          type: 'visit.cancelled',
          facilityId: CAARUD,
          occurredOn: '2025-05-02',
          subject: 'u3',
          data: { visitId: 'v4' },
        },
        // u4: a passage of 2024 corrected into 2025: new
        { type: 'visit.recorded', facilityId: CAARUD, occurredOn: '2024-12-31', subject: 'u4', data: visit('v5') },
        {
          type: 'visit.corrected',
          facilityId: CAARUD,
          occurredOn: '2025-01-03',
          subject: 'u4',
          data: visitCorrection('v5', { occurredOn: '2025-01-02' }),
        },
        // u5: known in the other CAARUD since 2024, new in this one
        {
          type: 'visit.recorded',
          facilityId: OTHER_CAARUD,
          occurredOn: '2024-06-01',
          subject: 'u5',
          data: visit('v6'),
        },
        {
          type: 'visit.recorded',
          facilityId: CAARUD,
          occurredOn: '2025-06-01',
          subject: 'u5',
          data: visit('v7', { setting: 'festiveEvent', syringesCollected: 4 }),
        },
        // two unidentified passages, counted apart
        {
          type: 'visit.recorded',
          facilityId: CAARUD,
          occurredOn: '2025-07-01',
          data: unidentified('v8', { setting: 'festiveEvent' }),
        },
        {
          type: 'visit.recorded',
          facilityId: CAARUD,
          occurredOn: '2025-07-02',
          data: unidentified('v9', { setting: 'street', rapidTests: [{ test: 'hiv', result: 'negative' }] }),
        },
        // syringes collected outside passages, one collection cancelled
        {
          type: 'syringes.collected',
          facilityId: CAARUD,
          occurredOn: '2025-08-01',
          data: { collectionId: 'c1', source: 'collectionBox', quantity: 100 },
        },
        {
          type: 'syringes.collected',
          facilityId: CAARUD,
          occurredOn: '2025-08-02',
          data: { collectionId: 'c2', source: 'publicSpace', quantity: 50 },
        },
        {
          type: 'syringe-collection.cancelled',
          facilityId: CAARUD,
          occurredOn: '2025-08-03',
          data: { collectionId: 'c2' },
        },
      ];
      before(() => given(organisationId, facts));

      it('counts users through their subject key, new ones by their first passage ever, unidentified passages apart', async () => {
        const report = await caarudActivityReport(
          knex,
          outbox,
          { organisationId, facilityId: CAARUD, ...YEAR_2025 },
          NOW,
        );

        expect(report.fileActive).to.deep.equal({ total: 4, newUsers: 3 });
        expect(report.passages).to.deep.equal({ total: 6, identified: 4, unidentified: 2 });
        expect(report.passagesBySetting).to.deep.include({
          premises: 2,
          mobileUnit: 1,
          festiveEvent: 2,
          street: 1,
          partnerPharmacy: 0,
        });
        expect(report.unidentifiedBySetting).to.deep.include({ festiveEvent: 1, street: 1, premises: 0 });
        expect(report.servicesGiven).to.deep.include({ reception: 6, screening: 1 });
        expect(report.suppliesHandedOut).to.deep.equal({ 'kit-injection': 3, 'naloxone-nasale': 1 });
        expect(report.syringesCollected).to.deep.equal({ duringPassages: 14, outsidePassages: 100, total: 114 });
        expect(report.rapidTests).to.deep.include({ 'hiv.negative': 2, 'hcv.positive': 1, 'hbv.negative': 0 });
      });

      it('takes the first passage in any ESSMS for the organisation', async () => {
        const report = await caarudActivityReport(knex, outbox, { organisationId, ...YEAR_2025 }, NOW);
        expect(report.fileActive).to.deep.equal({ total: 4, newUsers: 2 });
        const csv = reportCsv(report);
        expect(csv).to.include(';unidentified;Passages non identifiés (comptés à part);2\r\n');
      });
    });

    describe('the ESMS numérique indicators', () => {
      const organisationId = uniqueOrganisationId();
      const facts: Fact[] = [
        registered('e1', 'F', 1980),
        {
          type: 'identity-status.recorded',
          facilityId: CSAPA,
          occurredOn: '2020-01-01',
          subject: 'e1',
          data: { status: 'PROV' },
        },
        {
          type: 'identity-status.recorded',
          facilityId: CSAPA,
          occurredOn: '2025-02-01',
          subject: 'e1',
          data: { status: 'QUAL' },
        },
        { type: 'act.recorded', facilityId: CSAPA, occurredOn: '2025-03-01', subject: 'e1', data: act('x1', 'doctor') },
        registered('e2', 'M', 1980),
        {
          type: 'identity-status.recorded',
          facilityId: CSAPA,
          occurredOn: '2020-01-01',
          subject: 'e2',
          data: { status: 'VALI' },
        },
        // qualified after the period's end: not counted as qualified
        {
          type: 'identity-status.recorded',
          facilityId: CSAPA,
          occurredOn: '2026-01-05',
          subject: 'e2',
          data: { status: 'QUAL' },
        },
        {
          type: 'document.stored',
          facilityId: CSAPA,
          occurredOn: '2025-04-01',
          subject: 'e2',
          data: { documentId: 'd1', kind: 'other', source: 'uploaded' },
        },
        { type: 'portal.login', facilityId: CSAPA, occurredOn: '2025-04-02', subject: 'e2', data: {} },
        { type: 'portal.login', facilityId: CSAPA, occurredOn: '2025-04-03', subject: 'e2', data: {} },
        // an anonymous usager: active, not identified
        registered('e3', null, null, true),
        { type: 'visit.recorded', facilityId: CSAPA, occurredOn: '2025-05-01', subject: 'e3', data: visit('w1') },
        // not active in the period
        registered('e4', 'F', 1990),
        { type: 'act.recorded', facilityId: CSAPA, occurredOn: '2024-03-01', subject: 'e4', data: act('x2', 'doctor') },
        // DMP: s1 requested on 31 December 2024, accepted on 1 January; s2 replaces it, accepted with
        // no ESSMS of its own (its request's counts); s3 never answered; s4 accepted in 2026; s5 sent
        // by another ESSMS
        ...dmpSubmission('s1', CSAPA, '2024-12-31', '2025-01-01'),
        ...dmpSubmission('s2', CSAPA, '2025-06-01', '2025-06-01', { replaces: 's1', acceptedIn: null }),
        ...dmpSubmission('s3', CSAPA, '2025-07-01', undefined),
        ...dmpSubmission('s4', CSAPA, '2025-12-31', '2026-01-01'),
        ...dmpSubmission('s5', OTHER_CSAPA, '2025-05-01', '2025-05-01', { acceptedIn: CSAPA }),
        // MSSanté: one message in the year, one before it, one from another ESSMS
        mssanteMessage('m1', CSAPA, '2025-02-01'),
        mssanteMessage('m2', CSAPA, '2024-12-31'),
        mssanteMessage('m3', OTHER_CSAPA, '2025-03-01'),
      ];
      before(() => given(organisationId, facts));

      function dmpSubmission(
        submissionId: string,
        facilityId: string,
        requestedOn: string,
        acceptedOn: string | undefined,
        options: { replaces?: string; acceptedIn?: string | null } = {},
      ): Fact[] {
        const requested: Fact = {
          type: 'dmp-submission.requested',
          facilityId,
          occurredOn: requestedOn,
          subject: 'e1',
          data: {
            submissionId,
            documentId: `document-of-${submissionId}`,
            version: 1,
            replaces: options.replaces ?? null,
          },
        };
        if (acceptedOn === undefined) return [requested];
        const accepted: Fact = {
          type: 'dmp-submission.accepted',
          facilityId: options.acceptedIn === undefined ? facilityId : options.acceptedIn,
          occurredOn: acceptedOn,
          subject: 'e1',
          data: { submissionId },
        };
        return [requested, accepted];
      }

      function mssanteMessage(messageId: string, facilityId: string, sentOn: string): Fact {
        return {
          type: 'mssante-message.sent',
          facilityId,
          occurredOn: sentOn,
          subject: 'e1',
          data: { messageId, professionalRecipients: 1, toServiceUser: false, documents: 1, insIncluded: true },
        };
      }

      it('counts active records, qualified INS among identified ones by the period’s end, documents and portal use', async () => {
        const indicators = await esmsNumeriqueIndicators(
          knex,
          outbox,
          { organisationId, facilityId: CSAPA, ...YEAR_2025 },
          NOW,
        );

        expect(indicators).to.deep.include({
          kind: 'esms-numerique',
          activeRecords: 3,
          identifiedRecords: 2,
          qualifiedInsRecords: 1,
          qualifiedInsShare: 0.5,
          documentsStored: 1,
          documentsSentToDmp: 2,
          mssanteMessages: 1,
          portalLogins: 2,
          portalUsers: 1,
        });
        expect(reportCsv(indicators)).to.include(';qualifiedInsShare;Part des identités INS qualifiées;0,5\r\n');
      });

      it('counts a document sent to the DMP on the day the DMP accepted it, in the ESSMS that sent it', async () => {
        // given the submissions and messages above, when computed for the organisation and by quarter
        const organisation = await esmsNumeriqueIndicators(knex, outbox, { organisationId, ...YEAR_2025 }, NOW);
        const firstQuarter = await esmsNumeriqueIndicators(
          knex,
          outbox,
          { organisationId, facilityId: CSAPA, from: '2025-01-01', to: '2025-03-31' },
          NOW,
        );
        const otherCsapa = await esmsNumeriqueIndicators(
          knex,
          outbox,
          { organisationId, facilityId: OTHER_CSAPA, ...YEAR_2025 },
          NOW,
        );

        // then the organisation counts s1, s2 (a replacement is one more) and s5; each ESSMS its own
        expect(organisation).to.deep.include({ documentsSentToDmp: 3, mssanteMessages: 2 });
        expect(firstQuarter).to.deep.include({ documentsSentToDmp: 1, mssanteMessages: 1 });
        expect(otherCsapa).to.deep.include({ documentsSentToDmp: 1, mssanteMessages: 1 });
      });

      it('refuses a period upside down', async () => {
        let refused: unknown;
        await esmsNumeriqueIndicators(knex, outbox, { organisationId, from: '2025-12-31', to: '2025-01-01' }).catch(
          (error) => {
            refused = error;
          },
        );
        expect(refused).to.be.instanceOf(InvalidReportScopeError);
      });
    });

    describe('invariants', () => {
      const days = fc
        .tuple(fc.integer({ min: 2024, max: 2026 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
        .map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
      const subjects = fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5', 'k6');
      const facilities = fc.constantFrom(CSAPA, OTHER_CSAPA);

      it('file active = the distinct subjects with at least one act in the period, as corrected and not cancelled', async () => {
        const actArbitrary = fc.record({
          subject: subjects,
          facilityId: facilities,
          day: days,
          correctedTo: fc.option(days, { nil: undefined }),
          cancelled: fc.boolean(),
        });
        await fc.assert(
          fc.asyncProperty(
            fc.array(actArbitrary, { maxLength: 25, size: 'max' }),
            facilities,
            async (acts, facilityId) => {
              // given acts, some moved by a correction, some cancelled
              const organisationId = uniqueOrganisationId();
              const facts: Fact[] = [];
              acts.forEach((one, index) => {
                const actId = `act-${index}`;
                const base = { facilityId: one.facilityId, subject: one.subject };
                facts.push({ ...base, type: 'act.recorded', occurredOn: one.day, data: act(actId, 'doctor') });
                if (one.correctedTo !== undefined) {
                  facts.push({
                    ...base,
                    type: 'act.corrected',
                    occurredOn: '2026-12-01',
                    data: { actId, performedOn: one.correctedTo, durationMinutes: null },
                  });
                }
                if (one.cancelled)
                  facts.push({ ...base, type: 'act.cancelled', occurredOn: '2026-12-02', data: { actId } });
              });
              await given(organisationId, facts);

              // when the report of 2025 is computed for one ESSMS and for the organisation
              const ofFacility = await csapaActivityReport(knex, outbox, { organisationId, facilityId, ...YEAR_2025 });
              const ofOrganisation = await csapaActivityReport(knex, outbox, { organisationId, ...YEAR_2025 });

              // then it counts the subjects of the acts that count, once each
              const counted = (scope?: string) =>
                new Set(
                  acts
                    .filter((one) => !one.cancelled && (scope === undefined || one.facilityId === scope))
                    .filter((one) => (one.correctedTo ?? one.day).startsWith('2025-'))
                    .map((one) => one.subject),
                ).size;
              expect(ofFacility.fileActive.total).to.equal(counted(facilityId));
              expect(ofOrganisation.fileActive.total).to.equal(counted());
              expect(ofOrganisation.fileActive.patients + ofOrganisation.fileActive.entourage).to.equal(counted());
            },
          ),
          { numRuns: 15 },
        );
      });

      it('one main product per patient per year, the latest profile of the year', async () => {
        const profileArbitrary = fc.record({
          subject: subjects,
          year: fc.constantFrom(2024, 2025),
          mainProduct: fc.constantFrom('alcohol', 'cannabis', 'opioids', 'cocaine', null),
          entourage: fc.boolean(),
        });
        await fc.assert(
          fc.asyncProperty(
            fc.array(profileArbitrary, { maxLength: 15 }),
            fc.uniqueArray(subjects, { maxLength: 6 }),
            async (profiles, active) => {
              // given profiles recorded (again and again) in one CSAPA, and acts of 2025 for some subjects
              const organisationId = uniqueOrganisationId();
              await given(organisationId, [
                ...profiles.map(
                  (one): Fact => ({
                    type: 'usage-profile.recorded',
                    facilityId: CSAPA,
                    occurredOn: `${one.year}-06-01`,
                    subject: one.subject,
                    data: one.entourage ? entourage(one.year) : profile(one.year, { mainProduct: one.mainProduct }),
                  }),
                ),
                ...active.map(
                  (subject, index): Fact => ({
                    type: 'act.recorded',
                    facilityId: CSAPA,
                    occurredOn: '2025-09-01',
                    subject,
                    data: act(`act-${index}`, 'nurse'),
                  }),
                ),
              ]);

              // when the report and the extract of 2025 are computed
              const scope = { organisationId, facilityId: CSAPA, ...YEAR_2025 };
              const report = await csapaActivityReport(knex, outbox, scope);
              const extract = await recapExtract(knex, outbox, scope);

              // then each patient has one main product: the one of their latest profile of 2025
              const latest = new Map<string, (typeof profiles)[number]>();
              for (const one of profiles) if (one.year === 2025) latest.set(one.subject, one);
              const patients = active.filter((subject) => !latest.get(subject)?.entourage);
              const total = Object.values(report.patients.byMainProduct).reduce((sum, n) => sum + n, 0);
              expect(total).to.equal(patients.length);
              expect(report.fileActive.patients).to.equal(patients.length);
              expect(extract.records.map((record) => record.subjectKey)).to.deep.equal([...patients].sort());
              for (const record of extract.records) {
                expect(record.mainProduct).to.equal(latest.get(record.subjectKey)?.mainProduct ?? 'unknown');
              }
            },
          ),
          { numRuns: 15 },
        );
      });
    });
  });
}
