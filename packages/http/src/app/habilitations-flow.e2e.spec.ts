import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-habilitations';
const CSAPA = '750000001';
const CAARUD = '750000002';

/**
 * « Déterminer les habilitations des professionnels »: the administrator and the director of an
 * ESSMS grant and revoke its roles, see who holds which, and who granted or revoked them.
 */
describe('the HTTP API: the roles of an ESSMS, granted, revoked and listed', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-admin', facilityId: CSAPA, role: 'administrator' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-caarud-director', facilityId: CAARUD, role: 'director' },
    );
    for (const id of ['pro-admin', 'pro-director', 'pro-secretary', 'pro-caarud-director', 'pro-nurse']) {
      tokens[id] = await app.loginAs(id);
    }
  });
  after(() => app.close());

  const administer = (as: string, path: string, body: object) =>
    app.request('POST', `/organisations/${ORG}/habilitations/${path}`, { as: tokens[as], body });
  const nurseAtCsapa = { professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' };
  const mine = async (as: string) => (await app.request('GET', `/organisations/${ORG}/me`, { as: tokens[as] })).body;
  const staffOf = (facilityId: string, as: string) =>
    app.request('GET', `/organisations/${ORG}/facilities/${facilityId}/habilitations`, { as: tokens[as] });
  const historyOf = (facilityId: string, as: string) =>
    app.request('GET', `/organisations/${ORG}/facilities/${facilityId}/habilitations/history`, { as: tokens[as] });

  it('has a role granted by the ESSMS’ administrator, never by others, nor by oneself', async () => {
    // when the secretary, the CAARUD's director, then the administrator grant the nurse role; the administrator
    // grants it again, then makes themself a doctor
    const bySecretary = await administer('pro-secretary', 'role-grants', nurseAtCsapa);
    const byOtherEssms = await administer('pro-caarud-director', 'role-grants', nurseAtCsapa);
    const granted = await administer('pro-admin', 'role-grants', nurseAtCsapa);
    const again = await administer('pro-admin', 'role-grants', nurseAtCsapa);
    const forThemself = await administer('pro-admin', 'role-grants', {
      professionalId: 'pro-admin',
      facilityId: CSAPA,
      role: 'doctor',
    });

    // then only the administrator's first grant is taken, and the nurse holds the role from their next request
    expect(bySecretary.status).to.equal(403);
    expect(bySecretary.body.detail).to.equal(
      'Seuls l’administrateur et la direction de l’ESSMS gèrent les habilitations, et jamais les leurs.',
    );
    expect(byOtherEssms.status).to.equal(403);
    expect(granted.status, JSON.stringify(granted.body)).to.equal(200);
    expect(again.status).to.equal(422);
    expect(again.body.code).to.equal('ROLE_ALREADY_GRANTED');
    expect(forThemself.status).to.equal(403);
    expect((await mine('pro-nurse')).roles).to.deep.equal([{ facilityId: CSAPA, role: 'nurse' }]);
  });

  it('lists who holds which role in the ESSMS, and who granted them, to its administrator and director only', async () => {
    // when the director lists the CSAPA's roles and their history, and others try
    const staff = await staffOf(CSAPA, 'pro-director');
    const history = await historyOf(CSAPA, 'pro-admin');
    const bySecretary = await staffOf(CSAPA, 'pro-secretary');
    const byOtherEssms = await historyOf(CSAPA, 'pro-caarud-director');
    const caarud = await staffOf(CAARUD, 'pro-caarud-director');

    // then
    expect(staff.status, JSON.stringify(staff.body)).to.equal(200);
    expect(staff.body).to.deep.equal({
      facilityId: CSAPA,
      staff: [
        { professionalId: 'pro-admin', roles: ['administrator'] },
        { professionalId: 'pro-director', roles: ['director'] },
        { professionalId: 'pro-nurse', roles: ['nurse'] },
        { professionalId: 'pro-secretary', roles: ['secretary'] },
      ],
    });
    expect(history.status, JSON.stringify(history.body)).to.equal(200);
    expect(
      history.body.changes.map((change: { change: string; professionalId: string; by: { id: string } }) => [
        change.change,
        change.professionalId,
        change.by.id,
      ]),
    ).to.deep.equal([
      ['granted', 'pro-admin', 'test'],
      ['granted', 'pro-director', 'test'],
      ['granted', 'pro-secretary', 'test'],
      ['granted', 'pro-nurse', 'pro-admin'],
    ]);
    expect(history.body.changes[3].by).to.deep.equal({ kind: 'professional', id: 'pro-admin', role: 'administrator' });
    expect(bySecretary.status).to.equal(403);
    expect(bySecretary.body.detail).to.include('consultent ses habilitations');
    expect(byOtherEssms.status).to.equal(403);
    expect(caarud.body.staff).to.deep.equal([{ professionalId: 'pro-caarud-director', roles: ['director'] }]);
  });

  it('revokes a role: the professional leaves the care teams of the ESSMS with it, and the history says who', async () => {
    // given the nurse in a usager's care team
    const added = await administer('pro-director', 'care-team-additions', {
      professionalId: 'pro-nurse',
      serviceUserId: 'usager-1',
      facilityId: CSAPA,
    });

    const careTeam = () =>
      app.request('GET', `/organisations/${ORG}/usagers/usager-1/care-team?facilityId=${CSAPA}`, {
        as: tokens['pro-director'],
      });
    const teamBefore = await careTeam();

    // when the director revokes the nurse role, twice
    const revoked = await administer('pro-director', 'role-revocations', nurseAtCsapa);
    const again = await administer('pro-director', 'role-revocations', nurseAtCsapa);

    // then the nurse holds nothing there from their next request, and the lists say it
    expect(added.status, JSON.stringify(added.body)).to.equal(200);
    expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200);
    expect(again.status).to.equal(422);
    expect(again.body.code).to.equal('ROLE_NOT_HELD');
    // (holding no role left in the organisation, they are refused even their own habilitations)
    const nurseNow = await app.request('GET', `/organisations/${ORG}/me`, { as: tokens['pro-nurse'] });
    expect(nurseNow.status, JSON.stringify(nurseNow.body)).to.equal(403);
    const team = await careTeam();
    expect(team.status, JSON.stringify(team.body)).to.equal(200);
    expect(JSON.stringify(teamBefore.body)).to.include('pro-nurse');
    expect(JSON.stringify(team.body)).not.to.include('pro-nurse');
    const staff = await staffOf(CSAPA, 'pro-admin');
    expect(staff.body.staff.map((member: { professionalId: string }) => member.professionalId)).not.to.include(
      'pro-nurse',
    );
    const history = await historyOf(CSAPA, 'pro-admin');
    expect(history.body.changes.at(-1)).to.deep.include({
      change: 'revoked',
      professionalId: 'pro-nurse',
      role: 'nurse',
      by: { kind: 'professional', id: 'pro-director', role: 'director' },
    });
  });
});
