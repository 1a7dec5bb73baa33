import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-care-team';
const CSAPA = '750000001';

interface Member {
  professionalId: string;
  teamRole: string | null;
  joinedOn: string;
  leftOn: string | null;
  keyWorker: boolean;
}

describe('the HTTP API: the care team and its référent', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let director: string;
  let secretary: string;
  let nurse: string;
  let educatorOutsideTeam: string;
  const team = { serviceUserId: 'usager-1', facilityId: CSAPA };

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'GrantRole', professionalId: 'pro-educator', facilityId: CSAPA, role: 'educator' },
    );
    director = await app.loginAs('pro-director');
    secretary = await app.loginAs('pro-secretary');
    nurse = await app.loginAs('pro-nurse');
    educatorOutsideTeam = await app.loginAs('pro-educator');
  });
  after(() => app.close());

  const administer = (path: string, body: object) =>
    app.request('POST', `/organisations/${ORG}/habilitations/${path}`, { as: director, body });
  const careTeam = (as: string, query = '') =>
    app.request('GET', `/organisations/${ORG}/usagers/usager-1/care-team?facilityId=${CSAPA}${query}`, { as });

  it('adds members with their role in the team and days, designates the référent, and lists them référent first', async () => {
    // given a nurse and a social worker added by the director, with their role in the team
    const nurseAdded = await administer('care-team-additions', {
      ...team,
      professionalId: 'pro-nurse',
      teamRole: 'suivi TSO',
      joinedOn: '2026-01-05',
    });
    const socialAdded = await administer('care-team-additions', {
      ...team,
      professionalId: 'pro-social',
      teamRole: 'coordination du projet',
      joinedOn: '2026-01-12',
    });
    const educatorAdded = await administer('care-team-additions', {
      ...team,
      professionalId: 'pro-educator',
      joinedOn: '2026-02-01',
    });

    // when the social worker is designated référent, a non-member is refused, and the educator leaves
    const designated = await administer('key-worker-designations', { ...team, professionalId: 'pro-social' });
    const notMember = await administer('key-worker-designations', { ...team, professionalId: 'pro-secretary' });
    const tooEarly = await administer('care-team-removals', {
      ...team,
      professionalId: 'pro-educator',
      leftOn: '2026-01-31',
    });
    const left = await administer('care-team-removals', {
      ...team,
      professionalId: 'pro-educator',
      leftOn: '2026-03-31',
    });
    const bySecretary = await careTeam(secretary);
    const byNurse = await careTeam(nurse, '&includeFormer=true');

    // then
    for (const answer of [nurseAdded, socialAdded, educatorAdded, designated, left]) {
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    }
    expect([notMember.status, notMember.body.code]).to.deep.equal([422, 'KEY_WORKER_NOT_IN_CARE_TEAM']);
    expect([tooEarly.status, tooEarly.body.code]).to.deep.equal([422, 'CARE_TEAM_LEFT_BEFORE_JOINED']);
    expect(bySecretary.status).to.equal(200);
    expect(bySecretary.body.keyWorkerId).to.equal('pro-social');
    expect(
      bySecretary.body.members.map((member: Member) => [
        member.professionalId,
        member.teamRole,
        member.joinedOn,
        member.keyWorker,
      ]),
    ).to.deep.equal([
      ['pro-social', 'coordination du projet', '2026-01-12', true],
      ['pro-nurse', 'suivi TSO', '2026-01-05', false],
    ]);
    expect(byNurse.body.members.map((member: Member) => [member.professionalId, member.leftOn])).to.deep.equal([
      ['pro-social', null],
      ['pro-nurse', null],
      ['pro-educator', '2026-03-31'],
    ]);
  });

  it('keeps access as membership makes it, the référent included', async () => {
    // the former member reads no more; the référent reads as any member; the team is traced
    const byFormerMember = await careTeam(educatorOutsideTeam);
    const me = await app.request('GET', `/organisations/${ORG}/me`, { as: await app.loginAs('pro-social') });
    const log = await app.server.store.readStream(`access-log/${ORG}/usager-1`);

    expect(byFormerMember.status).to.equal(403);
    expect(me.body.careTeams).to.deep.equal([{ facilityId: CSAPA, serviceUserId: 'usager-1' }]);
    expect(log.map((entry) => (entry.data as { resource: string }).resource)).to.include('care-team');
  });
});
