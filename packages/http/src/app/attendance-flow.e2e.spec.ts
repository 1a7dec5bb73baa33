import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const DAY = '2025-03-31';

describe('the HTTP API: presences, absences and the daily attendance sheet', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let nurse: string;
  let secretary: string;
  const accompaniments = { 'usager-1': randomUUID(), 'usager-2': randomUUID(), 'usager-3': randomUUID() };
  const recorded = (usager: keyof typeof accompaniments, what: 'presences' | 'absences') =>
    `/organisations/${ORG}/accompaniments/${accompaniments[usager]}/${what}`;
  const sheet = `/organisations/${ORG}/facilities/${CSAPA}/attendance-sheet?day=${DAY}`;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: 'pro-nurse', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-nurse', serviceUserId: 'usager-2', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
    );
    nurse = await app.loginAs('pro-nurse');
    secretary = await app.loginAs('pro-secretary');
  });
  after(() => app.close());

  it('records a presence and an absence, and shows them on the day’s sheet with its counts, each read traced', async () => {
    // when a nurse of the team records a presence for usager-1 and an absence for usager-2,
    // and the secretary a presence for usager-3 (whose team the nurse is not in)
    const presence = await app.request('POST', recorded('usager-1', 'presences'), {
      as: nurse,
      body: {
        attendanceId: randomUUID(),
        serviceUserId: 'usager-1',
        facilityId: CSAPA,
        day: DAY,
        arrivedAt: '09:15',
        leftAt: '11:30',
        planned: true,
      },
    });
    const absence = await app.request('POST', recorded('usager-2', 'absences'), {
      as: nurse,
      body: {
        attendanceId: randomUUID(),
        serviceUserId: 'usager-2',
        facilityId: CSAPA,
        day: DAY,
        planned: false,
        justified: true,
        reason: 'hospitalisation',
      },
    });
    const third = await app.request('POST', recorded('usager-3', 'presences'), {
      as: secretary,
      body: { attendanceId: randomUUID(), serviceUserId: 'usager-3', facilityId: CSAPA, day: DAY, planned: false },
    });
    const nurseSheet = await app.request('GET', sheet, { as: nurse });
    const secretarySheet = await app.request('GET', sheet, { as: secretary });

    // then
    expect(presence.status, JSON.stringify(presence.body)).to.equal(201);
    expect(absence.status, JSON.stringify(absence.body)).to.equal(201);
    expect(third.status, JSON.stringify(third.body)).to.equal(201);
    expect(nurseSheet.status, JSON.stringify(nurseSheet.body)).to.equal(200);
    expect(
      nurseSheet.body.lines.map((line: { serviceUserId: string; status: string }) => [line.serviceUserId, line.status]),
    ).to.deep.equal([
      ['usager-1', 'present'],
      ['usager-2', 'absent'],
    ]);
    expect(nurseSheet.body.lines[0]).to.include({ arrivedAt: '09:15', leftAt: '11:30', planned: true });
    expect(nurseSheet.body.lines[1]).to.include({ justified: true, reason: 'hospitalisation' });
    expect(nurseSheet.body.counts).to.deep.equal({ present: 1, absentJustified: 1, absentUnjustified: 0 });
    // the secretary reads every usager's administrative data in the ESSMS
    expect(secretarySheet.status).to.equal(200);
    expect(secretarySheet.body.lines.map((line: { serviceUserId: string }) => line.serviceUserId)).to.deep.equal([
      'usager-1',
      'usager-2',
      'usager-3',
    ]);
    expect(secretarySheet.body.counts).to.deep.equal({ present: 2, absentJustified: 1, absentUnjustified: 0 });
    const resources = async (usager: string) =>
      (await app.server.store.readStream(accessLogStreamId(ORG, usager))).map(
        (entry) => (entry.data as { resource: string }).resource,
      );
    expect(await resources('usager-1')).to.deep.equal(['attendance-sheet', 'attendance-sheet']);
    expect(await resources('usager-3')).to.deep.equal(['attendance-sheet']);
  });

  it('refuses a presence and an absence the same day for one usager (422), until corrected', async () => {
    // given a presence of usager-1 on another day
    const day = '2025-04-01';
    const attendanceId = randomUUID();
    await app.request('POST', recorded('usager-1', 'presences'), {
      as: nurse,
      body: { attendanceId, serviceUserId: 'usager-1', facilityId: CSAPA, day, planned: true },
    });

    // when an absence is recorded for the same day, then the presence is corrected into one
    const absence = await app.request('POST', recorded('usager-1', 'absences'), {
      as: nurse,
      body: {
        attendanceId: randomUUID(),
        serviceUserId: 'usager-1',
        facilityId: CSAPA,
        day,
        planned: false,
        justified: false,
      },
    });
    const correction = await app.request(
      'POST',
      `/organisations/${ORG}/accompaniments/${accompaniments['usager-1']}/attendance-corrections`,
      {
        as: nurse,
        body: {
          attendanceId,
          day,
          reason: 'erreur de saisie',
          attendance: { status: 'absent', planned: false, justified: false },
        },
      },
    );
    const after = await app.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/attendance-sheet?day=${day}`, {
      as: nurse,
    });

    // then
    expect(absence.status).to.equal(422);
    expect(absence.headers.get('content-type')).to.match(/application\/problem\+json/);
    expect(absence.body.detail).to.match(/Une présence est déjà enregistrée/);
    expect(correction.status, JSON.stringify(correction.body)).to.equal(200);
    expect(after.body.counts).to.deep.equal({ present: 0, absentJustified: 0, absentUnjustified: 1 });
  });

  it('refuses a professional outside the usager’s team (403)', async () => {
    await app.asSystem(ORG, { type: 'GrantRole', professionalId: 'pro-educator', facilityId: CSAPA, role: 'educator' });
    const educator = await app.loginAs('pro-educator');
    const refused = await app.request('POST', recorded('usager-1', 'presences'), {
      as: educator,
      body: {
        attendanceId: randomUUID(),
        serviceUserId: 'usager-1',
        facilityId: CSAPA,
        day: '2025-04-02',
        planned: true,
      },
    });
    const sheetOfEducator = await app.request('GET', sheet, { as: educator });
    expect(refused.status).to.equal(403);
    expect(sheetOfEducator.status).to.equal(200);
    expect(sheetOfEducator.body.lines).to.deep.equal([]);
  });
});
