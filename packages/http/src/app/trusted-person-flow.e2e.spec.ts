import { randomUUID } from 'node:crypto';
import { trustedPersonsOf } from '@dui-pds/projections';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-trusted';
const CSAPA = '750000001';

describe('the HTTP API: the personne de confiance', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let socialWorker: string;
  let secretary: string;
  let nurseOutsideTeam: string;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
  const path = (usager: string, rest = '') => `/organisations/${ORG}/usagers/${usager}/trusted-persons${rest}`;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-adult', facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-minor', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
    );
    socialWorker = await app.loginAs('pro-social');
    secretary = await app.loginAs('pro-secretary');
    nurseOutsideTeam = await app.loginAs('pro-nurse');
    // an adult and a minor, registered by the secretariat
    const minorBirthYear = Number(today.slice(0, 4)) - 16;
    for (const [serviceUserId, birthDate] of [
      ['usager-adult', '1985-05-12'],
      ['usager-minor', `${minorBirthYear}-01-15`],
    ] as const) {
      const registered = await app.request('POST', `/organisations/${ORG}/usagers`, {
        as: secretary,
        body: {
          serviceUserId,
          facilityId: CSAPA,
          traits: { birthName: 'MARTIN', birthFirstNames: ['LEA'], birthDate, sex: 'F', birthplaceCode: '75056' },
        },
      });
      expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    }
  });
  after(() => app.close());

  it('records the offer at admission, a co-signed and attested designation, then its revocation and the next one', async () => {
    // given the offer made at admission, and the sister in the usager's directory
    const offer = await app.request('POST', `/organisations/${ORG}/usagers/usager-adult/trusted-person-offers`, {
      as: socialWorker,
      body: { offerId: randomUUID(), facilityId: CSAPA, answer: 'accepted' },
    });
    const sister = randomUUID();
    await app.request('POST', `/organisations/${ORG}/usagers/usager-adult/directory`, {
      as: socialWorker,
      body: {
        entryId: sister,
        facilityId: CSAPA,
        kind: 'relative',
        role: 'family',
        roleDetails: 'sœur',
        name: 'Claire Martin',
        contact: { phone: '06 12 34 56 78', email: 'claire@example.org' },
      },
    });

    // when she is designated from the directory (CASF and CSP), co-signs, the director attests, and
    // the usager allows her to consult the record
    const first = randomUUID();
    const designated = await app.request('POST', path('usager-adult'), {
      as: socialWorker,
      body: { trustedPersonId: first, facilityId: CSAPA, person: { entryId: sister }, scope: ['casf', 'csp'] },
    });
    const second = randomUUID();
    const refusedSecond = await app.request('POST', path('usager-adult'), {
      as: socialWorker,
      body: {
        trustedPersonId: second,
        facilityId: CSAPA,
        person: { name: 'Paul Martin', contact: { phone: '06 00 00 00 02' } },
        scope: ['casf'],
      },
    });
    const step = (rest: string, body: object) =>
      app.request('POST', path('usager-adult', `/${first}/${rest}`), {
        as: socialWorker,
        body: { facilityId: CSAPA, ...body },
      });
    const cosigned = await step('cosignatures', { how: 'inPerson' });
    const notByDirector = await step('attestations', { directorId: 'pro-secretary' });
    const attested = await step('attestations', { directorId: 'pro-director' });
    const allowed = await step('record-consultation', { mayConsultRecord: true });
    const read = await app.request('GET', `${path('usager-adult')}?facilityId=${CSAPA}`, { as: socialWorker });

    // then the designation is in force, and the portal's query says she may consult
    expect(offer.status, JSON.stringify(offer.body)).to.equal(201);
    expect(designated.status, JSON.stringify(designated.body)).to.equal(201);
    expect([refusedSecond.status, refusedSecond.body.code]).to.deep.equal([422, 'TRUSTED_PERSON_ALREADY_DESIGNATED']);
    expect(cosigned.status, JSON.stringify(cosigned.body)).to.equal(200);
    expect([notByDirector.status, notByDirector.body.code]).to.deep.equal([422, 'ATTESTATION_NOT_SIGNED_BY_DIRECTOR']);
    expect(attested.status, JSON.stringify(attested.body)).to.equal(200);
    expect(allowed.status).to.equal(200);
    expect(read.status).to.equal(200);
    expect(read.headers.get('etag')).to.equal('"4"');
    expect(read.body.offers).to.have.length(1);
    expect(read.body.designations).to.deep.equal([
      {
        trustedPersonId: first,
        facilityId: CSAPA,
        name: 'Claire Martin',
        relationship: 'sœur',
        entryId: sister,
        contact: { phone: '06 12 34 56 78', email: 'claire@example.org' },
        scope: ['casf', 'csp'],
        status: 'designated',
        designatedOn: today,
        cosignedOn: today,
        cosignedHow: 'inPerson',
        attestationOn: today,
        attestationSignedBy: 'pro-director',
        consultationAllowedByUsager: true,
        mayConsultRecord: true,
      },
    ]);
    const readSchema = app.server.runtime.readSchema('trusted_persons');
    const forPortal = await trustedPersonsOf(app.server.knex, readSchema, {
      organisationId: ORG,
      serviceUserId: 'usager-adult',
    });
    expect(forPortal.map((d) => [d.name, d.status, d.mayConsultRecord])).to.deep.equal([
      ['Claire Martin', 'designated', true],
    ]);

    // when the usager revokes her, orally, and designates Paul, then
    const revoked = await step('revocations', { how: 'orally' });
    const afterRevocation = await step('record-consultation', { mayConsultRecord: false });
    const designatedAgain = await app.request('POST', path('usager-adult'), {
      as: socialWorker,
      body: {
        trustedPersonId: second,
        facilityId: CSAPA,
        person: { name: 'Paul Martin', relationship: 'frère', contact: { phone: '06 00 00 00 02' } },
        scope: ['casf'],
      },
    });
    const now = await trustedPersonsOf(app.server.knex, readSchema, {
      organisationId: ORG,
      serviceUserId: 'usager-adult',
    });
    expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200);
    expect([afterRevocation.status, afterRevocation.body.code]).to.deep.equal([422, 'TRUSTED_PERSON_REVOKED']);
    expect(designatedAgain.status, JSON.stringify(designatedAgain.body)).to.equal(201);
    expect(now.map((d) => [d.name, d.status, d.revokedHow ?? null, d.mayConsultRecord])).to.deep.equal([
      ['Paul Martin', 'designated', null, false],
      ['Claire Martin', 'revoked', 'orally', false],
    ]);
  });

  it('refuses the designation for a minor, and keeps it from those who may not read social data', async () => {
    const minor = await app.request('POST', path('usager-minor'), {
      as: socialWorker,
      body: {
        trustedPersonId: randomUUID(),
        facilityId: CSAPA,
        person: { name: 'Paul Martin', contact: { phone: '06 00 00 00 02' } },
        scope: ['casf'],
      },
    });
    const bySecretary = await app.request('GET', `${path('usager-adult')}?facilityId=${CSAPA}`, { as: secretary });
    const byNurse = await app.request('GET', `${path('usager-adult')}?facilityId=${CSAPA}`, { as: nurseOutsideTeam });
    const log = await app.server.store.readStream(`access-log/${ORG}/usager-adult`);

    expect([minor.status, minor.body.code]).to.deep.equal([422, 'TRUSTED_PERSON_USAGER_MINOR']);
    expect(bySecretary.status).to.equal(403);
    expect(byNurse.status).to.equal(403);
    expect(log.map((entry) => (entry.data as { resource: string }).resource)).to.include('trusted-persons');
    expect(log.map((entry) => entry.metadata.actor.id)).not.to.include('pro-nurse');
  });
});
