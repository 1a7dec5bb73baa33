import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import ICAL from 'ical.js';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const base = `/organisations/${ORG}`;

/** The events of an iCalendar document, parsed back with ical.js (not the library that wrote it). */
function parseIcs(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  expect(calendar.name).to.equal('vcalendar');
  expect(calendar.getFirstPropertyValue('version')).to.equal('2.0');
  expect(calendar.getFirstPropertyValue('prodid')).to.be.a('string');
  return calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      location: event.location,
      description: event.description,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      status: component.getFirstPropertyValue('status'),
      stamp: component.getFirstPropertyValue('dtstamp'),
    };
  });
}

describe('the HTTP API: planned events, agendas, their ICS feeds, and information', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let now = new Date('2026-11-20T09:00:00+01:00');
  const tokens: Record<string, string> = {};
  const outingId = randomUUID();
  const appointmentId = randomUUID();

  before(async () => {
    app = await ServerUnderTest.start({}, undefined, { clock: () => now });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretaire', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-educ', facilityId: CSAPA, role: 'educator' },
      { type: 'AddToCareTeam', professionalId: 'pro-educ', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-educ', serviceUserId: 'usager-2', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-infirmier', facilityId: CSAPA, role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: 'pro-infirmier', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-medecin', facilityId: CSAPA, role: 'doctor' },
    );
    for (const id of ['pro-secretaire', 'pro-educ', 'pro-infirmier', 'pro-medecin']) tokens[id] = await app.loginAs(id);
  });
  after(() => app.close());

  it('plans an outing, holds it, records each participant’s presence, and reads it back as each reader may', async () => {
    // given an outing the educator organises with two usagers, the nurse and a partner
    const planned = await app.request('POST', `${base}/planned-events`, {
      as: tokens['pro-educ'],
      body: {
        plannedEventId: outingId,
        facilityId: CSAPA,
        kind: 'outing',
        title: 'Sortie au musée',
        startsAt: '2026-12-01T14:00:00+01:00',
        endsAt: '2026-12-01T17:00:00+01:00',
        place: 'Musée des Confluences',
        serviceUserIds: ['usager-1', 'usager-2'],
        professionalIds: ['pro-infirmier'],
        partners: ['Culture du cœur'],
      },
    });
    const unknownColleague = await app.request('POST', `${base}/planned-events`, {
      as: tokens['pro-educ'],
      body: {
        plannedEventId: randomUUID(),
        facilityId: CSAPA,
        kind: 'collective-activity',
        title: 'Atelier',
        startsAt: '2026-12-02T14:00:00+01:00',
        endsAt: '2026-12-02T15:00:00+01:00',
        professionalIds: ['pro-inconnu'],
      },
    });
    const byNurseOutsideTeam = await app.request('POST', `${base}/planned-events`, {
      as: tokens['pro-infirmier'],
      body: {
        plannedEventId: randomUUID(),
        facilityId: CSAPA,
        kind: 'appointment',
        title: 'Soins',
        startsAt: '2026-12-02T14:00:00+01:00',
        endsAt: '2026-12-02T15:00:00+01:00',
        serviceUserIds: ['usager-2'],
      },
    });

    // when it is moved, said held once started, and each presence recorded
    const moved = await app.request('POST', `${base}/planned-events/${outingId}/reschedulings`, {
      as: tokens['pro-educ'],
      ifMatch: '"0"',
      body: { startsAt: '2026-12-01T13:30:00+01:00', endsAt: '2026-12-01T17:00:00+01:00', reason: 'horaires du musée' },
    });
    const tooEarly = await app.request('POST', `${base}/planned-events/${outingId}/completions`, {
      as: tokens['pro-educ'],
      body: {},
    });
    now = new Date('2026-12-01T18:00:00+01:00');
    const held = await app.request('POST', `${base}/planned-events/${outingId}/completions`, {
      as: tokens['pro-educ'],
      body: {},
    });
    const attend = (as: string, body: Record<string, unknown>) =>
      app.request('POST', `${base}/planned-events/${outingId}/attendances`, { as: tokens[as], body });
    const present = await attend('pro-infirmier', {
      participant: { kind: 'usager', serviceUserId: 'usager-1' },
      status: 'present',
    });
    const absent = await attend('pro-educ', {
      participant: { kind: 'usager', serviceUserId: 'usager-2' },
      status: 'absent',
      justified: true,
      reason: 'rendez-vous médical',
    });
    const byNurseForOther = await attend('pro-infirmier', {
      participant: { kind: 'usager', serviceUserId: 'usager-2' },
      status: 'present',
      correctionReason: 'erreur',
    });
    const uncorrected = await attend('pro-educ', {
      participant: { kind: 'usager', serviceUserId: 'usager-1' },
      status: 'absent',
    });
    const corrected = await attend('pro-educ', {
      participant: { kind: 'usager', serviceUserId: 'usager-1' },
      status: 'absent',
      justified: false,
      correctionReason: 'parti avant le départ',
    });
    const partner = await attend('pro-educ', {
      participant: { kind: 'partner', name: 'Culture du cœur' },
      status: 'present',
    });
    const stranger = await attend('pro-educ', {
      participant: { kind: 'usager', serviceUserId: 'usager-9' },
      status: 'present',
    });

    // then
    expect(planned.status, JSON.stringify(planned.body)).to.equal(201);
    expect(unknownColleague.status).to.equal(422);
    expect(unknownColleague.body.code).to.equal('PROFESSIONAL_UNKNOWN');
    expect(byNurseOutsideTeam.status).to.equal(403);
    expect(moved.status, JSON.stringify(moved.body)).to.equal(200);
    expect(tooEarly.status).to.equal(422);
    expect(tooEarly.body.code).to.equal('PLANNED_EVENT_NOT_YET_STARTED');
    expect(held.status, JSON.stringify(held.body)).to.equal(200);
    expect(present.status, JSON.stringify(present.body)).to.equal(200);
    expect(absent.status, JSON.stringify(absent.body)).to.equal(200);
    expect(byNurseForOther.status).to.equal(403);
    expect(uncorrected.status).to.equal(422);
    expect(uncorrected.body.code).to.equal('ATTENDANCE_CORRECTION_REASON_REQUIRED');
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect(partner.status).to.equal(200);
    expect(stranger.status).to.equal(422);
    expect(stranger.body.code).to.equal('NOT_A_PARTICIPANT');

    // and read back: the nurse takes part and sees who came; the doctor of the ESSMS, outside the teams, does not
    const logBefore = (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-2'))).length;
    const byNurse = await app.request('GET', `${base}/planned-events/${outingId}`, { as: tokens['pro-infirmier'] });
    const byDoctor = await app.request('GET', `${base}/planned-events/${outingId}`, { as: tokens['pro-medecin'] });
    const usagers = (answer: typeof byNurse) =>
      answer.body.participants.filter((participant: { kind: string }) => participant.kind === 'usager');
    expect(byNurse.status).to.equal(200);
    expect(byNurse.headers.get('etag')).to.equal('"6"');
    expect(byNurse.body).to.deep.include({
      title: 'Sortie au musée',
      status: 'held',
      startsAt: '2026-12-01T12:30:00.000Z',
      reschedulings: 1,
      organiserId: 'pro-educ',
    });
    expect(usagers(byNurse)).to.deep.equal([
      {
        kind: 'usager',
        id: 'usager-1',
        organiser: false,
        attendance: { status: 'absent', justified: false, reason: null },
      },
      {
        kind: 'usager',
        id: 'usager-2',
        organiser: false,
        attendance: { status: 'absent', justified: true, reason: 'rendez-vous médical' },
      },
    ]);
    expect(byDoctor.status).to.equal(200);
    expect(usagers(byDoctor)).to.deep.equal([
      { kind: 'usager', id: null, organiser: false, attendance: null },
      { kind: 'usager', id: null, organiser: false, attendance: null },
    ]);
    const log = (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-2'))).slice(logBefore);
    expect(log.map((entry) => [entry.metadata.actor.id, (entry.data as { resource: string }).resource])).to.deep.equal([
      ['pro-infirmier', 'planned-event'],
    ]);

    // and the ESSMS' planning of the day, the usager's agenda
    const planning = await app.request(
      'GET',
      `${base}/facilities/${CSAPA}/planned-events?from=2026-12-01&to=2026-12-01`,
      {
        as: tokens['pro-secretaire'],
      },
    );
    expect(planning.body.plannedEvents.map((event: { plannedEventId: string }) => event.plannedEventId)).to.deep.equal([
      outingId,
    ]);
    const agenda = await app.request('GET', `${base}/usagers/usager-1/agenda?from=2026-11-30&to=2026-12-31`, {
      as: tokens['pro-secretaire'],
    });
    expect(agenda.status, JSON.stringify(agenda.body)).to.equal(200);
    expect(agenda.body.entries).to.deep.equal([
      {
        source: 'planned-event',
        id: outingId,
        facilityId: CSAPA,
        kind: 'outing',
        kindLabel: 'Sortie',
        title: 'Sortie au musée',
        start: '2026-12-01T12:30:00.000Z',
        end: '2026-12-01T16:00:00.000Z',
        place: 'Musée des Confluences',
        status: 'held',
        statusLabel: 'a eu lieu',
        attendance: 'absent',
        revision: 6,
      },
    ]);
    const byDoctorAgenda = await app.request('GET', `${base}/usagers/usager-1/agenda`, { as: tokens['pro-medecin'] });
    expect(byDoctorAgenda.status).to.equal(403);
  });

  it('serves minimised ICS feeds at secret URLs, parsed back, and answers 404 once revoked or replaced', async () => {
    // given (a week before) an appointment of usager-1 with the doctor, a team meeting, items in two agendas
    now = new Date('2026-11-24T09:00:00+01:00');
    const plan = (body: Record<string, unknown>) =>
      app.request('POST', `${base}/planned-events`, {
        as: tokens['pro-secretaire'],
        body: { facilityId: CSAPA, ...body },
      });
    const appointment = await plan({
      plannedEventId: appointmentId,
      kind: 'appointment',
      title: 'Consultation de Jeanne MARTIN',
      startsAt: '2026-12-03T09:00:00+01:00',
      endsAt: '2026-12-03T09:30:00+01:00',
      place: '12 rue des Lilas',
      organiserId: 'pro-medecin',
      serviceUserIds: ['usager-1'],
      professionalIds: ['pro-educ'],
    });
    const meetingId = randomUUID();
    const meeting = await plan({
      plannedEventId: meetingId,
      kind: 'collective-activity',
      title: 'Réunion de synthèse',
      startsAt: '2026-12-04T14:00:00+01:00',
      endsAt: '2026-12-04T15:00:00+01:00',
      place: 'Salle 2',
      organiserId: 'pro-educ',
      partners: ['CMP Nord'],
    });
    const itemAbout = await app.request('POST', `${base}/professionals/pro-educ/agenda-items`, {
      as: tokens['pro-educ'],
      body: {
        itemId: randomUUID(),
        facilityId: CSAPA,
        title: 'Rappeler la CAF pour Paul DURAND',
        startsAt: '2026-12-02T16:00:00+01:00',
        endsAt: '2026-12-02T16:15:00+01:00',
        serviceUserId: 'usager-2',
      },
    });
    const refusedAbout = await app.request('POST', `${base}/professionals/pro-infirmier/agenda-items`, {
      as: tokens['pro-educ'],
      body: {
        itemId: randomUUID(),
        facilityId: CSAPA,
        title: 'Voir Paul',
        startsAt: '2026-12-02T16:00:00+01:00',
        endsAt: '2026-12-02T16:15:00+01:00',
        serviceUserId: 'usager-2',
      },
    });
    const hearingId = randomUUID();
    const hearing = await app.request('POST', `${base}/usagers/usager-1/agenda-items`, {
      as: tokens['pro-secretaire'],
      body: {
        itemId: hearingId,
        facilityId: CSAPA,
        title: 'Audience au tribunal',
        startsAt: '2026-12-05T09:00:00+01:00',
        endsAt: '2026-12-05T11:00:00+01:00',
        place: 'Tribunal judiciaire',
      },
    });
    for (const answer of [appointment, meeting, itemAbout, hearing]) {
      expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    }
    expect(refusedAbout.status).to.equal(422);
    expect(refusedAbout.body.code).to.equal('OWNER_CANNOT_READ_USAGER');

    // when the educator subscribes to their agenda, and the secretary issues usager-1's feed
    const issued = await app.request('POST', `${base}/professionals/pro-educ/agenda-feeds`, {
      as: tokens['pro-educ'],
      body: { feedId: randomUUID() },
    });
    const notTheirs = await app.request('POST', `${base}/professionals/pro-educ/agenda-feeds`, {
      as: tokens['pro-secretaire'],
      body: { feedId: randomUUID() },
    });
    const usagerFeed = await app.request('POST', `${base}/usagers/usager-1/agenda-feeds`, {
      as: tokens['pro-secretaire'],
      body: { feedId: randomUUID(), facilityId: CSAPA },
    });
    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    expect(notTheirs.status).to.equal(403);
    expect(usagerFeed.status, JSON.stringify(usagerFeed.body)).to.equal(201);
    const path = (url: string) => new URL(url).pathname;
    expect(path(issued.body.url)).to.match(/^\/ics\/[A-Za-z0-9_-]{43}\.ics$/);

    // then the professional feed, fetched without a session, parses and names no usager
    const professionalIcs = await app.request('GET', path(issued.body.url));
    expect(professionalIcs.status).to.equal(200);
    expect(professionalIcs.headers.get('content-type')).to.match(/^text\/calendar/);
    const text = new TextDecoder().decode(professionalIcs.bytes);
    const events = parseIcs(text);
    const bySummary = Object.fromEntries(events.map((event) => [event.summary, event]));
    expect(Object.keys(bySummary).sort()).to.deep.equal([
      'Note d’agenda (usager)',
      'Rendez-vous usager',
      'Réunion de synthèse',
      'Sortie',
    ]);
    expect(bySummary['Rendez-vous usager']).to.include({
      uid: `planned-event-${appointmentId}@dui-pds`,
      start: '2026-12-03T08:00:00.000Z',
      end: '2026-12-03T08:30:00.000Z',
      status: 'CONFIRMED',
      location: null,
    });
    expect(bySummary['Rendez-vous usager']?.description).to.include(
      `/organisations/${ORG}/planned-events/${appointmentId}`,
    );
    expect(bySummary['Réunion de synthèse']).to.include({ location: 'Salle 2' });
    for (const secret of ['MARTIN', 'Jeanne', 'DURAND', 'Paul', 'usager-1', 'usager-2', 'Lilas', 'musée', 'Musée']) {
      expect(text).not.to.include(secret);
    }

    // and the usager's feed carries their own events with title and place, and nobody else
    const usagerIcs = await app.request('GET', path(usagerFeed.body.url));
    const usagerText = new TextDecoder().decode(usagerIcs.bytes);
    const usagerEvents = parseIcs(usagerText);
    expect(usagerEvents.map((event) => [event.summary, event.location, event.status])).to.deep.equal([
      ['Sortie au musée', 'Musée des Confluences', 'CONFIRMED'],
      ['Consultation de Jeanne MARTIN', '12 rue des Lilas', 'CONFIRMED'],
      ['Audience au tribunal', 'Tribunal judiciaire', 'CONFIRMED'],
    ]);
    expect(usagerText).not.to.include('usager-2');
    expect(usagerText).not.to.include('pro-');

    // when an item is cancelled, it stays in the feed, cancelled
    const cancelled = await app.request('POST', `${base}/agenda-items/${hearingId}/cancellations`, {
      as: tokens['pro-secretaire'],
      body: { reason: 'audience renvoyée' },
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
    const afterCancel = parseIcs(new TextDecoder().decode((await app.request('GET', path(usagerFeed.body.url))).bytes));
    expect(afterCancel.find((event) => event.summary === 'Audience au tribunal')?.status).to.equal('CANCELLED');

    // when the educator replaces their link, then revokes it
    const replaced = await app.request('POST', `${base}/professionals/pro-educ/agenda-feeds`, {
      as: tokens['pro-educ'],
      body: { feedId: randomUUID() },
    });
    const oldAfterReplace = await app.request('GET', path(issued.body.url));
    const newAfterReplace = await app.request('GET', path(replaced.body.url));
    const revoked = await app.request('POST', `${base}/professionals/pro-educ/agenda-feed-revocations`, {
      as: tokens['pro-educ'],
      body: {},
    });
    const afterRevoke = await app.request('GET', path(replaced.body.url));
    const revokedAgain = await app.request('POST', `${base}/professionals/pro-educ/agenda-feed-revocations`, {
      as: tokens['pro-educ'],
      body: {},
    });
    const usagerRevoked = await app.request('POST', `${base}/usagers/usager-1/agenda-feed-revocations`, {
      as: tokens['pro-secretaire'],
      body: { facilityId: CSAPA },
    });
    const usagerAfterRevoke = await app.request('GET', path(usagerFeed.body.url));
    const forged = await app.request('GET', `/ics/${'A'.repeat(43)}.ics`);
    const malformed = await app.request('GET', '/ics/pas-un-secret.ics');

    // then every revoked, replaced or unknown link answers 404, the live one 200
    expect(replaced.status).to.equal(201);
    expect(oldAfterReplace.status).to.equal(404);
    expect(newAfterReplace.status).to.equal(200);
    expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200);
    expect(afterRevoke.status).to.equal(404);
    expect(afterRevoke.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(revokedAgain.status).to.equal(422);
    expect(revokedAgain.body.code).to.equal('AGENDA_FEED_NOT_ISSUED');
    expect(usagerRevoked.status).to.equal(200);
    expect(usagerAfterRevoke.status).to.equal(404);
    expect(forged.status).to.equal(404);
    expect(malformed.status).to.equal(404);

    // and the professional's agenda through the API: the educator's own, with its usagers; the secretary's view
    const own = await app.request('GET', `${base}/professionals/pro-educ/agenda?from=2026-11-24&to=2026-12-31`, {
      as: tokens['pro-educ'],
    });
    expect(
      own.body.entries.map((entry: { title: string; role: string; serviceUserIds: string[] }) => [
        entry.title,
        entry.role,
        entry.serviceUserIds,
      ]),
    ).to.deep.equal([
      ['Sortie au musée', 'organiser', ['usager-1', 'usager-2']],
      ['Rappeler la CAF pour Paul DURAND', 'owner', ['usager-2']],
      ['Consultation de Jeanne MARTIN', 'participant', ['usager-1']],
      ['Réunion de synthèse', 'organiser', []],
    ]);
    const byNurse = await app.request('GET', `${base}/professionals/pro-educ/agenda`, { as: tokens['pro-infirmier'] });
    expect(byNurse.status).to.equal(403);
  });

  it('sends information to a professional (read, unread) and to a usager, the usager named only to who may read them', async () => {
    // given
    const informationId = randomUUID();
    const sent = await app.request('POST', `${base}/professionals/pro-infirmier/information`, {
      as: tokens['pro-secretaire'],
      body: {
        informationId,
        facilityId: CSAPA,
        subject: 'Appel de l’usager',
        text: 'Il rappellera demain matin.',
        serviceUserId: 'usager-1',
      },
    });
    const aboutOther = await app.request('POST', `${base}/professionals/pro-infirmier/information`, {
      as: tokens['pro-secretaire'],
      body: {
        informationId: randomUUID(),
        facilityId: CSAPA,
        subject: 'Appel',
        text: 'Rappeler.',
        serviceUserId: 'usager-2',
      },
    });
    const toUsager = await app.request('POST', `${base}/usagers/usager-1/information`, {
      as: tokens['pro-secretaire'],
      body: {
        informationId: randomUUID(),
        facilityId: CSAPA,
        subject: 'Rendez-vous confirmé',
        text: 'Le 3 décembre à 9 h.',
      },
    });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    expect(aboutOther.status).to.equal(422);
    expect(aboutOther.body.code).to.equal('RECIPIENT_CANNOT_READ_USAGER');
    expect(toUsager.status, JSON.stringify(toUsager.body)).to.equal(201);

    // when the nurse reads her inbox, marks the message read, then unread
    const inbox = (query = '') =>
      app.request('GET', `${base}/professionals/pro-infirmier/information${query}`, { as: tokens['pro-infirmier'] });
    const unreadBefore = await inbox('?unread=true');
    const read = await app.request('POST', `${base}/information/${informationId}/readings`, {
      as: tokens['pro-infirmier'],
      body: {},
    });
    const readByOther = await app.request('POST', `${base}/information/${informationId}/readings`, {
      as: tokens['pro-educ'],
      body: {},
    });
    const unreadAfter = await inbox('?unread=true');
    const all = await inbox();
    const unread = await app.request('POST', `${base}/information/${informationId}/unreadings`, {
      as: tokens['pro-infirmier'],
      body: {},
    });
    const someoneElsesInbox = await app.request('GET', `${base}/professionals/pro-infirmier/information`, {
      as: tokens['pro-educ'],
    });
    const usagerInformation = await app.request('GET', `${base}/usagers/usager-1/information?facilityId=${CSAPA}`, {
      as: tokens['pro-secretaire'],
    });

    // then
    expect(unreadBefore.body.information).to.have.length(1);
    expect(unreadBefore.body.information[0]).to.deep.include({
      informationId,
      senderId: 'pro-secretaire',
      subject: 'Appel de l’usager',
      serviceUserId: 'usager-1',
      withheld: false,
      readAt: null,
    });
    expect(read.status, JSON.stringify(read.body)).to.equal(200);
    expect(readByOther.status).to.equal(422);
    expect(readByOther.body.code).to.equal('INFORMATION_NOT_ADDRESSED_TO_READER');
    expect(unreadAfter.body.information).to.deep.equal([]);
    expect(all.body.information[0].readAt).to.equal('2026-11-24T08:00:00.000Z');
    expect(unread.status).to.equal(200);
    expect(someoneElsesInbox.status).to.equal(403);
    expect(usagerInformation.status).to.equal(200);
    expect(
      usagerInformation.body.information.map((information: { subject: string }) => information.subject),
    ).to.deep.equal(['Rendez-vous confirmé']);
  });

  it('serves a usager’s feed with the entries of the ESSMS it was issued for only, and traces each read', async () => {
    // given usager-3 followed in the CSAPA and in a CAARUD: an appointment and an item in each
    now = new Date('2027-01-11T09:00:00+01:00');
    const CAARUD = '750000002';
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretaire-caarud', facilityId: CAARUD, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-direction-caarud', facilityId: CAARUD, role: 'director' },
    );
    for (const id of ['pro-secretaire-caarud', 'pro-direction-caarud']) tokens[id] = await app.loginAs(id);
    const plan = (as: string, facilityId: string, title: string, place: string, day: string) =>
      app.request('POST', `${base}/planned-events`, {
        as: tokens[as],
        body: {
          plannedEventId: randomUUID(),
          facilityId,
          kind: 'appointment',
          title,
          startsAt: `${day}T10:00:00+01:00`,
          endsAt: `${day}T10:30:00+01:00`,
          place,
          serviceUserIds: ['usager-3'],
        },
      });
    const item = (as: string, facilityId: string, title: string, place: string, day: string) =>
      app.request('POST', `${base}/usagers/usager-3/agenda-items`, {
        as: tokens[as],
        body: {
          itemId: randomUUID(),
          facilityId,
          title,
          startsAt: `${day}T14:00:00+01:00`,
          endsAt: `${day}T15:00:00+01:00`,
          place,
        },
      });
    const given = [
      await plan('pro-secretaire', CSAPA, 'Consultation en addictologie', 'CSAPA, bureau 4', '2027-01-14'),
      await item('pro-secretaire', CSAPA, 'Bilan au CSAPA', 'CSAPA, salle 1', '2027-01-14'),
      await plan('pro-secretaire-caarud', CAARUD, 'Accueil au CAARUD', 'CAARUD, accueil', '2027-01-15'),
      await item('pro-secretaire-caarud', CAARUD, 'Permanence CAARUD', 'Bus du CAARUD', '2027-01-15'),
    ];
    for (const answer of given) expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    // and the secretary of the CAARUD issues usager-3's feed for the CAARUD
    const feedId = randomUUID();
    const issued = await app.request('POST', `${base}/usagers/usager-3/agenda-feeds`, {
      as: tokens['pro-secretaire-caarud'],
      body: { feedId, facilityId: CAARUD },
    });
    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    const url = new URL(issued.body.url);
    const secret = url.pathname.replace(/^\/ics\//, '').replace(/\.ics$/, '');

    // when the feed's URL is fetched, without a session
    const fetched = await app.request('GET', url.pathname);

    // then only the CAARUD's appointment and item are in it, nothing of the CSAPA
    expect(fetched.status).to.equal(200);
    const text = new TextDecoder().decode(fetched.bytes);
    expect(parseIcs(text).map((event) => [event.summary, event.location])).to.deep.equal([
      ['Accueil au CAARUD', 'CAARUD, accueil'],
      ['Permanence CAARUD', 'Bus du CAARUD'],
    ]);
    for (const outOfScope of ['addictologie', 'bureau 4', 'Bilan au CSAPA', 'salle 1']) {
      expect(text).not.to.include(outOfScope);
    }

    // and usager-3's access log, read by the CAARUD's direction, has the feed's read, with no secret
    const log = await app.request('GET', `${base}/usagers/usager-3/access-log`, {
      as: tokens['pro-direction-caarud'],
    });
    expect(log.status, JSON.stringify(log.body)).to.equal(200);
    const feedReads = log.body.entries.filter((entry: { resource: string }) => entry.resource === 'usager-agenda-ics');
    expect(feedReads).to.have.length(1);
    expect(feedReads[0]).to.deep.include({
      at: now.toISOString(),
      professionalId: `agenda-feed:${feedId}`,
      roles: ['usager'],
      facilityId: CAARUD,
      sensitivities: ['administrative'],
      purpose: 'usager-ics-feed',
    });
    expect(JSON.stringify(log.body)).not.to.include(secret);
    const stored = await app.server.store.readStream(accessLogStreamId(ORG, 'usager-3'));
    const feedEvent = stored.find((event) => (event.data as { resource?: string }).resource === 'usager-agenda-ics');
    expect(feedEvent?.metadata.actor).to.deep.equal({ kind: 'serviceUser', id: `agenda-feed:${feedId}` });
    expect(JSON.stringify(stored.map((event) => [event.data, event.metadata]))).not.to.include(secret);
  });

  it('stops serving a professional’s feed once they hold no role in the organisation', async () => {
    // given the doctor's feed, served
    const issued = await app.request('POST', `${base}/professionals/pro-medecin/agenda-feeds`, {
      as: tokens['pro-medecin'],
      body: { feedId: randomUUID() },
    });
    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    const path = new URL(issued.body.url).pathname;
    const before = await app.request('GET', path);

    // when the doctor leaves: their only role is revoked
    await app.asSystem(ORG, { type: 'RevokeRole', professionalId: 'pro-medecin', facilityId: CSAPA, role: 'doctor' });
    const after = await app.request('GET', path);

    // then the link answers as a revoked one
    expect(before.status).to.equal(200);
    expect(after.status).to.equal(404);
  });

  it('stops serving a usager’s feed once their death is recorded, or their record archived', async () => {
    // given the feeds of usager-4 and usager-5, served
    const feedOf = async (serviceUserId: string) => {
      const issued = await app.request('POST', `${base}/usagers/${serviceUserId}/agenda-feeds`, {
        as: tokens['pro-secretaire'],
        body: { feedId: randomUUID(), facilityId: CSAPA },
      });
      expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
      return new URL(issued.body.url).pathname;
    };
    const registered = await app.request('POST', `${base}/usagers`, {
      as: tokens['pro-secretaire'],
      body: {
        serviceUserId: 'usager-5',
        facilityId: CSAPA,
        traits: {
          birthName: 'ROUX',
          birthFirstNames: ['ELSA'],
          birthDate: '1990-02-03',
          sex: 'F',
          birthplaceCode: '75056',
        },
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const path = await feedOf('usager-4');
    const archivedPath = await feedOf('usager-5');
    const before = await app.request('GET', path);
    const archivedBefore = await app.request('GET', archivedPath);

    // when their death is recorded
    const death = await app.request('POST', `${base}/accompaniments/${randomUUID()}/exit`, {
      as: tokens['pro-secretaire'],
      body: {
        serviceUserId: 'usager-4',
        facilityId: CSAPA,
        exitDay: '2027-01-10',
        exitReason: 'death',
        destination: 'not-applicable',
      },
    });
    const after = await app.request('GET', path);
    // and when usager-5's record is archived
    await app.asSystem(ORG, {
      type: 'GrantRole',
      professionalId: 'pro-directrice',
      facilityId: CSAPA,
      role: 'director',
    });
    const archived = await app.request('POST', `${base}/usagers/usager-5/archiving`, {
      as: await app.loginAs('pro-directrice'),
      body: { facilityId: CSAPA, motive: 'Fin de l’accompagnement' },
    });
    const archivedAfter = await app.request('GET', archivedPath);

    // then both links answer as revoked ones
    expect([before.status, archivedBefore.status]).to.deep.equal([200, 200]);
    expect(death.status, JSON.stringify(death.body)).to.equal(201);
    expect(after.status).to.equal(404);
    expect(archived.status, JSON.stringify(archived.body)).to.equal(200);
    expect(archivedAfter.status).to.equal(404);
  });
});
