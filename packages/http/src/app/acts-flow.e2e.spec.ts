import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';

interface ListedAct {
  actId: string;
  actType: { code: string; sensitivity: string };
  performedBy: { professionalId: string; profession: string };
  durationMinutes: number;
  status: string;
  interventionId: string | null;
}

describe('the HTTP API: acts and interventions, their catalogue and their counts', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};

  before(async () => {
    app = await ServerUnderTest.start();
    const team = (professionalId: string, ...serviceUserIds: string[]) =>
      serviceUserIds.map((serviceUserId) => ({
        type: 'AddToCareTeam' as const,
        professionalId,
        serviceUserId,
        facilityId: CSAPA,
      }));
    const grant = (professionalId: string, role: 'doctor' | 'nurse' | 'educator' | 'psychologist' | 'director') => ({
      type: 'GrantRole' as const,
      professionalId,
      facilityId: CSAPA,
      role,
    });
    await app.asSystem(
      ORG,
      grant('pro-doctor', 'doctor'),
      ...team('pro-doctor', 'usager-1'),
      grant('pro-nurse', 'nurse'),
      ...team('pro-nurse', 'usager-1'),
      grant('pro-educ', 'educator'),
      ...team('pro-educ', 'usager-1', 'usager-2', 'usager-3'),
      grant('pro-psy', 'psychologist'),
      ...team('pro-psy', 'usager-1'),
      grant('pro-director', 'director'),
    );
    for (const id of ['pro-doctor', 'pro-nurse', 'pro-educ', 'pro-psy', 'pro-director']) {
      tokens[id] = await app.loginAs(id);
    }
  });
  after(() => app.close());

  const recordAct = (as: string, serviceUserId: string, body: Record<string, unknown>) =>
    app.request('POST', `/organisations/${ORG}/usagers/${serviceUserId}/acts`, {
      as: tokens[as],
      body: { actId: randomUUID(), facilityId: CSAPA, durationMinutes: 20, ...body },
    });
  const actsOf = (as: string, serviceUserId: string, query = '') =>
    app.request('GET', `/organisations/${ORG}/usagers/${serviceUserId}/acts?facilityId=${CSAPA}${query}`, {
      as: tokens[as],
    });

  it('records acts with their class from the catalogue, and shows each reader only the classes they may read, traced', async () => {
    // given a screening by the nurse, a consultation by the doctor, an interview by the psychologist
    const trod = randomUUID();
    const answers = [
      await recordAct('pro-nurse', 'usager-1', {
        actId: trod,
        actTypeCode: 'depistage-trod-vhc',
        performedAt: '2026-03-10T10:30:00+01:00',
        note: 'Résultat négatif.',
      }),
      await recordAct('pro-doctor', 'usager-1', {
        actTypeCode: 'consultation-medicale',
        performedAt: '2026-03-11T09:00:00+01:00',
        durationMinutes: 30,
      }),
      await recordAct('pro-psy', 'usager-1', {
        actTypeCode: 'entretien-psychologique',
        performedAt: '2026-03-12T14:00:00+01:00',
        durationMinutes: 45,
      }),
    ];
    const logBefore = (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-1'))).length;

    // when the doctor and the psychologist list the usager's acts, and the nurse reads hers
    const byDoctor = await actsOf('pro-doctor', 'usager-1');
    const byPsychologist = await actsOf('pro-psy', 'usager-1');
    const one = await app.request('GET', `/organisations/${ORG}/acts/${trod}`, { as: tokens['pro-nurse'] });
    const byPsychologistOne = await app.request('GET', `/organisations/${ORG}/acts/${trod}`, { as: tokens['pro-psy'] });
    const march10 = await actsOf('pro-doctor', 'usager-1', '&from=2026-03-10&to=2026-03-10');

    // then
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    expect(byDoctor.status).to.equal(200);
    expect(byDoctor.body.acts.map((act: ListedAct) => act.actType.code)).to.deep.equal([
      'consultation-medicale',
      'depistage-trod-vhc',
    ]);
    expect(byPsychologist.body.acts.map((act: ListedAct) => [act.actType.code, act.actType.sensitivity])).to.deep.equal(
      [['entretien-psychologique', 'psychological']],
    );
    expect(one.status).to.equal(200);
    expect(one.headers.get('etag')).to.equal('"0"');
    expect(one.body).to.deep.include({
      actId: trod,
      actType: { code: 'depistage-trod-vhc', label: 'Dépistage TROD VHC', sensitivity: 'medical' },
      performedBy: { professionalId: 'pro-nurse', profession: 'nurse' },
      performedAt: '2026-03-10T10:30:00+01:00',
      durationMinutes: 20,
      note: 'Résultat négatif.',
      status: 'recorded',
    });
    expect(byPsychologistOne.status).to.equal(403);
    expect(march10.body.acts.map((act: ListedAct) => act.actId)).to.deep.equal([trod]);
    const log = (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-1'))).slice(logBefore);
    expect(log.map((entry) => [entry.metadata.actor.id, (entry.data as { resource: string }).resource])).to.deep.equal([
      ['pro-doctor', 'acts'],
      ['pro-psy', 'acts'],
      ['pro-nurse', 'act'],
      ['pro-doctor', 'acts'],
    ]);
  });

  it('corrects an act with If-Match and a reason, then cancels it; only its professions may', async () => {
    // given a nursing care act
    const actId = randomUUID();
    await recordAct('pro-nurse', 'usager-1', {
      actId,
      actTypeCode: 'soins-infirmiers',
      performedAt: '2026-03-13T08:00:00+01:00',
    });
    const path = `/organisations/${ORG}/acts/${actId}`;

    // when the nurse corrects its duration, the doctor tries to, a stale revision is sent, then it is cancelled
    const corrected = await app.request('POST', `${path}/corrections`, {
      as: tokens['pro-nurse'],
      ifMatch: '"0"',
      body: { reason: 'durée mal saisie', durationMinutes: 35 },
    });
    const byDoctor = await app.request('POST', `${path}/corrections`, {
      as: tokens['pro-doctor'],
      ifMatch: '"1"',
      body: { reason: 'durée', durationMinutes: 40 },
    });
    const stale = await app.request('POST', `${path}/corrections`, {
      as: tokens['pro-nurse'],
      ifMatch: '"0"',
      body: { reason: 'durée', durationMinutes: 40 },
    });
    const cancelled = await app.request('POST', `${path}/cancellations`, {
      as: tokens['pro-nurse'],
      ifMatch: '"1"',
      body: { reason: 'saisi dans le mauvais dossier' },
    });
    const afterwards = await app.request('POST', `${path}/corrections`, {
      as: tokens['pro-nurse'],
      ifMatch: '"2"',
      body: { reason: 'durée', durationMinutes: 40 },
    });
    const read = await app.request('GET', path, { as: tokens['pro-nurse'] });

    // then
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect(corrected.body).to.deep.equal({ actId, revision: 1 });
    expect(byDoctor.status).to.equal(403);
    expect(stale.status).to.equal(412);
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
    expect(afterwards.status).to.equal(422);
    expect(afterwards.body.code).to.equal('ACT_CANCELLED');
    expect(read.body).to.deep.include({
      durationMinutes: 35,
      corrections: 1,
      status: 'cancelled',
      cancelReason: 'saisi dans le mauvais dossier',
      revision: 2,
    });
  });

  it('records a collective intervention as one act per participant, counted once by profession and type', async () => {
    // given an educator running a workshop with three usagers, and two individual acts in March
    const interventionId = randomUUID();
    const participants = ['usager-1', 'usager-2', 'usager-3'].map((serviceUserId) => ({
      actId: randomUUID(),
      serviceUserId,
    }));
    const workshop = await app.request('POST', `/organisations/${ORG}/collective-interventions`, {
      as: tokens['pro-educ'],
      body: {
        interventionId,
        facilityId: CSAPA,
        actTypeCode: 'atelier-collectif',
        performedAt: '2026-03-20T14:00:00+01:00',
        durationMinutes: 90,
        note: 'Atelier cuisine.',
        participants,
      },
    });
    await recordAct('pro-educ', 'usager-2', {
      actTypeCode: 'entretien-educatif',
      performedAt: '2026-03-21T10:00:00+01:00',
      durationMinutes: 30,
    });
    const outsideTeam = await app.request('POST', `/organisations/${ORG}/collective-interventions`, {
      as: tokens['pro-doctor'],
      body: {
        interventionId: randomUUID(),
        facilityId: CSAPA,
        actTypeCode: 'consultation-medicale',
        durationMinutes: 15,
        participants: [
          { actId: randomUUID(), serviceUserId: 'usager-1' },
          { actId: randomUUID(), serviceUserId: 'usager-2' },
        ],
      },
    });

    // when usager-2's acts are read, and the director counts March's acts
    const ofUsager2 = await actsOf('pro-educ', 'usager-2');
    const counts = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/act-counts?from=2026-03-01&to=2026-03-31`,
      { as: tokens['pro-director'] },
    );
    const countsByStranger = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/750000002/act-counts?from=2026-03-01&to=2026-03-31`,
      { as: tokens['pro-director'] },
    );

    // then the workshop is one act per participant, each in their own record
    expect(workshop.status, JSON.stringify(workshop.body)).to.equal(201);
    expect(workshop.body.acts.map((act: { serviceUserId: string }) => act.serviceUserId)).to.deep.equal([
      'usager-1',
      'usager-2',
      'usager-3',
    ]);
    expect(outsideTeam.status, 'the doctor is not in usager-2’s team: nothing recorded').to.equal(403);
    for (const participant of participants) {
      const stream = await app.server.store.readStream(`act/${ORG}/${participant.actId}`);
      expect(stream.map((event) => event.metadata.serviceUserId)).to.deep.equal([participant.serviceUserId]);
    }
    expect(ofUsager2.body.acts.map((act: ListedAct) => [act.actType.code, act.interventionId])).to.deep.equal([
      ['entretien-educatif', null],
      ['atelier-collectif', interventionId],
    ]);
    // and the counts take the interventions once, the participants apart, cancelled acts not at all
    expect(counts.status, JSON.stringify(counts.body)).to.equal(200);
    const byType = Object.fromEntries(
      counts.body.byProfessionAndType.map(
        (row: {
          profession: string;
          actType: { code: string };
          acts: number;
          participations: number;
          minutes: number;
        }) => [`${row.profession}/${row.actType.code}`, [row.acts, row.participations, row.minutes]],
      ),
    );
    expect(byType).to.deep.include({
      'educator/atelier-collectif': [1, 3, 90],
      'educator/entretien-educatif': [1, 1, 30],
      'nurse/depistage-trod-vhc': [1, 1, 20],
      'doctor/consultation-medicale': [1, 1, 30],
      'psychologist/entretien-psychologique': [1, 1, 45],
    });
    expect(byType).to.not.have.property('nurse/soins-infirmiers');
    expect(
      counts.body.byProfession.find((row: { profession: string }) => row.profession === 'educator'),
    ).to.deep.include({ acts: 2, participations: 4, serviceUsers: 3, minutes: 120 });
    expect(countsByStranger.status).to.equal(403);
  });

  it('keeps the catalogue as data: the direction adds and retires types, which decide who records what', async () => {
    // given the director adds a cooking workshop for educators
    const added = await app.request('POST', `/organisations/${ORG}/act-types`, {
      as: tokens['pro-director'],
      body: {
        actTypeCode: 'atelier-cuisine',
        label: 'Atelier cuisine',
        professions: ['educator'],
        sensitivity: 'social',
      },
    });
    const byNurse = await app.request('POST', `/organisations/${ORG}/act-types`, {
      as: tokens['pro-nurse'],
      body: { actTypeCode: 'atelier-jardin', label: 'Atelier jardin', professions: ['nurse'], sensitivity: 'medical' },
    });
    const unwritable = await app.request('POST', `/organisations/${ORG}/act-types`, {
      as: tokens['pro-director'],
      body: { actTypeCode: 'atelier-soin', label: 'Atelier soin', professions: ['educator'], sensitivity: 'medical' },
    });

    // when the educator and the doctor record it, then it is retired and recorded again
    const byEducator = await recordAct('pro-educ', 'usager-1', {
      actTypeCode: 'atelier-cuisine',
      performedAt: '2026-03-25T10:00:00+01:00',
    });
    const byDoctor = await recordAct('pro-doctor', 'usager-1', {
      actTypeCode: 'atelier-cuisine',
      performedAt: '2026-03-25T10:00:00+01:00',
    });
    const medicalByEducator = await recordAct('pro-educ', 'usager-1', { actTypeCode: 'vaccination' });
    const unknown = await recordAct('pro-educ', 'usager-1', { actTypeCode: 'inconnu' });
    const future = await recordAct('pro-educ', 'usager-1', {
      actTypeCode: 'entretien-educatif',
      performedAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const retired = await app.request('POST', `/organisations/${ORG}/act-types/atelier-cuisine/retirements`, {
      as: tokens['pro-director'],
      body: { reason: 'atelier arrêté' },
    });
    const afterRetirement = await recordAct('pro-educ', 'usager-1', { actTypeCode: 'atelier-cuisine' });
    const active = await app.request('GET', `/organisations/${ORG}/act-types`, { as: tokens['pro-educ'] });
    const all = await app.request('GET', `/organisations/${ORG}/act-types?includeRetired=true`, {
      as: tokens['pro-educ'],
    });

    // then
    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    expect(byNurse.status).to.equal(403);
    expect([unwritable.status, unwritable.body.code]).to.deep.equal([422, 'ACT_TYPE_PROFESSION_CANNOT_WRITE']);
    expect(byEducator.status, JSON.stringify(byEducator.body)).to.equal(201);
    expect([byDoctor.status, byDoctor.body.code]).to.deep.equal([422, 'ACT_NOT_FOR_PROFESSION']);
    expect(byDoctor.body.detail).to.equal('« Atelier cuisine » est un acte de : éducateur ; pas de médecin.');
    expect(medicalByEducator.status, 'educators do not write medical data').to.equal(403);
    expect([unknown.status, unknown.body.code]).to.deep.equal([422, 'ACT_TYPE_NOT_FOUND']);
    expect([future.status, future.body.code]).to.deep.equal([422, 'ACT_IN_FUTURE']);
    expect(retired.status, JSON.stringify(retired.body)).to.equal(200);
    expect([afterRetirement.status, afterRetirement.body.code]).to.deep.equal([422, 'ACT_TYPE_RETIRED']);
    const codes = (answer: typeof active) => answer.body.actTypes.map((type: { code: string }) => type.code);
    expect(codes(active)).to.include('consultation-medicale').and.not.include('atelier-cuisine');
    expect(all.body.actTypes.find((type: { code: string }) => type.code === 'atelier-cuisine')).to.deep.equal({
      code: 'atelier-cuisine',
      label: 'Atelier cuisine',
      professions: ['educator'],
      sensitivity: 'social',
      retired: true,
    });
  });
});
