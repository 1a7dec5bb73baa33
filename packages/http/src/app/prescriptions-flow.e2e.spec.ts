import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { METHADONE_SYRUP_40_MG } from '@dui-pds/domain/testing';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const USAGERS = ['usager-1', 'usager-2', 'usager-3', 'usager-4'];
const csapaPrescriber = {
  name: 'Dr Claire Martin',
  address: 'CSAPA Le Relais, 12 rue des Lilas, 75020 Paris',
  setting: 'csapa',
};

const syrup = (prescriptionId: string, terms: Record<string, unknown> = {}) => ({
  prescriptionId,
  facilityId: CSAPA,
  ...METHADONE_SYRUP_40_MG,
  prescribedOn: '2025-06-02',
  durationDays: 14,
  prescriber: csapaPrescriber,
  namedPharmacist: 'Pharmacie du CSAPA, Mme Leroy',
  ...terms,
});
/** Capsules from the day after a 14-day syrup prescription of 2 June ends. */
const capsules = (prescriptionId: string) =>
  syrup(prescriptionId, {
    productId: 'methadone-gelule-40',
    productName: 'Méthadone AP-HP 40 mg, gélule',
    tsoProduct: 'methadone-capsules',
    prescribedOn: '2025-06-16',
    durationDays: 28,
  });

