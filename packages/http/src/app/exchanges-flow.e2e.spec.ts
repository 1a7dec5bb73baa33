import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-exchanges';
const CSAPA = '750000001';

interface ListedExchange {
  exchangeId: string;
  channel: string;
  withUsager: boolean;
  partners: { entryId: string; name: string }[];
}

describe('the HTTP API: exchanges with the usager and their partners', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let socialWorker: string;
  let educator: string;
  let doctorOutsideTeam: string;
  let spip: string;
  let gp: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-educator', facilityId: CSAPA, role: 'educator' },
      { type: 'AddToCareTeam', professionalId: 'pro-educator', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
    );
    socialWorker = await app.loginAs('pro-social');
    educator = await app.loginAs('pro-educator');
    doctorOutsideTeam = await app.loginAs('pro-doctor');
    // the SPIP and the GP in the usager's directory
    spip = randomUUID();
    gp = randomUUID();
    for (const [entryId, kind, role, name] of [
      [spip, 'structure', 'spip', 'SPIP de Paris'],
      [gp, 'professional', 'generalPractitioner', 'Dr Anne Moreau'],
    ] as const) {
      const added = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/directory`, {
        as: socialWorker,
        body: { entryId, facilityId: CSAPA, kind, role, name },
      });
      expect(added.status, JSON.stringify(added.body)).to.equal(201);
    }
  });
  after(() => app.close());

  const list = (as: string, query = '') =>
    app.request('GET', `/organisations/${ORG}/usagers/usager-1/exchanges?facilityId=${CSAPA}${query}`, { as });

  it('traces a call to the SPIP and a meeting with the usager, lists them latest first, and corrects one with a reason', async () => {
    // given a call to the SPIP, then a meeting with the usager and the GP
    const call = randomUUID();
    const called = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/exchanges`, {
      as: socialWorker,
      body: {
        exchangeId: call,
        facilityId: CSAPA,
        channel: 'phone',
        direction: 'out',
        occurredAt: '2026-03-10T10:00:00+01:00',
        withUsager: false,
        partnerEntryIds: [spip],
        summary: 'Point sur l’obligation de soins : attestation de suivi envoyée.',
      },
    });
    const meeting = randomUUID();
    const met = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/exchanges`, {
      as: educator,
      body: {
        exchangeId: meeting,
        facilityId: CSAPA,
        channel: 'meeting',
        direction: 'in',
        occurredAt: '2026-03-11T15:00:00+01:00',
        withUsager: true,
        partnerEntryIds: [gp],
        summary: 'Rencontre tripartite avec le médecin traitant.',
      },
    });
    const nobody = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/exchanges`, {
      as: socialWorker,
      body: {
        exchangeId: randomUUID(),
        facilityId: CSAPA,
        channel: 'email',
        direction: 'out',
        withUsager: false,
        summary: 'x',
      },
    });

    // when the call is corrected (it was the usager who called, with the SPIP on the line), and the list read
    const corrected = await app.request('POST', `/organisations/${ORG}/exchanges/${call}/corrections`, {
      as: socialWorker,
      ifMatch: '"0"',
      body: { reason: 'l’usager était en ligne', direction: 'in', withUsager: true },
    });
    const listed = await list(socialWorker);
    const tenth = await list(socialWorker, '&from=2026-03-10&to=2026-03-10');
    const one = await app.request('GET', `/organisations/${ORG}/exchanges/${call}`, { as: educator });

    // then
    expect(called.status, JSON.stringify(called.body)).to.equal(201);
    expect(met.status, JSON.stringify(met.body)).to.equal(201);
    expect([nobody.status, nobody.body.code]).to.deep.equal([422, 'EXCHANGE_COUNTERPART_REQUIRED']);
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect(
      listed.body.exchanges.map((exchange: ListedExchange) => [
        exchange.exchangeId,
        exchange.channel,
        exchange.withUsager,
      ]),
    ).to.deep.equal([
      [meeting, 'meeting', true],
      [call, 'phone', true],
    ]);
    expect(listed.body.exchanges[0]).to.include({ recordedBy: 'pro-educator', direction: 'in' });
    expect(listed.body.exchanges[0].partners).to.deep.equal([{ entryId: gp, name: 'Dr Anne Moreau' }]);
    expect(tenth.body.exchanges.map((exchange: ListedExchange) => exchange.exchangeId)).to.deep.equal([call]);
    expect(one.headers.get('etag')).to.equal('"1"');
    expect(one.body.corrections).to.have.length(1);
    expect(one.body.corrections[0]).to.deep.include({
      reason: 'l’usager était en ligne',
      correctedBy: 'pro-social',
      changes: { direction: 'in', withUsager: true },
    });
  });

  it('keeps a partner removed from the directory on the exchanges that named them, but names them no more', async () => {
    // given an exchange with the GP, who then leaves the directory
    const exchangeId = randomUUID();
    await app.request('POST', `/organisations/${ORG}/usagers/usager-1/exchanges`, {
      as: socialWorker,
      body: {
        exchangeId,
        facilityId: CSAPA,
        channel: 'letter',
        direction: 'out',
        withUsager: false,
        partnerEntryIds: [gp],
        summary: 'Courrier de liaison.',
      },
    });
    await app.request('POST', `/organisations/${ORG}/directory-entries/${gp}/removals`, { as: socialWorker, body: {} });

    // when a correction keeps the GP and adds the SPIP, and a new exchange names the GP
    const kept = await app.request('POST', `/organisations/${ORG}/exchanges/${exchangeId}/corrections`, {
      as: socialWorker,
      body: { reason: 'copie au SPIP', partnerEntryIds: [gp, spip] },
    });
    const refused = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/exchanges`, {
      as: socialWorker,
      body: {
        exchangeId: randomUUID(),
        facilityId: CSAPA,
        channel: 'phone',
        direction: 'out',
        withUsager: false,
        partnerEntryIds: [gp],
        summary: 'Appel.',
      },
    });

    // then
    expect(kept.status, JSON.stringify(kept.body)).to.equal(200);
    expect([refused.status, refused.body.code]).to.deep.equal([422, 'DIRECTORY_ENTRY_REMOVED']);
  });

  it('keeps exchanges from those outside the care team, and traces the reads', async () => {
    const byDoctor = await list(doctorOutsideTeam);
    const written = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/exchanges`, {
      as: doctorOutsideTeam,
      body: {
        exchangeId: randomUUID(),
        facilityId: CSAPA,
        channel: 'phone',
        direction: 'in',
        withUsager: true,
        summary: 'Appel.',
      },
    });
    const unknown = await app.request('GET', `/organisations/${ORG}/exchanges/${randomUUID()}`, { as: socialWorker });
    const log = await app.server.store.readStream(`access-log/${ORG}/usager-1`);

    expect(byDoctor.status).to.equal(403);
    expect(written.status).to.equal(403);
    expect(unknown.status).to.equal(404);
    const reads = log.map((entry) => [entry.metadata.actor.id, (entry.data as { resource: string }).resource]);
    expect(reads).to.deep.include(['pro-social', 'exchanges']);
    expect(reads).to.deep.include(['pro-educator', 'exchange']);
  });
});
