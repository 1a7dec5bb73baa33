import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const CSAPA = '750000001';
const CAARUD = '750000002';
const DAY = '2026-03-10';
const YEAR = { from: '2026-01-01', to: '2026-12-31' };
/** Today in Paris, as the server reckons it: the default period ends there. */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());

describe('the HTTP API: activity reports computed from the reporting events, as JSON, CSV, HTML and PDF', function () {
  this.timeout(120_000);
  const ORG = `og-${randomUUID().slice(0, 8)}`;
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};

  before(async () => {
    app = await ServerUnderTest.start();
    const grant = (
      professionalId: string,
      facilityId: string,
      role: 'doctor' | 'socialWorker' | 'educator' | 'director',
    ) => ({
      type: 'GrantRole' as const,
      professionalId,
      facilityId,
      role,
    });
    const team = (professionalId: string, serviceUserId: string, facilityId: string) => ({
      type: 'AddToCareTeam' as const,
      professionalId,
      serviceUserId,
      facilityId,
    });
    await app.asSystem(
      ORG,
      grant('pro-doctor', CSAPA, 'doctor'),
      team('pro-doctor', 'usager-1', CSAPA),
      team('pro-doctor', 'usager-2', CSAPA),
      grant('pro-social', CSAPA, 'socialWorker'),
      team('pro-social', 'usager-1', CSAPA),
      grant('pro-educ', CAARUD, 'educator'),
      team('pro-educ', 'usager-1', CAARUD),
      grant('pro-director-csapa', CSAPA, 'director'),
      grant('pro-director-caarud', CAARUD, 'director'),
    );
    for (const id of ['pro-doctor', 'pro-social', 'pro-educ', 'pro-director-csapa', 'pro-director-caarud']) {
      tokens[id] = await app.loginAs(id);
    }

    // the facts: three acts at the CSAPA, a usage profile, an identified and an unidentified passage at the CAARUD
    const act = (serviceUserId: string, performedAt: string) =>
      app.request('POST', `/organisations/${ORG}/usagers/${serviceUserId}/acts`, {
        as: tokens['pro-doctor'],
        body: {
          actId: randomUUID(),
          facilityId: CSAPA,
          actTypeCode: 'consultation-medicale',
          performedAt,
          durationMinutes: 30,
        },
      });
    const answers = [
      await act('usager-1', `${DAY}T09:00:00+01:00`),
      await act('usager-1', `${DAY}T14:00:00+01:00`),
      await act('usager-2', '2026-03-11T09:00:00+01:00'),
      await app.request('POST', `/organisations/${ORG}/usagers/usager-1/usage-profiles`, {
        as: tokens['pro-social'],
        body: {
          facilityId: CSAPA,
          year: 2026,
          population: 'patient',
          referral: 'justice',
          housing: 'precarious',
          income: 'minimumIncome',
          mainProduct: 'opioids',
          useLevel: 'dependence',
          injection: 'past',
        },
      }),
      await app.request('POST', `/organisations/${ORG}/facilities/${CAARUD}/visits`, {
        as: tokens['pro-educ'],
        body: {
          visitId: randomUUID(),
          occurredOn: DAY,
          serviceUserId: 'usager-1',
          setting: 'street',
          services: ['reception', 'screening'],
          supplies: [{ supplyCode: 'kit-injection', quantity: 4 }],
          syringesCollected: 12,
          rapidTests: [{ test: 'hcv', result: 'negative' }],
        },
      }),
      await app.request('POST', `/organisations/${ORG}/facilities/${CAARUD}/visits`, {
        as: tokens['pro-educ'],
        body: {
          visitId: randomUUID(),
          occurredOn: DAY,
          anonymous: { sex: 'F', ageBand: '25-34' },
          setting: 'premises',
          services: ['reception'],
          supplies: [{ supplyCode: 'preservatif', quantity: 10 }],
        },
      }),
    ];
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).to.be.oneOf([200, 201]);
  });
  after(() => app?.close());

  const report = (kind: string, query: Record<string, string>, as = 'pro-director-csapa') =>
    app.request('GET', `/organisations/${ORG}/reports/${kind}?${new URLSearchParams(query)}`, { as: tokens[as] });

  it('answers the CSAPA report of an ESSMS as JSON, then as a French CSV', async () => {
    // when the director of the CSAPA asks for its report of 2026
    const json = await report('csapa', { facilityId: CSAPA, ...YEAR });
    const csv = await report('csapa', { facilityId: CSAPA, ...YEAR, format: 'csv' });

    // then it counts the two patients and the three acts, the main product from the profile
    expect(json.status, JSON.stringify(json.body)).to.equal(200);
    expect(json.body).to.deep.include({ kind: 'csapa', scope: { organisationId: ORG, facilityId: CSAPA, ...YEAR } });
    expect(json.body.fileActive).to.deep.equal({ total: 2, patients: 2, entourage: 0, newPatients: 0 });
    expect(json.body.actsByProfession).to.deep.equal({ doctor: 3 });
    expect(json.body.patients.byMainProduct).to.deep.include({ opioids: 1, unknown: 1 });
    expect(json.body.patients.byReferral).to.deep.include({ justice: 1, unknown: 1 });
    expect(JSON.stringify(json.body)).not.to.include('usager-1').and.not.to.include('usager-2');
    // and the CSV has one line per figure, with French labels
    expect(csv.status).to.equal(200);
    expect(csv.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).to.include(
      `rapport-activite-csapa-${CSAPA}-2026-01-01-2026-12-31.csv`,
    );
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(csv.bytes);
    expect(text.startsWith('\uFEFFOrganisme gestionnaire;FINESS;Du;Au;Rubrique;')).to.equal(true);
    expect(text).to.include(
      `${ORG};${CSAPA};2026-01-01;2026-12-31;actsByProfession;Actes par profession;doctor;Médecin;3\r\n`,
    );
    expect(text).to.include(';fileActive;File active;patients;Patients;2\r\n');
  });

  it('answers the ASA-CAARUD report with the unidentified passage counted apart', async () => {
    const answer = await report('caarud', { facilityId: CAARUD, ...YEAR }, 'pro-director-caarud');

    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body.fileActive).to.deep.equal({ total: 1, newUsers: 1 });
    expect(answer.body.passages).to.deep.equal({ total: 2, identified: 1, unidentified: 1 });
    expect(answer.body.unidentifiedBySetting).to.deep.include({ premises: 1, street: 0 });
    expect(answer.body.suppliesHandedOut).to.deep.equal({ 'kit-injection': 4, preservatif: 10 });
    expect(answer.body.syringesCollected).to.deep.include({ duringPassages: 12 });
  });

  it('gives the organisation-wide report to a director of any ESSMS, each ESSMS’ report to its own direction only', async () => {
    const wide = await report('esms-numerique', { ...YEAR }, 'pro-director-caarud');
    const otherFacility = await report('csapa', { facilityId: CSAPA, ...YEAR }, 'pro-director-caarud');
    const doctor = await report('csapa', { facilityId: CSAPA, ...YEAR }, 'pro-doctor');

    expect(wide.status, JSON.stringify(wide.body)).to.equal(200);
    expect(wide.body.scope).to.deep.equal({ organisationId: ORG, ...YEAR });
    expect(wide.body.activeRecords).to.equal(2);
    expect(otherFacility.status).to.equal(403);
    expect(doctor.status).to.equal(403);
    expect(doctor.body.detail).to.match(/direction/);
  });

  it('defaults to the current year so far, and refuses a RECAP over two years in French', async () => {
    const byDefault = await report('recap', { facilityId: CSAPA });
    const twoYears = await report('recap', { facilityId: CSAPA, from: '2025-06-01', to: '2026-05-31' });

    expect(byDefault.status, JSON.stringify(byDefault.body)).to.equal(200);
    expect(byDefault.body.scope).to.deep.include({ from: `${today().slice(0, 4)}-01-01`, to: today() });
    expect(byDefault.body.records.map((record: { mainProduct: string }) => record.mainProduct).sort()).to.deep.equal([
      'opioids',
      'unknown',
    ]);
    expect(twoYears.status).to.equal(400);
    expect(twoYears.body.type).to.match(/validation-failed/);
    expect(JSON.stringify(twoYears.body.errors)).to.include('une seule année civile');
  });

  it('renders the report as an HTML page with its charts and as a PDF', async () => {
    const html = await report('csapa', { facilityId: CSAPA, ...YEAR, format: 'html' });
    const pdf = await report('caarud', { facilityId: CAARUD, ...YEAR, format: 'pdf' }, 'pro-director-caarud');

    expect(html.status).to.equal(200);
    expect(html.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(String(html.body)).to.include('<svg').and.to.include('File active');
    expect(pdf.status).to.equal(200);
    expect(pdf.headers.get('content-type')).to.equal('application/pdf');
    expect(Buffer.from(pdf.bytes).subarray(0, 5).toString('latin1')).to.equal('%PDF-');
  });
});
