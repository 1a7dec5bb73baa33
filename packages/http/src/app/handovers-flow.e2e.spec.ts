import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const CAARUD = '750000002';
const USAGER = 'usager-1';

describe('the HTTP API: handovers, from recording to the feed of each professional', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let nurse: string;
  let socialWorker: string;
  let secretary: string;
  let elsewhere: string;
  const care = randomUUID();
  const social = randomUUID();
  const feed = `/organisations/${ORG}/facilities/${CSAPA}/handovers`;
  const ids = (answer: { body: { handovers: { handoverId: string }[] } }) =>
    answer.body.handovers.map((handover) => handover.handoverId);

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: 'pro-nurse', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-caarud', facilityId: CAARUD, role: 'nurse' },
    );
    nurse = await app.loginAs('pro-nurse');
    socialWorker = await app.loginAs('pro-social');
    secretary = await app.loginAs('pro-secretary');
    elsewhere = await app.loginAs('pro-caarud');

    const recordedByNurse = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/handovers`, {
      as: nurse,
      body: {
        handoverId: care,
        facilityId: CSAPA,
        category: 'soins',
        targetTeam: 'equipe-soins',
        text: 'TA 12/8, à recontrôler demain',
        occurredAt: '2025-03-31T07:00:00.000Z',
      },
    });
    const recordedBySocialWorker = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/handovers`, {
      as: socialWorker,
      body: {
        handoverId: social,
        facilityId: CSAPA,
        category: 'social',
        targetTeam: 'equipe-sociale',
        text: 'Dossier CSS déposé',
        occurredAt: '2025-03-31T09:00:00.000Z',
      },
    });
    expect(recordedByNurse.status, JSON.stringify(recordedByNurse.body)).to.equal(201);
    expect(recordedBySocialWorker.status, JSON.stringify(recordedBySocialWorker.body)).to.equal(201);
  });
  after(() => app.close());

  it('shows each professional the handovers they may read, newest first, and traces each read', async () => {
    // when each reads the feed of the CSAPA
    const forNurse = await app.request('GET', feed, { as: nurse });
    const forSocialWorker = await app.request('GET', feed, { as: socialWorker });
    const forSecretary = await app.request('GET', feed, { as: secretary });
    const fromElsewhere = await app.request('GET', feed, { as: elsewhere });

    // then the nurse of the team reads care and social, the social worker social only, the secretary neither
    expect(forNurse.status, JSON.stringify(forNurse.body)).to.equal(200);
    expect(ids(forNurse)).to.deep.equal([social, care]);
    expect(forNurse.body.handovers[1]).to.include({
      category: 'soins',
      sensitivity: 'medical',
      targetTeam: 'equipe-soins',
      authorId: 'pro-nurse',
      text: 'TA 12/8, à recontrôler demain',
    });
    expect(ids(forSocialWorker)).to.deep.equal([social]);
    expect(forSecretary.status).to.equal(200);
    expect(ids(forSecretary)).to.deep.equal([]);
    expect(fromElsewhere.status).to.equal(403);

    const log = await app.server.store.readStream(accessLogStreamId(ORG, USAGER));
    const reads = log.filter((entry) => (entry.data as { resource: string }).resource === 'handovers');
    expect(reads.map((entry) => entry.metadata.actor.id)).to.deep.equal(['pro-nurse', 'pro-social']);
  });

  it('filters per usager and per team', async () => {
    const perUsager = await app.request('GET', `${feed}?serviceUserId=${USAGER}`, { as: nurse });
    const perTeam = await app.request('GET', `${feed}?targetTeam=equipe-soins`, { as: nurse });
    expect(ids(perUsager)).to.deep.equal([social, care]);
    expect(ids(perTeam)).to.deep.equal([care]);
  });

  it('refuses to record a handover of a class closed to the author', async () => {
    const refused = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/handovers`, {
      as: socialWorker,
      body: {
        handoverId: randomUUID(),
        facilityId: CSAPA,
        category: 'soins',
        targetTeam: 'equipe-soins',
        text: 'x',
      },
    });
    expect(refused.status).to.equal(403);
  });

  it('drops from "unread" what one marked read, and marking it twice records nothing', async () => {
    // given the nurse's unread: the social worker's handover, not her own
    const before = await app.request('GET', `${feed}?unread=true`, { as: nurse });
    expect(ids(before)).to.deep.equal([social]);

    // when she marks it read, twice
    const marked = await app.request('POST', `/organisations/${ORG}/handovers/${social}/reads`, {
      as: nurse,
      body: {},
    });
    const events = await app.eventCount();
    const again = await app.request('POST', `/organisations/${ORG}/handovers/${social}/reads`, {
      as: nurse,
      body: {},
    });

    // then
    expect(marked.status, JSON.stringify(marked.body)).to.equal(200);
    expect(again.status).to.equal(200);
    expect(again.body.revision).to.equal(marked.body.revision);
    expect(await app.eventCount()).to.equal(events);
    const after = await app.request('GET', `${feed}?unread=true`, { as: nurse });
    expect(ids(after)).to.deep.equal([]);
    const all = await app.request('GET', feed, { as: nurse });
    expect(all.body.handovers[0].readAt).to.be.a('string');
  });

  it('refuses to mark read a handover one may not read', async () => {
    const refused = await app.request('POST', `/organisations/${ORG}/handovers/${care}/reads`, {
      as: socialWorker,
      body: {},
    });
    expect(refused.status).to.equal(403);
  });

  it('corrects a handover with If-Match, and shows the correction in the feed', async () => {
    // given the revision the nurse read
    const read = await app.request('GET', `${feed}?targetTeam=equipe-soins`, { as: nurse });
    const revision = read.body.handovers[0].revision as number;
    const correction = { text: 'TA 13/8, à recontrôler demain', reason: 'erreur de saisie' };

    // when she corrects it without If-Match, with a stale one, and with the one she read
    const corrections = `/organisations/${ORG}/handovers/${care}/corrections`;
    const without = await app.request('POST', corrections, { as: nurse, body: correction });
    const stale = await app.request('POST', corrections, { as: nurse, ifMatch: '"7"', body: correction });
    const corrected = await app.request('POST', corrections, { as: nurse, ifMatch: `"${revision}"`, body: correction });

    // then
    expect(without.status).to.equal(428);
    expect(stale.status).to.equal(412);
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect(corrected.headers.get('etag')).to.equal(`"${revision + 1}"`);
    const after = await app.request('GET', `${feed}?targetTeam=equipe-soins`, { as: nurse });
    expect(after.body.handovers[0]).to.include({ text: correction.text, revision: revision + 1 });
    expect(after.body.handovers[0].correctedAt).to.be.a('string');
  });
});
