import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const USAGER = 'usager-1';

describe('the HTTP API: assessment grids filled during an accompaniment', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let doctor: string;
  let secretary: string;
  const accompanimentId = randomUUID();
  const assessments = `/organisations/${ORG}/accompaniments/${accompanimentId}/assessments`;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
    );
    doctor = await app.loginAs('pro-doctor');
    secretary = await app.loginAs('pro-secretary');
  });
  after(() => app.close());

  const auditC = (answers: Record<string, string>, filledAt: string) => ({
    assessmentId: randomUUID(),
    gridId: 'audit-c',
    gridVersion: '1',
    serviceUserId: USAGER,
    facilityId: CSAPA,
    answers,
    sex: 'female',
    filledAt,
  });

  it('scores a complete grid, keeps a draft without score, and gives the history of scores in time order', async () => {
    // when a doctor fills AUDIT-C twice, and once incompletely
    const grids = await app.request('GET', '/assessment-grids', { as: doctor });
    const later = await app.request('POST', assessments, {
      as: doctor,
      body: auditC({ q1: 'monthly-or-less', q2: 'one-or-two', q3: 'never' }, '2026-06-01T10:00:00+02:00'),
    });
    const first = await app.request('POST', assessments, {
      as: doctor,
      body: auditC(
        { q1: 'two-to-three-a-week', q2: 'three-or-four', q3: 'less-than-monthly' },
        '2026-03-01T10:00:00+01:00',
      ),
    });
    const draft = await app.request('POST', assessments, {
      as: doctor,
      body: auditC({ q1: 'never' }, '2026-07-01T10:00:00+02:00'),
    });
    const history = await app.request('GET', `${assessments}?gridId=audit-c`, { as: doctor });

    // then
    expect(grids.body.grids.map((grid: { gridId: string }) => grid.gridId)).to.include.members([
      'audit',
      'audit-c',
      'deta',
      'cast',
      'fagerstrom',
    ]);
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ complete: true, score: 5 });
    expect(later.body).to.include({ complete: true, score: 1 });
    expect(draft.body).to.deep.equal({ assessmentId: draft.body.assessmentId, complete: false });
    expect(history.body.scores.map((entry: { score: number }) => entry.score)).to.deep.equal([5, 1]);
  });

  it('closes the grids, medical data, to a secretary, and refuses an answer the grid does not offer', async () => {
    const bySecretary = await app.request('POST', assessments, {
      as: secretary,
      body: auditC({ q1: 'never', q2: 'one-or-two', q3: 'never' }, '2026-06-01T10:00:00+02:00'),
    });
    const readBySecretary = await app.request('GET', `${assessments}?gridId=audit-c`, { as: secretary });
    const wrongAnswer = await app.request('POST', assessments, {
      as: doctor,
      body: auditC({ q1: 'always' }, '2026-06-01T10:00:00+02:00'),
    });
    expect(bySecretary.status).to.equal(403);
    expect(readBySecretary.status).to.equal(403);
    expect(wrongAnswer.status).to.equal(422);
  });
});
