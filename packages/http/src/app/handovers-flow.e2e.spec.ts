import { randomUUID } from 'node:crypto';
import { accessLogStreamId, type HandoverCategory, handoverDecider, handoverStreamId } from '@dui-pds/domain';
import { handleCommand } from '@dui-pds/eventstore';
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
  let colleague: string;
  const care = randomUUID();
  const social = randomUUID();
  const feed = `/organisations/${ORG}/facilities/${CSAPA}/handovers`;
  const ids = (answer: { body: { handovers: { handoverId: string }[] } }) =>
    answer.body.handovers.map((handover) => handover.handoverId);

  /** A handover appended through the server's store, as its route would, without an HTTP round trip. */
  const recordDirectly = (handoverId: string, serviceUserId: string, category: HandoverCategory, occurredAt: string) =>
    handleCommand(app.server.store, handoverDecider, {
      streamId: handoverStreamId(ORG, handoverId),
      commandId: randomUUID(),
      command: {
        type: 'RecordHandover',
        handoverId,
        serviceUserId,
        facilityId: CSAPA,
        category,
        targetTeam: 'equipe-soins',
        text: 'Nuit agitée',
        occurredAt,
      },
      metadata: {
        organisationId: ORG,
        facilityId: CSAPA,
        serviceUserId,
        actor: { kind: 'professional', id: 'pro-night', role: 'nurse' },
        occurredAt,
      },
      expectedRevision: 'noStream',
    });
  /** `count` handovers a minute apart from `from`, 25 at a time. */
  const recordMany = async (
    count: number,
    serviceUserOf: (index: number) => string,
    category: HandoverCategory,
    from: string,
  ) => {
    for (let start = 0; start < count; start += 25) {
      const batch = Array.from({ length: Math.min(25, count - start) }, (_, offset) => start + offset);
      await Promise.all(
        batch.map((index) =>
          recordDirectly(
            randomUUID(),
            serviceUserOf(index),
            category,
            new Date(Date.parse(from) + index * 60_000).toISOString(),
          ),
        ),
      );
    }
  };

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
      { type: 'GrantRole', professionalId: 'pro-nurse-2', facilityId: CSAPA, role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: 'pro-nurse-2', serviceUserId: USAGER, facilityId: CSAPA },
    );
    nurse = await app.loginAs('pro-nurse');
    socialWorker = await app.loginAs('pro-social');
    secretary = await app.loginAs('pro-secretary');
    elsewhere = await app.loginAs('pro-caarud');
    colleague = await app.loginAs('pro-nurse-2');

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

  it('says who corrected a handover and when, when a colleague corrected it', async () => {
    // given the nurse's care handover, which a colleague of the team corrects
    const read = await app.request('GET', `${feed}?targetTeam=equipe-soins`, { as: colleague });
    const before = read.body.handovers.find((handover: { handoverId: string }) => handover.handoverId === care);
    const corrected = await app.request('POST', `/organisations/${ORG}/handovers/${care}/corrections`, {
      as: colleague,
      ifMatch: `"${before.revision}"`,
      body: { text: 'TA 13/8, recontrôlée à 13/8 ce matin', reason: 'nouvelle mesure' },
    });
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);

    // when the nurse reads the feed
    const after = await app.request('GET', `${feed}?targetTeam=equipe-soins`, { as: nurse });

    // then the handover still names its author, and names who corrected it last, and when
    const shown = after.body.handovers.find((handover: { handoverId: string }) => handover.handoverId === care);
    expect(shown).to.include({
      text: 'TA 13/8, recontrôlée à 13/8 ce matin',
      authorId: 'pro-nurse',
      correctedBy: 'pro-nurse-2',
    });
    expect(shown.correctedAt).to.be.a('string');
    expect(before.correctedBy).to.equal('pro-nurse');
  });

  it('lists a usager’s unread handover to their nurse however many newer ones are about other usagers', async () => {
    // given a handover about her usager by the night nurse, then 250 newer ones about usagers outside her team
    const hers = randomUUID();
    await recordDirectly(hers, USAGER, 'soins', '2025-04-01T02:00:00.000Z');
    await recordMany(250, (index) => `usager-autre-${index % 5}`, 'soins', '2025-04-01T03:00:00.000Z');

    // when the nurse reads her unread handovers, and the whole feed, in the morning
    const unread = await app.request('GET', `${feed}?unread=true`, { as: nurse });
    const whole = await app.request('GET', feed, { as: nurse });

    // then her usager's handover is there, and none about the others
    expect(unread.status, JSON.stringify(unread.body)).to.equal(200);
    expect(ids(unread)).to.deep.equal([hers]);
    expect(ids(whole)).to.deep.equal([hers, social, care]);
  });

  it('fills a page past the handovers of archived records it leaves out', async () => {
    // given an administrative handover about an open record, then 201 newer ones about a record archived since
    const open = randomUUID();
    await recordDirectly(open, USAGER, 'administratif', '2025-04-02T02:00:00.000Z');
    await recordMany(201, () => 'usager-archive', 'administratif', '2025-04-02T03:00:00.000Z');
    await app.asSystem(ORG, { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' });
    const archived = await app.request('POST', `/organisations/${ORG}/usagers/usager-archive/archiving`, {
      as: await app.loginAs('pro-director'),
      body: { facilityId: CSAPA, motive: 'Fin de l’accompagnement' },
    });
    expect(archived.status, JSON.stringify(archived.body)).to.equal(200);

    // when the secretary, who reads the administrative handovers of the whole ESSMS, reads the feed
    const forSecretary = await app.request('GET', feed, { as: secretary });

    // then the open record's handover is there, and none of the archived one
    expect(forSecretary.status, JSON.stringify(forSecretary.body)).to.equal(200);
    expect(ids(forSecretary)).to.deep.equal([open]);
  });
});
