import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const USAGER = 'usager-1';
/** Another usager of the same CSAPA, whose record an observation of usager-1 was filed in by mistake. */
const OTHER_USAGER = 'usager-2';

describe('the HTTP API: medical observations, written here or received from outside', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};

  before(async () => {
    app = await ServerUnderTest.start();
    const inTeam = (professionalId: string, role: 'doctor' | 'nurse' | 'pharmacist' | 'socialWorker') => [
      { type: 'GrantRole' as const, professionalId, facilityId: CSAPA, role },
      { type: 'AddToCareTeam' as const, professionalId, serviceUserId: USAGER, facilityId: CSAPA },
    ];
    await app.asSystem(
      ORG,
      ...inTeam('pro-doctor', 'doctor'),
      ...inTeam('pro-nurse', 'nurse'),
      ...inTeam('pro-pharmacist', 'pharmacist'),
      ...inTeam('pro-social', 'socialWorker'),
      { type: 'GrantRole', professionalId: 'pro-doctor-out', facilityId: CSAPA, role: 'doctor' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: OTHER_USAGER, facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor-out', serviceUserId: OTHER_USAGER, facilityId: CSAPA },
    );
    for (const id of ['pro-doctor', 'pro-nurse', 'pro-pharmacist', 'pro-social', 'pro-doctor-out']) {
      tokens[id] = await app.loginAs(id);
    }
  });
  after(() => app.close());

  const usagerPath = `/organisations/${ORG}/usagers/${USAGER}`;
  const write = (as: string, body: Record<string, unknown> = {}) =>
    app.request('POST', `${usagerPath}/clinical-observations`, {
      as: tokens[as],
      body: { observationId: randomUUID(), facilityId: CSAPA, text: 'Examen clinique normal.', ...body },
    });
  const receive = (as: string, body: Record<string, unknown> = {}) =>
    app.request('POST', `${usagerPath}/external-observations`, {
      as: tokens[as],
      body: {
        observationId: randomUUID(),
        facilityId: CSAPA,
        sender: { name: 'Service d’hépatologie, CHU', identifier: 'hepato@chu.mssante.fr' },
        channel: 'mssante',
        receivedAt: '2026-03-11T08:00:00+01:00',
        documentReference: 'msg-2026-0042',
        title: 'Compte rendu de consultation',
        text: 'Fibroscan : F1.',
        ...body,
      },
    });
  const list = (as: string) =>
    app.request('GET', `${usagerPath}/clinical-observations?facilityId=${CSAPA}`, { as: tokens[as] });

  it('lists written and received observations together, each with its origin, for the clinicians only, traced', async () => {
    // given an observation by the doctor, one by the nurse, and a letter received by MSSanté
    const byDoctor = await write('pro-doctor', {
      observedAt: '2026-03-10T10:00:00+01:00',
      title: 'Consultation',
      text: 'Patient stable sous méthadone 60 mg.',
    });
    const byNurse = await write('pro-nurse', { observedAt: '2026-03-12T09:00:00+01:00', text: 'Pansement refait.' });
    const letter = await receive('pro-nurse');
    const logBefore = (await app.server.store.readStream(accessLogStreamId(ORG, USAGER))).length;

    // when the care team reads the usager's observations
    const byDoctorList = await list('pro-doctor');
    const byPharmacist = await list('pro-pharmacist');
    const bySocialWorker = await list('pro-social');
    const byDoctorOutside = await list('pro-doctor-out');

    // then
    for (const answer of [byDoctor, byNurse, letter]) expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    expect(byDoctorList.status).to.equal(200);
    const observations = byDoctorList.body.observations as {
      origin: string;
      author: unknown;
      source: unknown;
      datedAt: string;
    }[];
    expect(observations.map((observation) => [observation.origin, observation.datedAt])).to.deep.equal([
      ['clinician', '2026-03-12T09:00:00+01:00'],
      ['external', '2026-03-11T08:00:00+01:00'],
      ['clinician', '2026-03-10T10:00:00+01:00'],
    ]);
    expect(observations[0]?.author).to.deep.equal({ professionalId: 'pro-nurse', profession: 'nurse' });
    expect(observations[1]).to.deep.include({
      author: null,
      source: {
        senderName: 'Service d’hépatologie, CHU',
        senderIdentifier: 'hepato@chu.mssante.fr',
        channel: 'mssante',
        documentReference: 'msg-2026-0042',
      },
    });
    expect(byPharmacist.status, 'the pharmacist reads medical data').to.equal(200);
    expect(bySocialWorker.status).to.equal(403);
    expect(byDoctorOutside.status).to.equal(403);
    const log = (await app.server.store.readStream(accessLogStreamId(ORG, USAGER))).slice(logBefore);
    expect(
      log.map((entry) => [
        entry.metadata.actor.id,
        (entry.data as { resource: string; sensitivities: string[] }).resource,
        (entry.data as { sensitivities: string[] }).sensitivities,
      ]),
    ).to.deep.equal([
      ['pro-doctor', 'clinical-observations', ['medical']],
      ['pro-pharmacist', 'clinical-observations', ['medical']],
    ]);
  });

  it('lets doctors and nurses write, not the pharmacist who may write other medical data', async () => {
    const byPharmacist = await write('pro-pharmacist');
    const bySocialWorker = await receive('pro-social');
    const future = await write('pro-doctor', { observedAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(byPharmacist.status).to.equal(403);
    expect(byPharmacist.body.detail).to.equal(
      'Les observations médicales sont écrites par un médecin ou un infirmier.',
    );
    expect(bySocialWorker.status).to.equal(403);
    expect([future.status, future.body.code]).to.deep.equal([422, 'OBSERVATION_IN_FUTURE']);
  });

  it('amends a clinician’s observation with a reason and If-Match, never a received one; withdraws either', async () => {
    // given an observation written here and a document received
    const written = randomUUID();
    const received = randomUUID();
    await write('pro-doctor', { observationId: written, observedAt: '2026-03-10T10:00:00+01:00', text: 'TA 12/8' });
    await receive('pro-doctor', { observationId: received, documentReference: 'dmp-77', channel: 'dmp' });
    const path = (observationId: string) => `/organisations/${ORG}/clinical-observations/${observationId}`;

    // when the nurse amends the first, a doctor amends the received one, and the received one is withdrawn
    const amended = await app.request('POST', `${path(written)}/amendments`, {
      as: tokens['pro-nurse'],
      ifMatch: '"0"',
      body: { reason: 'pouls ajouté', text: 'TA 12/8, pouls 72' },
    });
    const stale = await app.request('POST', `${path(written)}/amendments`, {
      as: tokens['pro-doctor'],
      ifMatch: '"0"',
      body: { reason: 'x', text: 'TA 13/8' },
    });
    const amendReceived = await app.request('POST', `${path(received)}/amendments`, {
      as: tokens['pro-doctor'],
      ifMatch: '"0"',
      body: { reason: 'coquille', text: 'Fibroscan : F2.' },
    });
    const withdrawn = await app.request('POST', `${path(received)}/withdrawals`, {
      as: tokens['pro-doctor'],
      ifMatch: '"0"',
      body: { kind: 'duplicate', reason: 'reçu deux fois' },
    });
    const readWritten = await app.request('GET', path(written), { as: tokens['pro-doctor'] });
    const readReceived = await app.request('GET', path(received), { as: tokens['pro-nurse'] });
    const bySocialWorker = await app.request('GET', path(written), { as: tokens['pro-social'] });
    const inAnotherOrganisation = await app.request('GET', `/organisations/og-b/clinical-observations/${written}`, {
      as: tokens['pro-doctor'],
    });

    // then
    expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
    expect(stale.status).to.equal(412);
    expect([amendReceived.status, amendReceived.body.code]).to.deep.equal([422, 'EXTERNAL_OBSERVATION_NOT_AMENDABLE']);
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).to.equal(200);
    expect(readWritten.headers.get('etag')).to.equal('"1"');
    expect(readWritten.body).to.deep.include({
      text: 'TA 12/8, pouls 72',
      amendments: 1,
      lastAmendmentReason: 'pouls ajouté',
      status: 'current',
    });
    // a duplicate keeps its content, marked withdrawn: it is this usager's own data
    expect(readReceived.body).to.deep.include({
      text: 'Fibroscan : F1.',
      status: 'withdrawn',
      withdrawalKind: 'duplicate',
      withdrawalReason: 'reçu deux fois',
      withdrawnBy: 'pro-doctor',
      contentWithheld: false,
    });
    expect(readReceived.body.source).to.include({ channel: 'dmp', documentReference: 'dmp-77' });
    expect(bySocialWorker.status).to.equal(403);
    expect(inAnotherOrganisation.status).to.equal(403);
  });

  it('names who amended an observation last and when, beside its author', async () => {
    // given an observation written by the doctor
    const observationId = randomUUID();
    await write('pro-doctor', { observationId, observedAt: '2026-03-10T10:00:00+01:00', text: 'Plaie propre.' });
    const path = `/organisations/${ORG}/clinical-observations/${observationId}`;
    const before = await app.request('GET', path, { as: tokens['pro-doctor'] });

    // when the nurse amends it, and the doctor reads it and lists the usager's observations
    const amended = await app.request('POST', `${path}/amendments`, {
      as: tokens['pro-nurse'],
      ifMatch: '"0"',
      body: { reason: 'pansement refait', text: 'Plaie propre, pansement refait.' },
    });
    const read = await app.request('GET', path, { as: tokens['pro-doctor'] });
    const listed = await list('pro-doctor');

    // then the author stays the doctor, and the nurse is named as the last amender, with the time
    expect(before.body).to.deep.include({ amendedBy: null, amendedAt: null });
    expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
    expect(read.body).to.deep.include({
      author: { professionalId: 'pro-doctor', profession: 'doctor' },
      text: 'Plaie propre, pansement refait.',
      amendedBy: { professionalId: 'pro-nurse', profession: 'nurse' },
    });
    expect(Date.parse(read.body.amendedAt)).to.be.closeTo(Date.now(), 60_000);
    const inList = (listed.body.observations as { observationId: string }[]).find(
      (observation) => observation.observationId === observationId,
    );
    expect(inList).to.deep.include({ amendedBy: { professionalId: 'pro-nurse', profession: 'nurse' } });
  });

  it('withholds the content of an observation withdrawn as filed in the wrong record, in the list and by id', async () => {
    // given an observation of usager-1 filed by mistake in usager-2's record, then withdrawn as such
    const observationId = randomUUID();
    const filed = await app.request('POST', `/organisations/${ORG}/usagers/${OTHER_USAGER}/clinical-observations`, {
      as: tokens['pro-doctor'],
      body: {
        observationId,
        facilityId: CSAPA,
        observedAt: '2026-03-13T10:00:00+01:00',
        title: 'Sérologie VHC',
        text: 'Sérologie VHC positive, ARN à demander.',
      },
    });
    const path = `/organisations/${ORG}/clinical-observations/${observationId}`;
    const withdrawn = await app.request('POST', `${path}/withdrawals`, {
      as: tokens['pro-doctor'],
      ifMatch: '"0"',
      body: { kind: 'wrong-record', reason: 'concerne usager-1, sérologie VHC' },
    });

    // when a doctor of usager-2's team lists usager-2's observations and reads this one by id
    const listed = await app.request(
      'GET',
      `/organisations/${ORG}/usagers/${OTHER_USAGER}/clinical-observations?facilityId=${CSAPA}`,
      { as: tokens['pro-doctor-out'] },
    );
    const read = await app.request('GET', path, { as: tokens['pro-doctor-out'] });

    // then the entry is there, marked withdrawn as filed in the wrong record (when, by whom),
    // without its title, its text, or any free text that could speak of the other usager
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).to.equal(200);
    expect(listed.status).to.equal(200);
    expect(read.status).to.equal(200);
    const inList = (listed.body.observations as { observationId: string }[]).find(
      (observation) => observation.observationId === observationId,
    );
    for (const observation of [inList, read.body]) {
      expect(observation).to.deep.include({
        observationId,
        status: 'withdrawn',
        withdrawalKind: 'wrong-record',
        contentWithheld: true,
        withdrawnBy: 'pro-doctor',
        title: null,
        text: null,
        withdrawalReason: null,
        lastAmendmentReason: null,
      });
      expect(Date.parse((observation as { withdrawnAt: string }).withdrawnAt)).to.be.closeTo(Date.now(), 60_000);
      expect(JSON.stringify(observation)).not.to.match(/VHC|ARN|usager-1/);
    }
  });

  it('refuses a withdrawal that does not say whether the observation was filed in the wrong record', async () => {
    // given an observation
    const observationId = randomUUID();
    await write('pro-doctor', { observationId });

    // when it is withdrawn with a reason only
    const withdrawn = await app.request(
      'POST',
      `/organisations/${ORG}/clinical-observations/${observationId}/withdrawals`,
      {
        as: tokens['pro-doctor'],
        ifMatch: '"0"',
        body: { reason: 'erreur' },
      },
    );

    // then the kind is asked for
    expect(withdrawn.status).to.equal(400);
  });
});
