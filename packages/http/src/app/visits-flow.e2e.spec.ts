import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CAARUD = '750000002';
const CSAPA = '750000001';
const DAY = '2026-03-10';

interface ListedVisit {
  visitId: string;
  serviceUserId: string | null;
  identified: boolean;
  setting: string;
  supplies: { supplyCode: string; quantity: number }[];
}

describe('the HTTP API: passages at a CAARUD, harm-reduction supplies, syringe collections and the day’s totals', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};

  before(async () => {
    app = await ServerUnderTest.start();
    const grant = (professionalId: string, role: 'nurse' | 'educator' | 'director', facilityId = CAARUD) => ({
      type: 'GrantRole' as const,
      professionalId,
      facilityId,
      role,
    });
    const team = (professionalId: string) => ({
      type: 'AddToCareTeam' as const,
      professionalId,
      serviceUserId: 'usager-1',
      facilityId: CAARUD,
    });
    await app.asSystem(
      ORG,
      grant('pro-educ', 'educator'),
      team('pro-educ'),
      grant('pro-nurse', 'nurse'),
      grant('pro-director', 'director'),
      grant('pro-csapa', 'educator', CSAPA),
    );
    for (const id of ['pro-educ', 'pro-nurse', 'pro-director', 'pro-csapa']) tokens[id] = await app.loginAs(id);
  });
  after(() => app.close());

  const recordVisit = (as: string, body: Record<string, unknown>) =>
    app.request('POST', `/organisations/${ORG}/facilities/${CAARUD}/visits`, {
      as: tokens[as],
      body: { visitId: randomUUID(), occurredOn: DAY, ...body },
    });

  it('records the day of a CAARUD: a street passage, an anonymous one, a correction, a collection, and totals them', async () => {
    // given an identified passage in the street with supplies and a TROD, and an anonymous passage at the premises
    const street = randomUUID();
    const identified = await recordVisit('pro-educ', {
      visitId: street,
      serviceUserId: 'usager-1',
      occurredAt: `${DAY}T15:30:00+01:00`,
      setting: 'street',
      services: ['reception', 'harmReductionAdvice', 'screening'],
      supplies: [
        { supplyCode: 'kit-injection', quantity: 4 },
        { supplyCode: 'seringue-1ml', quantity: 20 },
      ],
      syringesCollected: 15,
      rapidTests: [{ test: 'hcv', result: 'negative' }],
    });
    const anonymous = await recordVisit('pro-nurse', {
      anonymous: { sex: 'F', ageBand: '25-34' },
      setting: 'premises',
      services: ['reception', 'hygiene', 'meal'],
      supplies: [{ supplyCode: 'preservatif', quantity: 10 }],
    });
    // when the street passage is corrected (If-Match) and a collection box is emptied
    const corrected = await app.request('POST', `/organisations/${ORG}/visits/${street}/corrections`, {
      as: tokens['pro-educ'],
      ifMatch: '"0"',
      // the list of supplies is replaced in whole
      body: {
        reason: 'quantité mal saisie',
        supplies: [
          { supplyCode: 'kit-injection', quantity: 5 },
          { supplyCode: 'seringue-1ml', quantity: 20 },
        ],
      },
    });
    const stale = await app.request('POST', `/organisations/${ORG}/visits/${street}/corrections`, {
      as: tokens['pro-educ'],
      ifMatch: '"0"',
      body: { reason: 'encore', setting: 'mobileUnit' },
    });
    const collection = await app.request('POST', `/organisations/${ORG}/facilities/${CAARUD}/syringe-collections`, {
      as: tokens['pro-nurse'],
      body: { collectionId: randomUUID(), collectedOn: DAY, source: 'collectionBox', quantity: 230 },
    });
    const logBefore = (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-1'))).length;
    const dayByEducator = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CAARUD}/visits?from=${DAY}&to=${DAY}`,
      { as: tokens['pro-educ'] },
    );
    const dayByNurse = await app.request('GET', `/organisations/${ORG}/facilities/${CAARUD}/visits?from=${DAY}`, {
      as: tokens['pro-nurse'],
    });
    const ofUsager = await app.request('GET', `/organisations/${ORG}/usagers/usager-1/visits?facilityId=${CAARUD}`, {
      as: tokens['pro-educ'],
    });
    const dayByDirector = await app.request('GET', `/organisations/${ORG}/facilities/${CAARUD}/visits?from=${DAY}`, {
      as: tokens['pro-director'],
    });

    // then
    expect(identified.status, JSON.stringify(identified.body)).to.equal(201);
    expect(anonymous.status, JSON.stringify(anonymous.body)).to.equal(201);
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect(corrected.body).to.deep.equal({ visitId: street, revision: 1 });
    expect(stale.status).to.equal(412);
    expect(collection.status, JSON.stringify(collection.body)).to.equal(201);
    expect(dayByEducator.status, JSON.stringify(dayByEducator.body)).to.equal(200);
    expect(dayByEducator.body.totals).to.deep.equal({
      from: DAY,
      to: DAY,
      visits: { total: 2, identified: 1, serviceUsers: 1, anonymous: 1 },
      bySetting: { premises: 1, mobileUnit: 0, street: 1, festiveEvent: 0, partnerPharmacy: 0, other: 0 },
      byService: {
        reception: 2,
        hygiene: 1,
        meal: 1,
        harmReductionAdvice: 1,
        socialSupport: 0,
        care: 0,
        referral: 0,
        screening: 1,
        other: 0,
      },
      supplies: [
        { supplyCode: 'kit-injection', quantity: 5 },
        { supplyCode: 'preservatif', quantity: 10 },
        { supplyCode: 'seringue-1ml', quantity: 20 },
      ],
      syringesCollected: { duringVisits: 15, bySource: { collectionBox: 230 }, total: 245 },
      rapidTests: [{ test: 'hcv', result: 'negative', count: 1 }],
    });
    const named = (answer: typeof dayByEducator) =>
      (answer.body.visits as ListedVisit[]).map((visit) => [visit.setting, visit.identified, visit.serviceUserId]);
    // the educator of the usager's team sees them named; the nurse, outside the team, sees a passage unnamed
    expect(named(dayByEducator)).to.have.deep.members([
      ['street', true, 'usager-1'],
      ['premises', false, null],
    ]);
    expect(named(dayByNurse)).to.have.deep.members([
      ['street', true, null],
      ['premises', false, null],
    ]);
    // and the TROD results go only with a passage the reader may read: the nurse outside the team
    // and the director (who records no passage) get the street passage without them
    const results = (answer: typeof dayByEducator) =>
      (answer.body.visits as (ListedVisit & { rapidTests: unknown[]; rapidTestsWithheld: boolean })[])
        .filter((visit) => visit.setting === 'street')
        .map((visit) => [visit.rapidTests, visit.rapidTestsWithheld]);
    expect(results(dayByEducator)).to.deep.equal([[[{ test: 'hcv', result: 'negative' }], false]]);
    expect(results(dayByNurse)).to.deep.equal([[[], true]]);
    expect(results(dayByDirector)).to.deep.equal([[[], true]]);
    expect(ofUsager.status).to.equal(200);
    expect(ofUsager.body.visits).to.have.length(1);
    expect(ofUsager.body.visits[0]).to.deep.include({
      visitId: street,
      serviceUserId: 'usager-1',
      occurredOn: DAY,
      occurredAt: `${DAY}T15:30:00+01:00`,
      setting: 'street',
      supplies: [
        { supplyCode: 'kit-injection', quantity: 5 },
        { supplyCode: 'seringue-1ml', quantity: 20 },
      ],
      syringesCollected: 15,
      rapidTests: [{ test: 'hcv', result: 'negative' }],
      corrections: 1,
      revision: 1,
    });
    // and each read naming the usager is in their access log; the nurse's, naming nobody, is not
    const log = (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-1'))).slice(logBefore);
    expect(log.map((entry) => [entry.metadata.actor.id, (entry.data as { resource: string }).resource])).to.deep.equal([
      ['pro-educ', 'visits'],
      ['pro-educ', 'visits'],
    ]);
    // and the anonymous passage's event names nobody: not encrypted for a usager, no record id in its data
    const events = await app.server.store.readStream(`visit/${ORG}/${anonymous.body.visitId}`);
    expect(events[0]?.metadata.serviceUserId).to.equal(undefined);
    expect(Object.keys(events[0]?.data as object)).to.not.include('serviceUserId');
  });

  it('refuses a passage to someone without a role there, an anonymous one to a role that writes no social data, and an identified one outside the team', async () => {
    const outsider = await recordVisit('pro-csapa', { anonymous: {}, setting: 'premises' });
    const director = await recordVisit('pro-director', { anonymous: {}, setting: 'premises' });
    const outsideTeam = await recordVisit('pro-nurse', { serviceUserId: 'usager-1', setting: 'premises' });
    const both = await recordVisit('pro-educ', { serviceUserId: 'usager-1', anonymous: {}, setting: 'premises' });
    const named = await recordVisit('pro-educ', { anonymous: { lastName: 'Martin' }, setting: 'premises' });
    const future = await recordVisit('pro-educ', { anonymous: {}, setting: 'premises', occurredOn: '2999-01-01' });
    const readOutside = await app.request('GET', `/organisations/${ORG}/facilities/${CAARUD}/visits`, {
      as: tokens['pro-csapa'],
    });

    expect(outsider.status).to.equal(403);
    expect(director.status).to.equal(403);
    expect(outsideTeam.status).to.equal(403);
    expect(both.status).to.equal(422);
    expect(both.body.code).to.equal('VISIT_PERSON_REQUIRED');
    expect(named.status).to.equal(400);
    expect(future.status).to.equal(422);
    expect(future.body.code).to.equal('VISIT_IN_FUTURE');
    expect(readOutside.status).to.equal(403);
  });

  it('keeps the catalogue of supplies: the director adds and retires; a retired supply is no longer handed out', async () => {
    // given the director adds foil and retires crack pipes
    const added = await app.request('POST', `/organisations/${ORG}/harm-reduction-supplies`, {
      as: tokens['pro-director'],
      body: { supplyCode: 'feuille-alu', label: 'Feuille d’aluminium', unit: 'feuille' },
    });
    const retired = await app.request('POST', `/organisations/${ORG}/harm-reduction-supplies/pipe-crack/retirements`, {
      as: tokens['pro-director'],
      body: { reason: 'remplacée par le kit base' },
    });
    const byEducator = await app.request('POST', `/organisations/${ORG}/harm-reduction-supplies`, {
      as: tokens['pro-educ'],
      body: { supplyCode: 'paille', label: 'Paille', unit: 'paille' },
    });

    // when an educator hands out pipes, then foil
    const pipes = await recordVisit('pro-educ', {
      anonymous: {},
      setting: 'festiveEvent',
      supplies: [{ supplyCode: 'pipe-crack', quantity: 2 }],
    });
    const foil = await recordVisit('pro-educ', {
      anonymous: {},
      setting: 'festiveEvent',
      supplies: [{ supplyCode: 'feuille-alu', quantity: 5 }],
    });
    const active = await app.request('GET', `/organisations/${ORG}/harm-reduction-supplies`, {
      as: tokens['pro-educ'],
    });
    const all = await app.request('GET', `/organisations/${ORG}/harm-reduction-supplies?includeRetired=true`, {
      as: tokens['pro-educ'],
    });

    // then
    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    expect(retired.status, JSON.stringify(retired.body)).to.equal(200);
    expect(byEducator.status).to.equal(403);
    expect(pipes.status).to.equal(422);
    expect(pipes.body.code).to.equal('SUPPLY_RETIRED');
    expect(foil.status, JSON.stringify(foil.body)).to.equal(201);
    const codes = (answer: typeof active) => answer.body.supplies.map((supply: { code: string }) => supply.code);
    expect(codes(active)).to.include('feuille-alu').and.not.include('pipe-crack');
    expect(all.body.supplies).to.deep.include({
      code: 'pipe-crack',
      label: 'Pipe à crack (kit base)',
      unit: 'kit',
      retired: true,
    });
  });
});
