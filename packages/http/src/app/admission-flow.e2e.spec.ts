import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const CAARUD = '750000002';

describe('the HTTP API: from an application to the waiting list to admission', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let secretary: string;
  let nurse: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CAARUD, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
    );
    secretary = await app.loginAs('pro-secretary');
    nurse = await app.loginAs('pro-nurse');
  });
  after(() => app.close());

  const applications = `/organisations/${ORG}/admission/applications`;
  const waitingList = (facilityId: string) => `/organisations/${ORG}/facilities/${facilityId}/waiting-list`;

  it('receives an application, lists the prospect by priority, plans the contact, admits, and traces each read', async () => {
    // given two prospects applying to the CSAPA, one of them urgent
    const [first, urgent] = [randomUUID(), randomUUID()];
    for (const [applicationId, serviceUserId, priority] of [
      [first, 'prospect-1', 'normal'],
      [urgent, 'prospect-2', 'urgent'],
    ] as const) {
      const received = await app.request('POST', applications, {
        as: secretary,
        body: { applicationId, serviceUserId, facilityIds: [CSAPA, CAARUD], priority },
      });
      expect(received.status, JSON.stringify(received.body)).to.equal(201);
      const listed = await app.request('POST', `${applications}/${applicationId}/waiting-list-entries`, {
        as: secretary,
        body: { facilityId: CSAPA },
      });
      expect(listed.status, JSON.stringify(listed.body)).to.equal(200);
    }

    // when the secretariat reads the list, plans a contact with the first and admits the urgent one
    const before = await app.request('GET', waitingList(CSAPA), { as: secretary });
    const contact = await app.request('POST', `${applications}/${first}/planned-contacts`, {
      as: secretary,
      body: {
        facilityId: CSAPA,
        contactId: randomUUID(),
        appointmentAt: '2026-12-01T09:30:00+01:00',
        professionalId: 'pro-nurse',
        mode: 'in-person',
      },
    });
    const admitted = await app.request('POST', `${applications}/${urgent}/admissions`, {
      as: secretary,
      body: { facilityId: CSAPA, accompanimentId: randomUUID() },
    });
    const after = await app.request('GET', waitingList(CSAPA), { as: secretary });

    // then the list was ordered by priority, and the admitted prospect left it
    expect(before.body.entries.map((entry: { serviceUserId: string }) => entry.serviceUserId)).to.deep.equal([
      'prospect-2',
      'prospect-1',
    ]);
    expect(contact.status, JSON.stringify(contact.body)).to.equal(200);
    expect(admitted.status, JSON.stringify(admitted.body)).to.equal(200);
    expect(after.body.entries).to.have.length(1);
    expect(after.body.entries[0]).to.include({ serviceUserId: 'prospect-1', status: 'contactPlanned' });
    // and each prospect shown was traced once per reading of the list
    const log = await app.server.store.readStream(accessLogStreamId(ORG, 'prospect-1'));
    expect(log.map((entry) => (entry.data as { resource: string }).resource)).to.deep.equal([
      'waiting-list',
      'waiting-list',
    ]);
  });

  it('refuses admission work to a professional outside the secretariat and the direction, and a second entry on one list', async () => {
    // given an application
    const applicationId = randomUUID();
    await app.request('POST', applications, {
      as: secretary,
      body: { applicationId, serviceUserId: 'prospect-3', facilityIds: [CSAPA], priority: 'high' },
    });
    await app.request('POST', `${applications}/${applicationId}/waiting-list-entries`, {
      as: secretary,
      body: { facilityId: CSAPA },
    });

    // when
    const byNurse = await app.request('POST', `${applications}/${applicationId}/refusals`, {
      as: nurse,
      body: { facilityId: CSAPA, reason: 'hors mission' },
    });
    const twice = await app.request('POST', `${applications}/${applicationId}/waiting-list-entries`, {
      as: secretary,
      body: { facilityId: CSAPA },
    });

    // then
    expect(byNurse.status).to.equal(403);
    expect(twice.status).to.equal(422);
    expect(twice.body.type).to.equal('https://dui-pds.org/problems/domain-rule-violated');
  });
});
