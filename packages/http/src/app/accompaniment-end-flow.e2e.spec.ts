import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-end';
const CSAPA = '750000001';
const USAGER = 'usager-1';
const EXIT_DAY = '2026-03-13';
const DECEASED = 'usager-2';

describe('the HTTP API: what an accompaniment still takes once its exit day has passed', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let secretary: string;
  let socialWorker: string;

  before(async () => {
    app = await ServerUnderTest.start({}, undefined, { clock: () => new Date('2026-03-10T09:00:00+01:00') });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: USAGER, facilityId: CSAPA },
      ...(['doctor', 'psychologist'] as const).flatMap((role) => [
        { type: 'GrantRole' as const, professionalId: `pro-${role}`, facilityId: CSAPA, role },
        { type: 'AddToCareTeam' as const, professionalId: `pro-${role}`, serviceUserId: DECEASED, facilityId: CSAPA },
      ]),
    );
    secretary = await app.loginAs('pro-secretary');
    socialWorker = await app.loginAs('pro-social');
  });
  after(() => app.close());

  const recordExit = (accompanimentId: string) =>
    app.request('POST', `/organisations/${ORG}/accompaniments/${accompanimentId}/exit`, {
      as: secretary,
      body: {
        serviceUserId: USAGER,
        facilityId: CSAPA,
        exitDay: EXIT_DAY,
        exitReason: 'incarceration',
        destination: 'prison',
      },
    });
  const presence = (accompanimentId: string, day: string, attendanceId = randomUUID()) =>
    app.request('POST', `/organisations/${ORG}/accompaniments/${accompanimentId}/presences`, {
      as: secretary,
      body: { attendanceId, serviceUserId: USAGER, facilityId: CSAPA, day, planned: true },
    });
  const appointment = (accompanimentId: string, day: string) =>
    app.request('POST', `/organisations/${ORG}/planned-events`, {
      as: socialWorker,
      body: {
        plannedEventId: randomUUID(),
        facilityId: CSAPA,
        kind: 'appointment',
        title: 'Entretien social',
        startsAt: `${day}T10:00:00+01:00`,
        endsAt: `${day}T11:00:00+01:00`,
        serviceUserIds: [USAGER],
        accompanimentId,
      },
    });
  const contract = (contractId: string, act = '') =>
    `/organisations/${ORG}/stay-contracts/${contractId}${act ? `/${act}` : ''}`;
  const startProject = (projectId: string, accompanimentId: string, startedOn: string) =>
    app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/personalised-projects`, {
      as: socialWorker,
      body: { projectId, facilityId: CSAPA, accompanimentId, startedOn },
    });
  const refusedForTheExit = (answer: { status: number; body: { code?: string; detail?: string } }) => {
    expect(answer.status, JSON.stringify(answer.body)).to.equal(422);
    expect(answer.body.code).to.equal('ACCOMPANIMENT_ENDED');
    expect(answer.body.detail).to.match(/a pris fin le 13\/03\/2026/);
  };

  it('records presences up to the exit day, none after it, and still corrects the last one', async () => {
    // given an accompaniment that ended on 13 March
    const ended = randomUUID();
    const lastDay = randomUUID();
    expect((await presence(ended, '2026-03-12')).status).to.equal(201);
    expect((await recordExit(ended)).status).to.equal(201);

    // when a presence is recorded on the exit day and the day after, and the exit day corrected
    const onTheExitDay = await presence(ended, EXIT_DAY, lastDay);
    const theDayAfter = await presence(ended, '2026-03-14');
    const absenceAfter = await app.request('POST', `/organisations/${ORG}/accompaniments/${ended}/absences`, {
      as: secretary,
      body: {
        attendanceId: randomUUID(),
        serviceUserId: USAGER,
        facilityId: CSAPA,
        day: '2026-03-16',
        planned: false,
        justified: false,
      },
    });
    const corrected = await app.request(
      'POST',
      `/organisations/${ORG}/accompaniments/${ended}/attendance-corrections`,
      {
        as: secretary,
        body: {
          attendanceId: lastDay,
          day: EXIT_DAY,
          reason: 'parti avant midi, absent l’après-midi',
          attendance: { status: 'present', planned: true, leftAt: '11:30' },
        },
      },
    );
    const sheetAfter = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/attendance-sheet?day=2026-03-14`,
      { as: secretary },
    );

    // then the days after the exit hold nothing
    expect(onTheExitDay.status, JSON.stringify(onTheExitDay.body)).to.equal(201);
    refusedForTheExit(theDayAfter);
    expect(theDayAfter.body.detail).to.match(/aucune présence ni absence/);
    refusedForTheExit(absenceAfter);
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect(sheetAfter.body.lines).to.deep.equal([]);
  });

  it('signs, reviews, validates, starts and plans nothing past the exit day, and still closes and cancels', async () => {
    // given, in an accompaniment, a contract handed over, a project started and an appointment planned before its exit
    const accompanimentId = randomUUID();
    const contractId = randomUUID();
    const projectId = randomUUID();
    const drafted = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/stay-contracts`, {
      as: secretary,
      body: {
        contractId,
        kind: 'stay-contract',
        facilityId: CSAPA,
        accompanimentId,
        admittedOn: '2026-03-02',
        objectives: [],
        services: ['Accompagnement social'],
      },
    });
    const handedOver = await app.request('POST', contract(contractId, 'handovers'), {
      as: secretary,
      ifMatch: '"0"',
      body: { day: '2026-03-05' },
    });
    const started = await startProject(projectId, accompanimentId, '2026-03-02');
    const planned = await appointment(accompanimentId, '2026-03-12');
    for (const answer of [drafted, started, planned]) expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    expect(handedOver.status, JSON.stringify(handedOver.body)).to.equal(200);
    expect((await recordExit(accompanimentId)).status).to.equal(201);

    // when each is taken on after the exit day
    const signed = await app.request('POST', contract(contractId, 'signatures'), {
      as: secretary,
      ifMatch: '"1"',
      body: { day: '2026-03-16', signedForUsagerBy: 'usager', directorId: 'pro-director' },
    });
    const reviewed = await app.request('POST', contract(contractId, 'reviews'), {
      as: secretary,
      ifMatch: '"1"',
      body: { day: '2026-03-16', outcome: 'objectives-confirmed' },
    });
    const closed = await app.request('POST', contract(contractId, 'closures'), {
      as: secretary,
      ifMatch: '"1"',
      body: { day: '2026-03-16', reason: 'Incarcération' },
    });
    const validated = await app.request(
      'POST',
      `/organisations/${ORG}/personalised-projects/${projectId}/validations`,
      {
        as: socialWorker,
        ifMatch: '"0"',
        body: {
          validatedOn: '2026-03-16',
          coConstruction: { meetingOn: '2026-03-16', usagerPresent: true, usagerAgreement: 'agrees' },
        },
      },
    );
    const secondProject = await startProject(randomUUID(), accompanimentId, '2026-03-16');
    const plannedAfter = await appointment(accompanimentId, '2026-03-20');
    const movedAfter = await app.request(
      'POST',
      `/organisations/${ORG}/planned-events/${planned.body.plannedEventId}/reschedulings`,
      {
        as: socialWorker,
        body: { startsAt: '2026-03-18T10:00:00+01:00', endsAt: '2026-03-18T11:00:00+01:00' },
      },
    );
    const cancelled = await app.request(
      'POST',
      `/organisations/${ORG}/planned-events/${planned.body.plannedEventId}/cancellations`,
      { as: socialWorker, body: { reason: 'Usager incarcéré' } },
    );
    const contractAfter = await app.request('GET', contract(contractId), { as: secretary });

    // then what starts, binds or is planned after the exit is refused; closing and cancelling are not
    for (const answer of [signed, reviewed, validated, secondProject, plannedAfter, movedAfter])
      refusedForTheExit(answer);
    expect(signed.body.detail).to.match(/il ne reste qu’à le clore/);
    expect(closed.status, JSON.stringify(closed.body)).to.equal(200);
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
    expect(contractAfter.body).to.deep.include({ status: 'closed', signedOn: null, currentVersion: 0 });
    expect(contractAfter.body.reviews).to.deep.equal([]);
  });

  it('leaves the next accompaniment of the same usager open after a readmission', async () => {
    // given an accompaniment that ended on 13 March, and a readmission on 18 March under a new one
    const ended = randomUUID();
    const readmission = randomUUID();
    expect((await recordExit(ended)).status).to.equal(201);

    // when presences and an appointment are recorded in each, after the first exit
    const inTheEnded = await presence(ended, '2026-03-20');
    const inTheNext = await presence(readmission, '2026-03-20');
    const appointmentInTheNext = await appointment(readmission, '2026-03-20');

    // then only the ended one refuses them
    refusedForTheExit(inTheEnded);
    expect(inTheNext.status, JSON.stringify(inTheNext.body)).to.equal(201);
    expect(appointmentInTheNext.status, JSON.stringify(appointmentInTheNext.body)).to.equal(201);
  });

  it('prescribes nothing and plans no appointment dated after the usager’s death, and takes what came before it', async () => {
    // given the death of usager-2 recorded on 5 March, in an accompaniment of the CSAPA
    const died = await app.request('POST', `/organisations/${ORG}/accompaniments/${randomUUID()}/exit`, {
      as: secretary,
      body: {
        serviceUserId: DECEASED,
        facilityId: CSAPA,
        exitDay: '2026-03-05',
        exitReason: 'death',
        destination: 'not-applicable',
      },
    });
    expect(died.status, JSON.stringify(died.body)).to.equal(201);
    const doctor = await app.loginAs('pro-doctor');
    const psychologist = await app.loginAs('pro-psychologist');
    const exam = (prescribedOn: string) =>
      app.request('POST', `/organisations/${ORG}/usagers/${DECEASED}/exam-prescriptions`, {
        as: doctor,
        body: {
          prescriptionId: randomUUID(),
          facilityId: CSAPA,
          category: 'hcv-screening',
          examCode: 'TROD-VHC',
          examLabel: 'Test rapide d’orientation diagnostique du VHC',
          prescribedOn,
          dueOn: '2026-03-20',
          prescriber: { name: 'Dr Claire Martin', address: 'CSAPA, 12 rue des Lilas, 75020 Paris', setting: 'csapa' },
        },
      });

    // when an exam is prescribed on the day of the death (entered late), then the day after, and an appointment planned
    const onTheDay = await exam('2026-03-05');
    const theDayAfter = await exam('2026-03-06');
    const appointment = await app.request(
      'POST',
      `/organisations/${ORG}/usagers/${DECEASED}/psychologist-appointments`,
      {
        as: psychologist,
        body: {
          appointmentId: randomUUID(),
          facilityId: CSAPA,
          startsAt: '2026-03-12T10:00:00+01:00',
          durationMinutes: 45,
        },
      },
    );

    // then only what came before the death is taken
    expect(onTheDay.status, JSON.stringify(onTheDay.body)).to.equal(201);
    for (const refused of [theDayAfter, appointment]) {
      expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
      expect(refused.body.code).to.equal('USAGER_DECEASED');
      expect(refused.body.detail).to.match(/^Le décès de l’usager est enregistré, au 05\/03\/2026 : /);
    }
    expect(theDayAfter.body.detail).to.match(/aucune ordonnance/);
    expect(appointment.body.detail).to.match(/aucun rendez-vous/);
  });
});
