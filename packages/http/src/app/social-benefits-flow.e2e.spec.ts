import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';

describe('the HTTP API: social benefits and the renewals to watch', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let socialWorker: string;
  let doctorOutsideTeam: string;
  let secretary: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-2', facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-3', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
    );
    socialWorker = await app.loginAs('pro-social');
    doctorOutsideTeam = await app.loginAs('pro-doctor');
    secretary = await app.loginAs('pro-secretary');
  });
  after(() => app.close());

  it('warns of a renewal due and an expired right, soonest first, until the renewal is recorded', async () => {
    // given an AAH ending in 60 days (lead 90: renewal due) and a CSS already over
    const aah = randomUUID();
    const recorded = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/social-benefits`, {
      as: socialWorker,
      body: {
        benefitId: aah,
        facilityId: CSAPA,
        kind: 'AAH',
        organism: 'MDPH',
        openFrom: '2024-01-01',
        openTo: '2026-03-01',
      },
    });
    await app.request('POST', `/organisations/${ORG}/usagers/usager-2/social-benefits`, {
      as: socialWorker,
      body: {
        benefitId: randomUUID(),
        facilityId: CSAPA,
        kind: 'CSS',
        organism: 'CPAM',
        openFrom: '2025-01-01',
        openTo: '2025-12-31',
      },
    });

    // when the list is read on 1 January 2026, then after the AAH's renewal
    const watch = `/organisations/${ORG}/facilities/${CSAPA}/social-benefits-to-watch?today=2026-01-01`;
    const before = await app.request('GET', watch, { as: socialWorker });
    const renewed = await app.request('POST', `/organisations/${ORG}/social-benefits/${aah}/renewals`, {
      as: socialWorker,
      body: { openTo: '2031-03-01' },
    });
    const after = await app.request('GET', watch, { as: socialWorker });
    const byDoctor = await app.request('GET', watch, { as: doctorOutsideTeam });

    // then
    expect(recorded.status, JSON.stringify(recorded.body)).to.equal(201);
    expect(
      before.body.benefits.map((benefit: { kind: string; warning: string }) => [benefit.kind, benefit.warning]),
    ).to.deep.equal([
      ['CSS', 'expired'],
      ['AAH', 'renewal-due'],
    ]);
    expect(renewed.status, JSON.stringify(renewed.body)).to.equal(200);
    expect(after.body.benefits.map((benefit: { kind: string }) => benefit.kind)).to.deep.equal(['CSS']);
    expect(byDoctor.status).to.equal(200);
    expect(byDoctor.body.benefits).to.deep.equal([]);
  });

  it('stops watching the rights of a usager whose death is recorded: they are closed, not renewed', async () => {
    // given a CSS due for renewal
    const css = randomUUID();
    const recorded = await app.request('POST', `/organisations/${ORG}/usagers/usager-3/social-benefits`, {
      as: socialWorker,
      body: {
        benefitId: css,
        facilityId: CSAPA,
        kind: 'CSS',
        organism: 'CPAM',
        openFrom: '2025-03-01',
        openTo: '2026-02-28',
      },
    });
    const watch = `/organisations/${ORG}/facilities/${CSAPA}/social-benefits-to-watch?today=2026-02-01`;
    const kindsWatchedFor = async (serviceUserId: string) =>
      (await app.request('GET', watch, { as: socialWorker })).body.benefits
        .filter((benefit: { serviceUserId: string }) => benefit.serviceUserId === serviceUserId)
        .map((benefit: { kind: string }) => benefit.kind);
    const watchedBefore = await kindsWatchedFor('usager-3');

    // when the usager's death is recorded, then the right renewed, another recorded, and the right closed
    const death = await app.request('POST', `/organisations/${ORG}/accompaniments/${randomUUID()}/exit`, {
      as: secretary,
      body: {
        serviceUserId: 'usager-3',
        facilityId: CSAPA,
        exitDay: '2026-01-20',
        exitReason: 'death',
        destination: 'not-applicable',
      },
    });
    const watchedAfter = await kindsWatchedFor('usager-3');
    const renewed = await app.request('POST', `/organisations/${ORG}/social-benefits/${css}/renewals`, {
      as: socialWorker,
      body: { openTo: '2027-02-28' },
    });
    const another = await app.request('POST', `/organisations/${ORG}/usagers/usager-3/social-benefits`, {
      as: socialWorker,
      body: {
        benefitId: randomUUID(),
        facilityId: CSAPA,
        kind: 'RSA',
        organism: 'CAF',
        openFrom: '2026-01-01',
        openTo: '2026-12-31',
      },
    });
    const closed = await app.request('POST', `/organisations/${ORG}/social-benefits/${css}/closures`, {
      as: socialWorker,
      body: { reason: 'Décès de l’usager' },
    });

    // then the right leaves the list, and is only closed
    expect(recorded.status, JSON.stringify(recorded.body)).to.equal(201);
    expect(watchedBefore).to.deep.equal(['CSS']);
    expect(death.status, JSON.stringify(death.body)).to.equal(201);
    expect(watchedAfter).to.deep.equal([]);
    for (const refused of [renewed, another]) {
      expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
      expect(refused.body.code).to.equal('USAGER_DECEASED');
    }
    expect(closed.status, JSON.stringify(closed.body)).to.equal(200);
  });
});
