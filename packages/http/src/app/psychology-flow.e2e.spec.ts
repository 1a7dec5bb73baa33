import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';
import { TestClock } from './testing/test-clock.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const USAGER = 'usager-1';
// The server's clock, moved by the tests: an appointment's time comes when they say, not after a
// sleep that a slow request could outrun, and the days counted from it stay the same all along.
const clock = new TestClock(Date.now());
const inDays = (days: number, hour = 10) => {
  const date = new Date(clock.now().getTime() + days * 86_400_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString();
};

describe('the HTTP API: the psychologists’ module', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};

  before(async () => {
    app = await ServerUnderTest.start({}, undefined, { clock: clock.now });
    const inTeam = (professionalId: string, role: 'psychologist' | 'doctor') => [
      { type: 'GrantRole' as const, professionalId, facilityId: CSAPA, role },
      { type: 'AddToCareTeam' as const, professionalId, serviceUserId: USAGER, facilityId: CSAPA },
    ];
    await app.asSystem(ORG, ...inTeam('pro-psy', 'psychologist'), ...inTeam('pro-doctor', 'doctor'), {
      type: 'GrantRole',
      professionalId: 'pro-psy-out',
      facilityId: CSAPA,
      role: 'psychologist',
    });
    for (const id of ['pro-psy', 'pro-doctor', 'pro-psy-out']) tokens[id] = await app.loginAs(id);
  });
  after(() => app.close());

  const plan = (as: string, body: Record<string, unknown> = {}) =>
    app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/psychologist-appointments`, {
      as: tokens[as],
      body: { appointmentId: randomUUID(), facilityId: CSAPA, startsAt: inDays(2), durationMinutes: 45, ...body },
    });
  const appointmentPath = (appointmentId: string) => `/organisations/${ORG}/psychologist-appointments/${appointmentId}`;
  const agenda = (as: string, query = '') =>
    app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/psychologist-appointments?psychologistId=pro-psy${query}`,
      {
        as: tokens[as],
      },
    );

  it('plans, reschedules and cancels appointments, shown in the psychologist’s agenda and to nobody else', async () => {
    // given two appointments planned by the psychologist of the team
    const [first, second] = [randomUUID(), randomUUID()];
    const planned = [
      await plan('pro-psy', { appointmentId: first, location: 'bureau 2' }),
      await plan('pro-psy', { appointmentId: second, startsAt: inDays(3) }),
    ];
    const byDoctor = await plan('pro-doctor');
    const byPsychologistOutside = await plan('pro-psy-out');
    const inThePast = await plan('pro-psy', { startsAt: inDays(-1) });

    // when the first is moved after the second, the second cancelled by the usager
    const rescheduled = await app.request('POST', `${appointmentPath(first)}/reschedulings`, {
      as: tokens['pro-psy'],
      body: { startsAt: inDays(4), reason: 'formation' },
    });
    const cancelled = await app.request('POST', `${appointmentPath(second)}/cancellations`, {
      as: tokens['pro-psy'],
      body: { requestedBy: 'usager', reason: 'hospitalisé' },
    });
    const tooEarly = await app.request('POST', `${appointmentPath(first)}/outcomes`, {
      as: tokens['pro-psy'],
      body: { outcome: 'held' },
    });
    const ownAgenda = await agenda('pro-psy');
    const doctorsView = await agenda('pro-doctor');
    const doctorsRead = await app.request('GET', appointmentPath(first), { as: tokens['pro-doctor'] });
    const outsideRead = await app.request('GET', appointmentPath(first), { as: tokens['pro-psy-out'] });
    const ofUsagerByDoctor = await agenda('pro-doctor', `&serviceUserId=${USAGER}`);

    // then
    for (const answer of planned) expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    expect(byDoctor.status, 'only psychologists write psychological data').to.equal(403);
    expect(byPsychologistOutside.status, 'a psychologist outside the care team').to.equal(403);
    expect([inThePast.status, inThePast.body.code]).to.deep.equal([422, 'APPOINTMENT_IN_THE_PAST']);
    expect(rescheduled.status, JSON.stringify(rescheduled.body)).to.equal(200);
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
    expect([tooEarly.status, tooEarly.body.code]).to.deep.equal([422, 'APPOINTMENT_NOT_YET_DUE']);
    expect(ownAgenda.status).to.equal(200);
    expect(
      ownAgenda.body.appointments.map((appointment: { appointmentId: string; status: string }) => [
        appointment.appointmentId,
        appointment.status,
      ]),
    ).to.deep.equal([
      [second, 'cancelled'],
      [first, 'planned'],
    ]);
    expect(ownAgenda.body.appointments[0]).to.include({ cancelledBy: 'usager', cancelReason: 'hospitalisé' });
    expect(ownAgenda.body.appointments[1]).to.include({ location: 'bureau 2', reschedulings: 1, startsAt: inDays(4) });
    expect(doctorsView.status).to.equal(200);
    expect(doctorsView.body.appointments, 'the usager allowed nobody').to.deep.equal([]);
    expect(doctorsRead.status).to.equal(403);
    expect(doctorsRead.body.reason).to.equal('notAllowedByServiceUser');
    expect(outsideRead.status).to.equal(403);
    expect(ofUsagerByDoctor.status).to.equal(403);
  });

  it('says an appointment held once its time has come', async () => {
    // given an appointment in a moment
    const appointmentId = randomUUID();
    const planned = await plan('pro-psy', {
      appointmentId,
      startsAt: new Date(clock.now().getTime() + 60_000).toISOString(),
      durationMinutes: 30,
    });

    // when its time has come
    clock.advance(60_000);
    const held = await app.request('POST', `${appointmentPath(appointmentId)}/outcomes`, {
      as: tokens['pro-psy'],
      body: { outcome: 'held' },
    });
    const again = await app.request('POST', `${appointmentPath(appointmentId)}/outcomes`, {
      as: tokens['pro-psy'],
      body: { outcome: 'missed' },
    });
    const read = await app.request('GET', appointmentPath(appointmentId), { as: tokens['pro-psy'] });

    // then
    expect(planned.status, JSON.stringify(planned.body)).to.equal(201);
    expect(held.status, JSON.stringify(held.body)).to.equal(200);
    expect([again.status, again.body.code]).to.deep.equal([422, 'APPOINTMENT_CLOSED']);
    expect(read.body).to.include({ status: 'held', revision: 1 });
    expect(read.headers.get('etag')).to.equal('"1"');
  });

  it('says an appointment missed once its time has come, in the psychologist’s agenda and the usager’s psychological file', async () => {
    // given an appointment in a moment
    const appointmentId = randomUUID();
    const startsAt = new Date(clock.now().getTime() + 60_000).toISOString();
    const planned = await plan('pro-psy', { appointmentId, startsAt, durationMinutes: 30 });
    const markMissed = (as: string) =>
      app.request('POST', `${appointmentPath(appointmentId)}/outcomes`, {
        as: tokens[as],
        body: { outcome: 'missed' },
      });
    const tooEarly = await markMissed('pro-psy');

    // when its time has come and the usager did not come
    clock.advance(60_000);
    const byDoctor = await markMissed('pro-doctor');
    const missed = await markMissed('pro-psy');
    const heldAfterwards = await app.request('POST', `${appointmentPath(appointmentId)}/outcomes`, {
      as: tokens['pro-psy'],
      body: { outcome: 'held' },
    });
    const read = await app.request('GET', appointmentPath(appointmentId), { as: tokens['pro-psy'] });
    const ownAgenda = await agenda('pro-psy');
    const file = await app.request('GET', `/organisations/${ORG}/usagers/${USAGER}/psychology?facilityId=${CSAPA}`, {
      as: tokens['pro-psy'],
    });

    // then
    expect(planned.status, JSON.stringify(planned.body)).to.equal(201);
    expect([tooEarly.status, tooEarly.body.code]).to.deep.equal([422, 'APPOINTMENT_NOT_YET_DUE']);
    expect(byDoctor.status, JSON.stringify(byDoctor.body)).to.equal(403);
    expect(missed.status, JSON.stringify(missed.body)).to.equal(200);
    expect(missed.body).to.include({ revision: 1 });
    expect([heldAfterwards.status, heldAfterwards.body.code]).to.deep.equal([422, 'APPOINTMENT_CLOSED']);
    expect(read.status, JSON.stringify(read.body)).to.equal(200);
    expect(read.body).to.include({ appointmentId, status: 'missed', startsAt, revision: 1 });
    expect(read.headers.get('etag')).to.equal('"1"');
    expect(ownAgenda.status, JSON.stringify(ownAgenda.body)).to.equal(200);
    const inAgenda = ownAgenda.body.appointments.find(
      (appointment: { appointmentId: string }) => appointment.appointmentId === appointmentId,
    );
    expect(inAgenda).to.include({ status: 'missed', psychologistId: 'pro-psy', revision: 1 });
    expect(file.status, JSON.stringify(file.body)).to.equal(200);
    const inFile = file.body.appointments.find(
      (appointment: { appointmentId: string }) => appointment.appointmentId === appointmentId,
    );
    expect(inFile).to.include({ status: 'missed', serviceUserId: USAGER, revision: 1 });
  });

  it('keeps assessments and notes in the usager’s psychological file, opened to the doctor once the usager allows it', async () => {
    // given an assessment amended with If-Match, and a psychologist's note written as a psychological record note
    const assessmentId = randomUUID();
    const recorded = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/psychological-assessments`, {
      as: tokens['pro-psy'],
      body: {
        assessmentId,
        facilityId: CSAPA,
        assessedOn: '2026-03-09',
        tools: ['entretien clinique', 'MoCA'],
        conclusions: 'Troubles attentionnels modérés.',
      },
    });
    const assessmentPath = `/organisations/${ORG}/psychological-assessments/${assessmentId}`;
    const amended = await app.request('POST', `${assessmentPath}/amendments`, {
      as: tokens['pro-psy'],
      ifMatch: '"0"',
      body: { reason: 'outil oublié', tools: ['entretien clinique', 'MoCA', 'BDI-II'] },
    });
    const noteId = randomUUID();
    const note = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/notes`, {
      as: tokens['pro-psy'],
      body: { noteId, facilityId: CSAPA, sensitivity: 'psychological', text: 'Alliance thérapeutique installée.' },
    });
    const byDoctor = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/psychological-assessments`, {
      as: tokens['pro-doctor'],
      body: { assessmentId: randomUUID(), facilityId: CSAPA, assessedOn: '2026-03-09', tools: [], conclusions: 'x' },
    });
    const file = `/organisations/${ORG}/usagers/${USAGER}/psychology?facilityId=${CSAPA}`;
    const logBefore = (await app.server.store.readStream(accessLogStreamId(ORG, USAGER))).length;

    // when the psychologist and the doctor read the file, then the usager allows the doctor
    const byPsychologist = await app.request('GET', file, { as: tokens['pro-psy'] });
    const closed = await app.request('GET', file, { as: tokens['pro-doctor'] });
    await app.asSystem(ORG, { type: 'AllowPsychologicalNotes', serviceUserId: USAGER, professionalId: 'pro-doctor' });
    const allowed = await app.request('GET', file, { as: tokens['pro-doctor'] });
    const allowedAssessment = await app.request('GET', assessmentPath, { as: tokens['pro-doctor'] });
    const stillNoWriting = await app.request('POST', `${assessmentPath}/amendments`, {
      as: tokens['pro-doctor'],
      ifMatch: '"1"',
      body: { reason: 'x', conclusions: 'autres' },
    });

    // then
    expect(recorded.status, JSON.stringify(recorded.body)).to.equal(201);
    expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
    expect(note.status, JSON.stringify(note.body)).to.equal(201);
    expect(byDoctor.status).to.equal(403);
    expect(byPsychologist.status).to.equal(200);
    expect(byPsychologist.body.assessments).to.have.length(1);
    expect(byPsychologist.body.assessments[0]).to.deep.include({
      assessmentId,
      psychologistId: 'pro-psy',
      tools: ['entretien clinique', 'MoCA', 'BDI-II'],
      amendments: 1,
      lastAmendmentReason: 'outil oublié',
    });
    expect(byPsychologist.body.notes.map((n: { noteId: string; text: string }) => [n.noteId, n.text])).to.deep.equal([
      [noteId, 'Alliance thérapeutique installée.'],
    ]);
    expect(byPsychologist.body.appointments.length).to.be.greaterThan(0);
    expect(closed.status).to.equal(403);
    expect(closed.body.reason).to.equal('notAllowedByServiceUser');
    expect(allowed.status).to.equal(200);
    expect(allowed.body).to.deep.equal(byPsychologist.body);
    expect(allowedAssessment.status).to.equal(200);
    expect(stillNoWriting.status, 'an allowance opens reading only').to.equal(403);
    const log = (await app.server.store.readStream(accessLogStreamId(ORG, USAGER))).slice(logBefore);
    expect(
      log.map((entry) => {
        const data = entry.data as { resource: string; sensitivities: string[] };
        return [entry.metadata.actor.id, data.resource, data.sensitivities];
      }),
    ).to.deep.equal([
      ['pro-psy', 'psychology', ['psychological']],
      ['pro-doctor', 'psychology', ['psychological']],
      ['pro-doctor', 'psychological-assessment', ['psychological']],
    ]);
  });

  it('records, as the psychologist collects them, the usager’s allowance and its withdrawal, which closes the file again', async () => {
    // given a second doctor in the usager's team
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-doctor-2', facilityId: CSAPA, role: 'doctor' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor-2', serviceUserId: USAGER, facilityId: CSAPA },
    );
    const doctor = await app.loginAs('pro-doctor-2');
    const file = `/organisations/${ORG}/usagers/${USAGER}/psychology?facilityId=${CSAPA}`;
    const consent = (path: string) =>
      app.request('POST', `/organisations/${ORG}/habilitations/${path}`, {
        as: tokens['pro-psy'],
        body: { serviceUserId: USAGER, professionalId: 'pro-doctor-2' },
      });

    // when the psychologist records the usager's allowance, then its withdrawal, and the doctor reads after each
    const allowed = await consent('psychological-notes-allowances');
    const whileAllowed = await app.request('GET', file, { as: doctor });
    const withdrawn = await consent('psychological-notes-withdrawals');
    const afterWithdrawal = await app.request('GET', file, { as: doctor });
    const withdrawnAgain = await consent('psychological-notes-withdrawals');

    // then the file opens with the allowance and closes with its withdrawal, from the next request
    expect(allowed.status, JSON.stringify(allowed.body)).to.equal(200);
    expect(whileAllowed.status).to.equal(200);
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).to.equal(200);
    expect(afterWithdrawal.status).to.equal(403);
    expect(afterWithdrawal.body.reason).to.equal('notAllowedByServiceUser');
    expect(withdrawnAgain.status).to.equal(422);
    expect(withdrawnAgain.body.code).to.equal('PSYCHOLOGICAL_NOTES_NOT_ALLOWED');
  });
});
