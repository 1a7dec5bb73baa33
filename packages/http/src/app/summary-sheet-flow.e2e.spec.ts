import { randomUUID } from 'node:crypto';
import { pdfPagesImageCount, pdfPagesText } from '@dui-pds/documents/testing';
import { accessLogStreamId } from '@dui-pds/domain';
import { METHADONE_SYRUP_40_MG, PATIENT_USAGE_PROFILE } from '@dui-pds/domain/testing';
import { INSI_TEST_IDENTITIES } from '@dui-pds/segur-adapters';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const USAGER = 'usager-synthese';
const jeanne = INSI_TEST_IDENTITIES[0] as (typeof INSI_TEST_IDENTITIES)[number];
const YEAR = Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric' }).format(new Date()));
const methadone = (prescriptionId: string, terms: Record<string, unknown> = {}) => ({
  prescriptionId,
  facilityId: CSAPA,
  ...METHADONE_SYRUP_40_MG,
  durationDays: 14,
  prescriber: { name: 'Dr Claire Martin', address: 'CSAPA Le Relais, 75020 Paris', setting: 'csapa' },
  namedPharmacist: 'Pharmacie du CSAPA, Mme Leroy',
  ...terms,
});

describe('the HTTP API: the summary sheet, as JSON and as a PDF', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let secretary: string;
  let doctor: string;
  let socialWorker: string;
  let nurse: string;
  let outsider: string;
  let methadoneId: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'GrantRole', professionalId: 'pro-outsider', facilityId: CSAPA, role: 'educator' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-nurse', serviceUserId: USAGER, facilityId: CSAPA },
    );
    secretary = await app.loginAs('pro-secretary');
    doctor = await app.loginAs('pro-doctor');
    socialWorker = await app.loginAs('pro-social');
    nurse = await app.loginAs('pro-nurse');
    outsider = await app.loginAs('pro-outsider');

    // given a record built through the API: identity qualified, admission, a right, an AUDIT-C
    const post = async (as: string, path: string, body: unknown) => {
      const answer = await app.request('POST', `/organisations/${ORG}${path}`, { as, body });
      expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).to.be.oneOf([200, 201]);
      return answer;
    };
    await post(secretary, '/usagers', { serviceUserId: USAGER, facilityId: CSAPA, traits: jeanne.traits });
    await post(secretary, `/usagers/${USAGER}/ins-searches`, {});
    await post(secretary, `/usagers/${USAGER}/identity-document-checks`, {
      checkId: randomUUID(),
      kind: 'national-id-card',
      outcome: 'consistent',
    });
    const applicationId = randomUUID();
    const accompanimentId = randomUUID();
    await post(secretary, '/admission/applications', {
      applicationId,
      serviceUserId: USAGER,
      facilityIds: [CSAPA],
      priority: 'normal',
    });
    await post(secretary, `/admission/applications/${applicationId}/admissions`, {
      facilityId: CSAPA,
      accompanimentId,
    });
    await post(socialWorker, `/usagers/${USAGER}/social-benefits`, {
      benefitId: randomUUID(),
      facilityId: CSAPA,
      kind: 'CSS',
      organism: 'CPAM de Paris',
      openFrom: '2026-01-01',
      openTo: '2026-12-31',
    });
    await post(doctor, `/accompaniments/${accompanimentId}/assessments`, {
      assessmentId: randomUUID(),
      gridId: 'audit-c',
      gridVersion: '1',
      serviceUserId: USAGER,
      facilityId: CSAPA,
      sex: 'female',
      answers: { q1: 'two-to-three-a-week', q2: 'three-or-four', q3: 'less-than-monthly' },
      filledAt: '2026-03-01T10:00:00+01:00',
    });
    // and a methadone prescription in progress, another stopped, a personne de confiance, a usage profile
    methadoneId = randomUUID();
    await post(doctor, `/usagers/${USAGER}/medicine-prescriptions`, methadone(methadoneId));
    const diazepam = randomUUID();
    await post(doctor, `/usagers/${USAGER}/medicine-prescriptions`, {
      ...methadone(diazepam, { productId: 'diazepam-10', productName: 'Diazépam 10 mg, comprimé', dose: '10 mg' }),
      tsoProduct: undefined,
      namedPharmacist: undefined,
    });
    await post(doctor, `/prescriptions/${diazepam}/stops`, { reason: 'Sevrage terminé' });
    await post(socialWorker, `/usagers/${USAGER}/trusted-persons`, {
      trustedPersonId: randomUUID(),
      facilityId: CSAPA,
      person: { name: 'Claire Martin', relationship: 'sœur', contact: { phone: '06 12 34 56 78' } },
      scope: ['casf'],
    });
    await post(socialWorker, `/usagers/${USAGER}/usage-profiles`, {
      facilityId: CSAPA,
      year: YEAR,
      ...PATIENT_USAGE_PROFILE,
      referral: 'self',
      injection: 'never',
    });
  });
  after(() => app.close());

  const sheetPath = `/organisations/${ORG}/usagers/${USAGER}/summary-sheet`;

  it('shows each reader the parts they may read, and traces the read', async () => {
    // when the doctor of the team, the secretariat and a colleague outside the team read the sheet
    const byDoctor = await app.request('GET', sheetPath, { as: doctor });
    const bySecretary = await app.request('GET', sheetPath, { as: secretary });
    const byOutsider = await app.request('GET', sheetPath, { as: outsider });

    // then the doctor sees identity, admission, right and score; the secretariat only the administrative parts
    expect(byDoctor.status, JSON.stringify(byDoctor.body)).to.equal(200);
    const sheet = byDoctor.body.sheet;
    expect(sheet.identity).to.deep.include({ birthName: 'MARTIN', identityStatus: 'QUAL', ins: jeanne.ins });
    expect(sheet.accompaniments).to.have.length(1);
    expect(sheet.socialBenefits.map((benefit: { kind: string }) => benefit.kind)).to.deep.equal(['CSS']);
    expect(sheet.assessments.map((assessment: { gridId: string }) => assessment.gridId)).to.deep.equal(['audit-c']);
    expect(byDoctor.body.hiddenParts).to.deep.equal([]);
    expect(bySecretary.body.sheet.socialBenefits).to.deep.equal([]);
    expect(bySecretary.body.sheet.assessments).to.deep.equal([]);
    expect(bySecretary.body.hiddenParts).to.include.members(['socialBenefits', 'assessments', 'personalisedProjects']);
    expect(bySecretary.body.sheet.accompaniments).to.have.length(1);
    expect(byOutsider.status).to.equal(403);
    const reads = await app.server.store.readStream(accessLogStreamId(ORG, USAGER));
    const sheetReads = reads
      .map((read) => read.data as { resource: string; sensitivities: string[] })
      .filter((read) => read.resource === 'summary-sheet');
    expect(sheetReads.map((read) => read.sensitivities)).to.deep.equal([
      ['administrative', 'social', 'medical'],
      ['administrative'],
    ]);
  });

  it('shows the treatments in progress to the nurse of the team, and not to readers without medical access', async () => {
    // when the nurse, the social worker and the secretariat read the sheet
    const byNurse = await app.request('GET', sheetPath, { as: nurse });
    const bySocialWorker = await app.request('GET', sheetPath, { as: socialWorker });
    const bySecretary = await app.request('GET', sheetPath, { as: secretary });

    // then the nurse sees the methadone in progress (the stopped prescription has left the sheet)
    expect(byNurse.status, JSON.stringify(byNurse.body)).to.equal(200);
    expect(byNurse.body.sheet.treatments).to.have.length(1);
    expect(byNurse.body.sheet.treatments[0]).to.deep.include({
      prescriptionId: methadoneId,
      tsoProduct: 'methadone-syrup',
      dose: '40 mg',
      fractionDays: 7,
      prescriber: { name: 'Dr Claire Martin', setting: 'csapa' },
    });
    // the social worker sees the personne de confiance and the usage profile, not the treatment
    expect(bySocialWorker.status).to.equal(200);
    expect(bySocialWorker.body.sheet.treatments).to.deep.equal([]);
    expect(bySocialWorker.body.hiddenParts).to.include('treatments');
    expect(bySocialWorker.body.sheet.trustedPerson).to.deep.include({
      name: 'Claire Martin',
      contact: { phone: '06 12 34 56 78' },
    });
    expect(bySocialWorker.body.sheet.usageProfiles).to.deep.equal([
      {
        facilityId: CSAPA,
        year: YEAR,
        population: 'patient',
        mainProduct: 'opioids',
        useLevel: 'dependence',
        injection: 'never',
      },
    ]);
    // the secretariat sees none of the three
    expect(bySecretary.body.sheet.treatments).to.deep.equal([]);
    expect(bySecretary.body.sheet.trustedPerson).to.equal(undefined);
    expect(bySecretary.body.sheet.usageProfiles).to.deep.equal([]);
    expect(bySecretary.body.hiddenParts).to.include.members(['treatments', 'trustedPerson', 'usageProfiles']);
  });

  it('prints the sheet as a French PDF', async () => {
    // when the doctor prints it
    const answer = await app.request('GET', `${sheetPath}.pdf`, { as: doctor });

    // then it is a PDF that reads as the record
    expect(answer.status).to.equal(200);
    expect(answer.headers.get('content-type')).to.match(/^application\/pdf/);
    const text = (await pdfPagesText(answer.bytes)).join('\n').replace(/\s+/g, ' ');
    expect(text).to.contain('Fiche de synthèse — MARTIN JEANNE');
    expect(text).to.contain('Statut de l’identité : Identité qualifiée');
    // her identity is qualified: the INS and its DataMatrix are printed
    expect(text).to.contain(`INS (NIR de test) : ${jeanne.ins.value}`);
    const images = (await pdfPagesImageCount(answer.bytes)).reduce((sum, count) => sum + count, 0);
    expect(images).to.equal(1);
    expect(text).to.contain('CSS (CPAM de Paris) — du 01/01/2026 au 31/12/2026');
    expect(text).to.contain('AUDIT-C');
    expect(text).to.contain('Traitements en cours');
    expect(text).to.contain('TSO — Méthadone sirop : Méthadone AP-HP 40 mg, sirop, 40 mg');
    expect(text).not.to.contain('Diazépam');
    expect(text).to.contain('Nom : Claire Martin (sœur)');
    expect(text).to.contain('Produit principal : Héroïne, opioïdes');
    expect(text).to.contain('Éditée le');
  });
});
