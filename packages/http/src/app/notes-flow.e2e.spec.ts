import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const USAGER = 'usager-1';

describe('the HTTP API: a note from writing to reading, traced', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let nurse: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: 'pro-nurse', serviceUserId: USAGER, facilityId: CSAPA },
    );
    nurse = await app.loginAs('pro-nurse');
  });
  after(() => app.close());

  it('writes a note, reads it with its ETag, amends it with If-Match, and traces each read once', async () => {
    // given
    const noteId = randomUUID();
    const notes = `/organisations/${ORG}/usagers/${USAGER}/notes`;

    // when a nurse writes, reads, amends and lists
    const written = await app.request('POST', notes, {
      as: nurse,
      body: { noteId, facilityId: CSAPA, sensitivity: 'medical', text: 'TA 12/8' },
    });
    const read = await app.request('GET', `/organisations/${ORG}/notes/${noteId}`, { as: nurse });
    const stale = await app.request('POST', `/organisations/${ORG}/notes/${noteId}/amendments`, {
      as: nurse,
      ifMatch: '"7"',
      body: { text: 'TA 12/8, pouls 72', reason: 'pouls ajouté' },
    });
    const amended = await app.request('POST', `/organisations/${ORG}/notes/${noteId}/amendments`, {
      as: nurse,
      ifMatch: read.headers.get('etag')!,
      body: { text: 'TA 12/8, pouls 72', reason: 'pouls ajouté' },
    });
    const listed = await app.request('GET', `${notes}?facilityId=${CSAPA}`, { as: nurse });

    // then
    expect(written.status, JSON.stringify(written.body)).to.equal(201);
    expect(read.status).to.equal(200);
    expect(read.headers.get('etag')).to.equal('"0"');
    expect(read.body).to.include({ noteId, text: 'TA 12/8', sensitivity: 'medical' });
    expect(stale.status).to.equal(412);
    expect(stale.headers.get('content-type')).to.match(/application\/problem\+json/);
    expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
    expect(listed.body.notes.map((note: { text: string }) => note.text)).to.deep.equal(['TA 12/8, pouls 72']);
    const log = await app.server.store.readStream(accessLogStreamId(ORG, USAGER));
    expect(log.map((entry) => (entry.data as { resource: string }).resource)).to.deep.equal(['note', 'notes']);
  });

  it('names who amended a note last and when, never under its author’s name alone', async () => {
    // given a doctor's medical note, in the care team of the same usager as the nurse
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: USAGER, facilityId: CSAPA },
    );
    const doctor = await app.loginAs('pro-doctor');
    const noteId = randomUUID();
    const notes = `/organisations/${ORG}/usagers/${USAGER}/notes`;
    await app.request('POST', notes, {
      as: doctor,
      body: { noteId, facilityId: CSAPA, sensitivity: 'medical', text: 'Méthadone 60 mg, stable.' },
    });
    const before = await app.request('GET', `/organisations/${ORG}/notes/${noteId}`, { as: doctor });

    // when the nurse amends it, and the doctor reads it and lists the notes
    const amended = await app.request('POST', `/organisations/${ORG}/notes/${noteId}/amendments`, {
      as: nurse,
      ifMatch: '"0"',
      body: { text: 'Méthadone 70 mg, stable.', reason: 'posologie corrigée selon l’ordonnance' },
    });
    const read = await app.request('GET', `/organisations/${ORG}/notes/${noteId}`, { as: doctor });
    const listed = await app.request('GET', `${notes}?facilityId=${CSAPA}`, { as: doctor });

    // then the note keeps its author and names the nurse as the last amender, with the time
    expect(before.body).to.include({ authorId: 'pro-doctor', amendedBy: null, amendedAt: null });
    expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
    expect(read.body).to.include({ authorId: 'pro-doctor', amendedBy: 'pro-nurse', text: 'Méthadone 70 mg, stable.' });
    expect(Date.parse(read.body.amendedAt)).to.be.closeTo(Date.now(), 60_000);
    const inList = (listed.body.notes as { noteId: string }[]).find((note) => note.noteId === noteId);
    expect(inList).to.include({ authorId: 'pro-doctor', amendedBy: 'pro-nurse' });
  });

  it('answers 401 without a session and 403 in an organisation where one holds no habilitation', async () => {
    const anonymous = await app.request('GET', `/organisations/${ORG}/me`);
    const elsewhere = await app.request('GET', '/organisations/og-other/me', { as: nurse });
    expect(anonymous.status).to.equal(401);
    expect(elsewhere.status).to.equal(403);
    expect(elsewhere.body.detail).to.equal('Vous n’avez aucune habilitation dans cet organisme gestionnaire.');
  });

  it('answers a usager id of another organisation as absent, never with a server error', async () => {
    // given a nurse of another organisation, and a usager id og-a already uses
    await app.asSystem(
      'og-b',
      { type: 'GrantRole', professionalId: 'pro-b', facilityId: '930000001', role: 'nurse' },
      {
        type: 'AddToCareTeam',
        professionalId: 'pro-b',
        serviceUserId: USAGER,
        facilityId: '930000001',
      },
    );
    const nurseOfB = await app.loginAs('pro-b');

    // when they write a note about "their" usager-1
    const written = await app.request('POST', `/organisations/og-b/usagers/${USAGER}/notes`, {
      as: nurseOfB,
      body: { noteId: randomUUID(), facilityId: '930000001', sensitivity: 'medical', text: 'TA 13/8' },
    });

    // then the id is not theirs: 404, nothing said of og-a
    expect(written.status).to.equal(404);
    expect(written.body.detail).to.equal('Aucune ressource ne correspond à cette adresse.');
  });
});
