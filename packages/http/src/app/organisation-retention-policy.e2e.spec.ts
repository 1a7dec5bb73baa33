import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';
import { registerSocialOnlyRecord } from './testing/social-only-record.js';
import { noonOn, TestClock } from './testing/test-clock.js';

const SHORT = 'og-keeps-one-year';
const DEFAULT = 'og-keeps-the-default';
const CSAPA = '750000001';

/**
 * Two organisations (two data controllers) in one instance: one decides its own keeping of social
 * data, the other follows the instance's default (5 years); the job destroys each on its own day.
 */
describe('the keeping of social data each organisation decides', function () {
  this.timeout(120_000);
  const clock = new TestClock(noonOn('2020-03-02'));
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};
  const usagers: Record<string, string> = { [SHORT]: randomUUID(), [DEFAULT]: randomUUID() };

  const moveTo = (day: string) => clock.advance(noonOn(day) - clock.now().getTime());
  const policyOf = (organisation: string, as = tokens[`${organisation}/director`]!) =>
    app.request('GET', `/organisations/${organisation}/retention-policy`, { as });
  const decide = (organisation: string, body: unknown, as = tokens[`${organisation}/director`]!) =>
    app.request('POST', `/organisations/${organisation}/retention-policy`, { as, body });
  const retentionOf = async (organisation: string) => {
    const answer = await app.request(
      'GET',
      `/organisations/${organisation}/usagers/${usagers[organisation]}/retention?facilityId=${CSAPA}`,
      { as: tokens[`${organisation}/director`]! },
    );
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body;
  };
  const run = async (organisation: string) => {
    const answer = await app.request('POST', `/organisations/${organisation}/retention-runs`, {
      as: tokens[`${organisation}/director`]!,
      body: {},
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body as { archived: string[]; destroyed: { serviceUserId: string }[]; failed: unknown[] };
  };

  before(async () => {
    // given two organisations, each with a director, a secretary, and a social-only record
    // whose last contact is on 2 March 2020
    app = await ServerUnderTest.start({}, undefined, { clock: clock.now });
    for (const organisation of [SHORT, DEFAULT]) {
      await app.asSystem(
        organisation,
        { type: 'GrantRole', professionalId: `${organisation}-secretary`, facilityId: CSAPA, role: 'secretary' },
        { type: 'GrantRole', professionalId: `${organisation}-director`, facilityId: CSAPA, role: 'director' },
        {
          type: 'AddToCareTeam',
          professionalId: `${organisation}-director`,
          serviceUserId: usagers[organisation]!,
          facilityId: CSAPA,
        },
      );
      for (const who of ['secretary', 'director']) {
        tokens[`${organisation}/${who}`] = await app.loginAs(`${organisation}-${who}`);
      }
      await registerSocialOnlyRecord(
        app,
        { organisationId: organisation, facilityId: CSAPA, serviceUserId: usagers[organisation]! },
        tokens[`${organisation}/secretary`]!,
      );
    }
  });
  after(() => app?.close());

  it('is decided by a director, with a motive, kept in the history; refused to others and when unchanged', async () => {
    // when a secretary, then the director decide 1 year, then the director decides it again
    const bySecretary = await decide(
      SHORT,
      { socialIntermediateArchiveYears: 1, motive: 'Registre' },
      tokens[`${SHORT}/secretary`],
    );
    const decided = await decide(SHORT, {
      socialIntermediateArchiveYears: 1,
      motive: 'Registre des traitements, fiche 4 : un an d’archivage intermédiaire',
    });
    const again = await decide(SHORT, { socialIntermediateArchiveYears: 1, motive: 'Encore' });
    const tooLong = await decide(SHORT, { socialIntermediateArchiveYears: 31, motive: 'Trop' });

    // then
    expect(bySecretary.status).to.equal(403);
    expect(bySecretary.body.detail).to.include('se décide par la direction');
    expect(decided.status, JSON.stringify(decided.body)).to.equal(200);
    expect(again.status).to.equal(422);
    expect(again.body.code).to.equal('RETENTION_POLICY_UNCHANGED');
    expect(tooLong.status).to.equal(400);
    const shortPolicy = await policyOf(SHORT);
    expect(shortPolicy.status, JSON.stringify(shortPolicy.body)).to.equal(200);
    expect(shortPolicy.body).to.deep.include({ socialIntermediateArchiveYears: 1, source: 'organisation' });
    expect(shortPolicy.body.rules.socialAndAdministrative).to.include('puis 1 an d’archivage intermédiaire');
    expect(shortPolicy.body.decisions).to.deep.equal([
      {
        socialIntermediateArchiveYears: 1,
        decidedOn: '2020-03-02',
        decidedBy: `${SHORT}-director`,
        motive: 'Registre des traitements, fiche 4 : un an d’archivage intermédiaire',
        destructionsBroughtForward: 0,
      },
    ]);
    const defaultPolicy = await policyOf(DEFAULT);
    expect(defaultPolicy.body).to.deep.include({
      socialIntermediateArchiveYears: 5,
      source: 'instance',
      decisions: [],
    });
    expect((await policyOf(DEFAULT, tokens[`${DEFAULT}/secretary`])).status).to.equal(403);
  });

  it('schedules and destroys each organisation’s records on its own days, and tells what a change would destroy', async () => {
    // when the records' retention is read, then the job runs in each organisation on 2 March 2023
    const [short, byDefault] = [await retentionOf(SHORT), await retentionOf(DEFAULT)];
    moveTo('2023-03-02');
    const impact = await app.request(
      'GET',
      `/organisations/${DEFAULT}/retention-policy/impact?socialIntermediateArchiveYears=1`,
      { as: tokens[`${DEFAULT}/director`]! },
    );
    const [shortRun, defaultRun] = [await run(SHORT), await run(DEFAULT)];

    // then the first is destroyed 2 + 1 years after the last contact, the other only archived (2 + 5)
    expect(short).to.deep.include({ archiveDueOn: '2022-03-02', destructionDueOn: '2023-03-02' });
    expect(byDefault).to.deep.include({ archiveDueOn: '2022-03-02', destructionDueOn: '2027-03-02' });
    expect(shortRun.destroyed.map((record) => record.serviceUserId)).to.deep.equal([usagers[SHORT]]);
    expect(defaultRun).to.deep.include({ archived: [usagers[DEFAULT]], destroyed: [], failed: [] });
    // and the second organisation's director saw, before deciding, what 1 year would destroy that day
    expect(impact.status, JSON.stringify(impact.body)).to.equal(200);
    expect(impact.body).to.deep.equal({
      today: '2023-03-02',
      inForce: { socialIntermediateArchiveYears: 5, destructionsDue: 0 },
      proposed: { socialIntermediateArchiveYears: 1, destructionsDue: 1 },
      broughtForward: [usagers[DEFAULT]],
    });
  });

  it('destroys nothing a director has not confirmed: a shortening that brings destructions forward needs their number', async () => {
    // given the second organisation's record, archived under the default on 2 March 2023 (the test above)
    const motive = 'Registre des traitements, fiche 7 : un an d’archivage intermédiaire';

    // when its director shortens the archive to 1 year without confirming, with a wrong count, then with the right one
    const unconfirmed = await decide(DEFAULT, { socialIntermediateArchiveYears: 1, motive });
    const miscounted = await decide(DEFAULT, { socialIntermediateArchiveYears: 1, motive, confirmedDestructions: 2 });
    const beforeConfirming = await run(DEFAULT);
    const confirmed = await decide(DEFAULT, { socialIntermediateArchiveYears: 1, motive, confirmedDestructions: 1 });
    const afterConfirming = await run(DEFAULT);

    // then the first two are refused in French with the count, and nothing is destroyed until the third
    expect(unconfirmed.status).to.equal(422);
    expect(unconfirmed.body).to.deep.include({
      code: 'RETENTION_POLICY_DESTRUCTIONS_UNCONFIRMED',
      details: { destructionsBroughtForward: 1 },
    });
    expect(unconfirmed.body.detail).to.include('la destruction de 1 dossier(s)');
    expect(miscounted.status).to.equal(422);
    expect(miscounted.body.details).to.deep.equal({ destructionsBroughtForward: 1, confirmedDestructions: 2 });
    expect(beforeConfirming.destroyed).to.deep.equal([]);
    expect(confirmed.status, JSON.stringify(confirmed.body)).to.equal(200);
    expect(confirmed.body.destructionsBroughtForward).to.equal(1);
    expect(afterConfirming.destroyed.map((record) => record.serviceUserId)).to.deep.equal([usagers[DEFAULT]]);
    // and the decision keeps, for the DPO, how many records it made due
    const policy = await policyOf(DEFAULT);
    expect(policy.body.decisions).to.deep.equal([
      {
        socialIntermediateArchiveYears: 1,
        decidedOn: '2023-03-02',
        decidedBy: `${DEFAULT}-director`,
        motive,
        destructionsBroughtForward: 1,
      },
    ]);
  });
});
