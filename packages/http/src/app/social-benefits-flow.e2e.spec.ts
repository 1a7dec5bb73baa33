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

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-2', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
    );
    socialWorker = await app.loginAs('pro-social');
    doctorOutsideTeam = await app.loginAs('pro-doctor');
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
});
