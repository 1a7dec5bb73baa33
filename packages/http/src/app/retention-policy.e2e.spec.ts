import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';
import { registerSocialOnlyRecord } from './testing/social-only-record.js';
import { noonOn, TestClock } from './testing/test-clock.js';

const ORG = 'og-retention-policy';
const CSAPA = '750000001';
const USAGER = randomUUID();

describe('the keeping of social data set by DUI_SOCIAL_ARCHIVE_YEARS', function () {
  this.timeout(120_000);
  const clock = new TestClock(noonOn('2020-03-02'));
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};

  const moveTo = (day: string) => clock.advance(noonOn(day) - clock.now().getTime());
  const run = async () => {
    const answer = await app.request('POST', `/organisations/${ORG}/retention-runs`, { as: tokens.director, body: {} });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body as { archived: string[]; destroyed: { serviceUserId: string }[]; failed: unknown[] };
  };

  before(async () => {
    // given a server whose organisations keep social data 1 year in intermediate archive, not 5
    app = await ServerUnderTest.start({ DUI_SOCIAL_ARCHIVE_YEARS: '1' }, undefined, { clock: clock.now });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'AddToCareTeam', professionalId: 'pro-director', serviceUserId: USAGER, facilityId: CSAPA },
    );
    for (const who of ['secretary', 'director']) tokens[who] = await app.loginAs(`pro-${who}`);

    // and a record with social data only, whose last contact is on 2 March 2020
    await registerSocialOnlyRecord(
      app,
      { organisationId: ORG, facilityId: CSAPA, serviceUserId: USAGER },
      tokens.secretary!,
    );
  });
  after(() => app?.close());

  it('schedules the destruction 2 + 1 years after the last contact, and says so in French', async () => {
    // when the director reads the record's retention
    const answer = await app.request('GET', `/organisations/${ORG}/usagers/${USAGER}/retention?facilityId=${CSAPA}`, {
      as: tokens.director,
    });

    // then the archive is due after the 2 years of active base, the destruction 1 year later
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body).to.deep.include({
      lastContactOn: '2020-03-02',
      archiveDueOn: '2022-03-02',
      destructionDueOn: '2023-03-02',
    });
    expect(answer.body.rule.frenchLabel).to.include('puis 1 an d’archivage intermédiaire');
  });

  it('has the job destroy the record on that day, not the day before', async () => {
    // when the job runs the day before the destruction is due, then on the day
    moveTo('2023-03-01');
    const dayBefore = await run();
    moveTo('2023-03-02');
    const onTheDay = await run();

    // then the record is archived first, and destroyed only on the day
    expect(dayBefore).to.deep.include({ archived: [USAGER], destroyed: [], failed: [] });
    expect(onTheDay.destroyed.map((record) => record.serviceUserId)).to.deep.equal([USAGER]);
    expect(onTheDay.failed).to.deep.equal([]);
  });
});
