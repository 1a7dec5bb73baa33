import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
/** This year in Paris, as the server reckons it: a profile's year may not be later. */
const YEAR = Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric' }).format(new Date()));

interface ReportingEvent {
  type: string;
  version: number;
  facilityId: string | null;
  occurredOn: string;
  subjectKey: string | null;
  data: Record<string, unknown>;
}

describe('the HTTP API: usage profiles, one per usager, ESSMS and year, published for reporting', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let socialWorker: string;
  let doctorOutsideTeam: string;
  let director: string;

  const profiles = (serviceUserId: string) => `/organisations/${ORG}/usagers/${serviceUserId}/usage-profiles`;
  const patient = {
    facilityId: CSAPA,
    year: YEAR,
    population: 'patient',
    referral: 'justice',
    housing: 'precarious',
    income: 'minimumIncome',
    mainProduct: 'opioids',
    useLevel: 'dependence',
    injection: 'past',
  };

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-2', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
    );
    socialWorker = await app.loginAs('pro-social');
    doctorOutsideTeam = await app.loginAs('pro-doctor');
    director = await app.loginAs('pro-director');
  });
  after(() => app.close());

  const reportingEvents = async (): Promise<ReportingEvent[]> => {
    const answer = await app.request('GET', `/organisations/${ORG}/reporting-events?limit=1000`, { as: director });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body.events as ReportingEvent[];
  };

  it('records a profile, replaces it when recorded again, reads it back traced, and publishes each record', async () => {
    // given a patient's profile for this year
    const first = await app.request('POST', profiles('usager-1'), { as: socialWorker, body: patient });

    // when it is recorded again with another main product, then the very same again
    const corrected = await app.request('POST', profiles('usager-1'), {
      as: socialWorker,
      body: { ...patient, mainProduct: 'cocaine', injection: 'last30days', reason: 'Revu en réunion de synthèse.' },
      ifMatch: '"0"',
    });
    const same = await app.request('POST', profiles('usager-1'), {
      as: socialWorker,
      body: { ...patient, mainProduct: 'cocaine', injection: 'last30days' },
    });
    const read = await app.request('GET', `${profiles('usager-1')}?facilityId=${CSAPA}`, { as: socialWorker });

    // then one profile, the last, under the first record's id
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ year: YEAR, revision: 0 });
    const { profileId } = first.body;
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect(corrected.body).to.deep.equal({ profileId, year: YEAR, revision: 1 });
    expect(same.status).to.equal(200);
    expect(same.body).to.deep.equal({ profileId, year: YEAR, revision: 1 });
    expect(read.status, JSON.stringify(read.body)).to.equal(200);
    expect(read.body.profiles).to.have.length(1);
    expect(read.body.profiles[0]).to.deep.include({
      profileId,
      serviceUserId: 'usager-1',
      facilityId: CSAPA,
      year: YEAR,
      population: 'patient',
      referral: 'justice',
      mainProduct: 'cocaine',
      useLevel: 'dependence',
      injection: 'last30days',
      corrections: 1,
      revision: 1,
    });

    // and the read is in the usager's access log
    const log = await app.server.store.readStream(accessLogStreamId(ORG, 'usager-1'));
    expect(log.map((entry) => (entry.data as { resource?: string }).resource)).to.include('usage-profiles');

    // and two reporting events, pseudonymous, the latest current, never the reason
    const published = (await reportingEvents()).filter((event) => event.type === 'usage-profile.recorded');
    expect(published).to.have.length(2);
    const [before, after] = published as [ReportingEvent, ReportingEvent];
    expect(before.subjectKey).to.match(/^[0-9a-f]{64}$/);
    expect(after.subjectKey).to.equal(before.subjectKey);
    expect(after).to.deep.include({ version: 1, facilityId: CSAPA });
    expect(after.occurredOn).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(after.data).to.deep.equal({
      profileId,
      year: YEAR,
      population: 'patient',
      referral: 'justice',
      housing: 'precarious',
      income: 'minimumIncome',
      mainProduct: 'cocaine',
      useLevel: 'dependence',
      injection: 'last30days',
    });
    expect(before.data).to.include({ profileId, mainProduct: 'opioids', injection: 'past' });
    const text = JSON.stringify(published);
    expect(text).not.to.include('usager-1');
    expect(text).not.to.include('synthèse');
  });

  it('refuses a main product, a use level or an injection for the entourage, and a year to come', async () => {
    // when
    const withProduct = await app.request('POST', profiles('usager-2'), {
      as: socialWorker,
      body: { ...patient, population: 'entourage', mainProduct: 'alcohol', useLevel: null, injection: null },
    });
    const future = await app.request('POST', profiles('usager-2'), {
      as: socialWorker,
      body: { ...patient, year: YEAR + 1 },
    });
    const entourage = await app.request('POST', profiles('usager-2'), {
      as: socialWorker,
      body: {
        facilityId: CSAPA,
        year: YEAR,
        population: 'entourage',
        referral: 'family',
        housing: 'stable',
        income: 'employment',
      },
    });
    const read = await app.request('GET', `${profiles('usager-2')}?facilityId=${CSAPA}&year=${YEAR}`, {
      as: socialWorker,
    });

    // then
    expect(withProduct.status, JSON.stringify(withProduct.body)).to.equal(422);
    expect(withProduct.body.code).to.equal('USAGE_PROFILE_ENTOURAGE_HAS_NO_PRODUCT');
    expect(future.status).to.equal(422);
    expect(future.body.code).to.equal('USAGE_PROFILE_YEAR_INVALID');
    expect(entourage.status, JSON.stringify(entourage.body)).to.equal(201);
    expect(read.body.profiles.map((profile: Record<string, unknown>) => profile.population)).to.deep.equal([
      'entourage',
    ]);
    expect(read.body.profiles[0]).to.include({ mainProduct: null, useLevel: null, injection: null });
  });

  it('refuses who is outside the usager’s care team, to write as to read', async () => {
    // when
    const write = await app.request('POST', profiles('usager-1'), {
      as: doctorOutsideTeam,
      body: { ...patient, mainProduct: 'alcohol' },
    });
    const read = await app.request('GET', `${profiles('usager-1')}?facilityId=${CSAPA}`, { as: doctorOutsideTeam });
    const byDirector = await app.request('POST', profiles('usager-1'), { as: director, body: patient });

    // then
    expect(write.status).to.equal(403);
    expect(read.status).to.equal(403);
    expect(byDirector.status).to.equal(403);
    const current = await app.request('GET', `${profiles('usager-1')}?facilityId=${CSAPA}`, { as: socialWorker });
    expect(current.body.profiles[0]).to.include({ mainProduct: 'cocaine' });
  });
});