describe('the HTTP API: prescriptions of medicines and exams, with the TSO rules read from the record', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let doctor: string;
  let nurse: string;
  let doctorOutsideTeam: string;
  let educator: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'GrantRole', professionalId: 'pro-doctor-2', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-educ', facilityId: CSAPA, role: 'educator' },
      ...USAGERS.flatMap((serviceUserId) =>
        ['pro-doctor', 'pro-nurse', 'pro-educ'].map((professionalId) => ({
          type: 'AddToCareTeam' as const,
          professionalId,
          serviceUserId,
          facilityId: CSAPA,
        })),
      ),
    );
    doctor = await app.loginAs('pro-doctor');
    nurse = await app.loginAs('pro-nurse');
    doctorOutsideTeam = await app.loginAs('pro-doctor-2');
    educator = await app.loginAs('pro-educ');
  });
  after(() => app.close());

  const prescribe = (as: string, serviceUserId: string, body: unknown) =>
    app.request('POST', `/organisations/${ORG}/usagers/${serviceUserId}/medicine-prescriptions`, { as, body });

  it('accepts a CSAPA doctor’s first methadone, refuses the same doctor’s overlap, then allows it when written', async () => {
    // given a first methadone prescription for usager-1, 2 to 15 June
    const first = randomUUID();
    const second = randomUUID();
    const accepted = await prescribe(doctor, 'usager-1', syrup(first));

    // when the same doctor prescribes from 9 June, without then with the mention
    const overlapping = await prescribe(doctor, 'usager-1', syrup(second, { prescribedOn: '2025-06-09' }));
    const allowed = await prescribe(
      doctor,
      'usager-1',
      syrup(second, { prescribedOn: '2025-06-09', overlapAllowed: true }),
    );
    const listed = await app.request(
      'GET',
      `/organisations/${ORG}/usagers/usager-1/prescriptions?facilityId=${CSAPA}&today=2025-06-10`,
      { as: nurse },
    );
    const one = await app.request('GET', `/organisations/${ORG}/prescriptions/${first}?today=2025-06-10`, {
      as: doctor,
    });

    // then
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(201);
    expect(accepted.body).to.deep.equal({ prescriptionId: first, revision: 0 });
    expect(overlapping.status).to.equal(422);
    expect(overlapping.body.code).to.equal('TSO_OVERLAP');
    expect(overlapping.body.detail).to.include('chevauche une prescription du même prescripteur');
    expect(allowed.status, JSON.stringify(allowed.body)).to.equal(201);
    expect(listed.status, JSON.stringify(listed.body)).to.equal(200);
    expect(listed.body.prescriptions.map((p: { prescriptionId: string }) => p.prescriptionId)).to.deep.equal([
      second,
      first,
    ]);
    expect(listed.body.prescriptions[0].medicine).to.deep.include({
      tsoProduct: 'methadone-syrup',
      fractionDays: 7,
      overlapAllowed: true,
      tsoEvidence: { overlappedPrescriptionIds: [first] },
    });
    expect(one.status).to.equal(200);
    expect(one.headers.get('etag')).to.equal('"0"');
    expect(one.body).to.deep.include({ kind: 'medicine', status: 'prescribed', inForce: true });
    // the prescriber is the caller, named as the request says
    expect(one.body.prescriber).to.deep.equal({ professionalId: 'pro-doctor', ...csapaPrescriber });
    const reads = await app.server.store.readStream(accessLogStreamId(ORG, 'usager-1'));
    expect(reads.map((read) => (read.data as { resource: string }).resource)).to.include.members([
      'prescriptions',
      'prescription',
    ]);
  });

  it('refuses a first methadone outside a CSAPA or a hospital', async () => {
    const answer = await prescribe(
      doctor,
      'usager-4',
      syrup(randomUUID(), { prescriber: { ...csapaPrescriber, setting: 'other' } }),
    );
    expect(answer.status).to.equal(422);
    expect(answer.body.code).to.equal('TSO_FIRST_METHADONE_PRESCRIBER');
  });

  it('refuses capsules to a usager not stable on syrup for a year, and gives them once a doctor attested it', async () => {
    // given usager-2 attested stable on syrup since January 2025, usager-3 since March 2024
    const recent = await prescribe(doctor, 'usager-2', syrup(randomUUID(), { stableOnSyrupSince: '2025-01-15' }));
    const longAgo = await prescribe(doctor, 'usager-3', syrup(randomUUID(), { stableOnSyrupSince: '2024-03-01' }));

    // when capsules follow the syrup, and a request tries to tell the history itself
    const refused = await prescribe(doctor, 'usager-2', capsules(randomUUID()));
    const toldHistory = await prescribe(doctor, 'usager-2', {
      ...capsules(randomUUID()),
      tsoHistory: { earlierPrescriptions: [], stableOnSyrupSince: '2020-01-01' },
    });
    const givenId = randomUUID();
    const given = await prescribe(doctor, 'usager-3', capsules(givenId));
    const shown = await app.request('GET', `/organisations/${ORG}/prescriptions/${givenId}`, { as: doctor });

    // then
    expect(recent.status, JSON.stringify(recent.body)).to.equal(201);
    expect(longAgo.status, JSON.stringify(longAgo.body)).to.equal(201);
    expect(refused.status).to.equal(422);
    expect(refused.body.code).to.equal('TSO_CAPSULES_REQUIRE_YEAR_ON_SYRUP');
    expect(refused.body.detail).to.include('stabilisé depuis le 15/01/2025');
    expect(toldHistory.status).to.equal(400);
    expect(given.status, JSON.stringify(given.body)).to.equal(201);
    expect(shown.body.medicine.tsoEvidence).to.deep.equal({
      stableOnSyrupSince: '2024-03-01',
      overlappedPrescriptionIds: [],
    });
  });

  it('lets only a doctor of the care team prescribe, and only the clinicians read', async () => {
    const byNurse = await prescribe(nurse, 'usager-4', syrup(randomUUID()));
    const byDoctorOutsideTeam = await prescribe(doctorOutsideTeam, 'usager-4', syrup(randomUUID()));
    const readByEducator = await app.request(
      'GET',
      `/organisations/${ORG}/usagers/usager-4/prescriptions?facilityId=${CSAPA}`,
      { as: educator },
    );

    expect(byNurse.status).to.equal(403);
    expect(byNurse.body.detail).to.equal('Prescrire revient, dans cet établissement, à : médecin.');
    expect(byDoctorOutsideTeam.status).to.equal(403);
    expect(byDoctorOutsideTeam.body.reason).to.equal('notInCareTeam');
    expect(readByEducator.status).to.equal(403);
  });

  it('lists an exam as due until a nurse records its result, with a screening’s outcome', async () => {
    // given an HIV screening due on 12 June
    const examId = randomUUID();
    const prescribed = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/exam-prescriptions`, {
      as: doctor,
      body: {
        prescriptionId: examId,
        facilityId: CSAPA,
        category: 'hiv-screening',
        examCode: 'TROD-VIH',
        examLabel: 'Test rapide d’orientation diagnostique du VIH',
        prescribedOn: '2025-06-02',
        dueOn: '2025-06-12',
        prescriber: csapaPrescriber,
      },
    });
    const due = `/organisations/${ORG}/facilities/${CSAPA}/exams-due?today=2025-06-10`;

    // when
    const before = await app.request('GET', due, { as: nurse });
    const cancelledByNurse = await app.request(
      'POST',
      `/organisations/${ORG}/prescriptions/${examId}/exam-cancellations`,
      {
        as: nurse,
        body: { reason: 'fait en ville' },
      },
    );
    const result = await app.request('POST', `/organisations/${ORG}/prescriptions/${examId}/exam-results`, {
      as: nurse,
      ifMatch: '"0"',
      body: { resultOn: '2025-06-11', result: 'TROD VIH non réactif', outcome: 'negative' },
    });
    const after = await app.request('GET', due, { as: nurse });
    const shown = await app.request('GET', `/organisations/${ORG}/prescriptions/${examId}`, { as: doctor });
    const byEducator = await app.request('GET', due, { as: educator });

    // then
    expect(prescribed.status, JSON.stringify(prescribed.body)).to.equal(201);
    expect(before.body.exams).to.have.length(1);
    expect(before.body.exams[0]).to.include({ prescriptionId: examId, serviceUserId: 'usager-1', warning: 'due-soon' });
    expect(cancelledByNurse.status).to.equal(403);
    expect(result.status, JSON.stringify(result.body)).to.equal(200);
    expect(result.body.revision).to.equal(1);
    expect(after.body.exams).to.deep.equal([]);
    expect(shown.body.status).to.equal('result-recorded');
    expect(shown.body.exam.result).to.deep.equal({
      resultOn: '2025-06-11',
      text: 'TROD VIH non réactif',
      outcome: 'negative',
      recordedBy: 'pro-nurse',
    });
    expect(byEducator.status).to.equal(200);
    expect(byEducator.body.exams).to.deep.equal([]);
  });

  it('suspends, resumes and stops a medicine at the doctor’s word, each change on the revision read', async () => {
    // given a paracetamol prescription of 10 days
    const prescriptionId = randomUUID();
    const created = await prescribe(doctor, 'usager-4', {
      prescriptionId,
      facilityId: CSAPA,
      productId: 'paracetamol-500',
      productName: 'Paracétamol 500 mg, comprimé',
      dose: '500 mg',
      posology: '1 comprimé matin, midi et soir',
      dailyUnits: 3,
      prescribedOn: '2025-06-02',
      durationDays: 10,
      prescriber: csapaPrescriber,
    });
    const path = (step: string) => `/organisations/${ORG}/prescriptions/${prescriptionId}/${step}`;

    // when
    const suspendedByNurse = await app.request('POST', path('suspensions'), {
      as: nurse,
      body: { suspendedOn: '2025-06-04', reason: 'hospitalisation' },
    });
    const suspended = await app.request('POST', path('suspensions'), {
      as: doctor,
      ifMatch: '"0"',
      body: { suspendedOn: '2025-06-04', reason: 'hospitalisation' },
    });
    const stale = await app.request('POST', path('resumptions'), {
      as: doctor,
      ifMatch: '"0"',
      body: { resumedOn: '2025-06-05' },
    });
    const resumed = await app.request('POST', path('resumptions'), {
      as: doctor,
      ifMatch: '"1"',
      body: { resumedOn: '2025-06-05' },
    });
    const stopped = await app.request('POST', path('stops'), {
      as: doctor,
      body: { stoppedOn: '2025-06-06', reason: 'effet indésirable' },
    });
    const completed = await app.request('POST', path('completions'), {
      as: doctor,
      body: { completedOn: '2025-06-11' },
    });
    const shown = await app.request('GET', `/organisations/${ORG}/prescriptions/${prescriptionId}?today=2025-06-07`, {
      as: nurse,
    });

    // then
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(suspendedByNurse.status).to.equal(403);
    expect(suspended.status, JSON.stringify(suspended.body)).to.equal(200);
    expect(stale.status).to.equal(412);
    expect(resumed.status).to.equal(200);
    expect(stopped.status).to.equal(200);
    expect(completed.status).to.equal(422);
    expect(completed.body.code).to.equal('PRESCRIPTION_CLOSED');
    expect(shown.headers.get('etag')).to.equal('"3"');
    expect(shown.body).to.deep.include({
      status: 'stopped',
      inForce: false,
      lastChangeOn: '2025-06-06',
      changeReason: 'effet indésirable',
    });
    expect(shown.body.medicine).to.deep.include({ tsoProduct: null, lastDay: '2025-06-11', fractionDays: null });
  });

  it('answers 404 for a prescription that does not exist, and refuses an ordonnance dated later', async () => {
    const missing = await app.request('POST', `/organisations/${ORG}/prescriptions/${randomUUID()}/stops`, {
      as: doctor,
      body: { reason: 'erreur' },
    });
    const later = await prescribe(doctor, 'usager-4', syrup(randomUUID(), { prescribedOn: '2999-01-01' }));
    expect(missing.status).to.equal(404);
    expect(later.status).to.equal(422);
    expect(later.body.code).to.equal('PRESCRIPTION_DATED_LATER');
  });
});
