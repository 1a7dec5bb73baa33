import { INS_OIDS, type Ins, nirKey, type StrictTraits, serviceUserStreamId } from '@dui-pds/domain';
import { INSI_TEST_IDENTITIES, InsiStandIn } from '@dui-pds/segur-adapters';
import { expect } from 'chai';
import { ConfigurationError } from '../server/index.js';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-prod';
const CSAPA = '750000001';
const jeanne = INSI_TEST_IDENTITIES[0] as (typeof INSI_TEST_IDENTITIES)[number];
/** A usager the INSi knows under a production OID: the refusal is of test INS, not of every INS. */
const paul: { ins: Ins; traits: StrictTraits } = {
  ins: { value: `1850475056007${nirKey('1850475056007')}`, oid: INS_OIDS.nir },
  traits: {
    birthName: 'LEBLANC',
    birthFirstNames: ['PAUL'],
    birthDate: '1985-04-20',
    sex: 'M',
    birthplaceCode: '75056',
  },
};

describe('the HTTP API in production: test and demo INS never enter a record', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let secretary: string;

  before(async () => {
    // given a server configured for production, whose INSi answers a test OID for Jeanne
    app = await ServerUnderTest.start({ DUI_MODE: 'production' }, undefined, {
      insi: new InsiStandIn([jeanne, paul]),
    });
    await app.asSystem(ORG, {
      type: 'GrantRole',
      professionalId: 'pro-secretary',
      facilityId: CSAPA,
      role: 'secretary',
    });
    secretary = await app.loginAs('pro-secretary');
  });
  after(() => app.close());

  const register = (serviceUserId: string, traits: StrictTraits) =>
    app.request('POST', `/organisations/${ORG}/usagers`, {
      as: secretary,
      body: { serviceUserId, facilityId: CSAPA, traits },
    });

  it('refuses the test INS the INSi answers, with its problem code, and records nothing of it', async () => {
    await register('usager-jeanne', jeanne.traits);

    // when the secretariat searches her INS
    const searched = await app.request('POST', `/organisations/${ORG}/usagers/usager-jeanne/ins-searches`, {
      as: secretary,
      body: {},
    });
    const identity = await app.request('GET', `/organisations/${ORG}/usagers/usager-jeanne`, { as: secretary });

    // then the answer is refused, in French, and the record holds no INS
    expect(searched.status, JSON.stringify(searched.body)).to.equal(422);
    expect(searched.body.code).to.equal('TEST_INS_IN_PRODUCTION');
    expect(searched.body.detail).to.contain('refusé en production');
    expect(identity.body).to.deep.include({ identityStatus: 'PROV', ins: null });
    const stream = await app.server.store.readStream(serviceUserStreamId(ORG, 'usager-jeanne'));
    expect(stream.map((event) => event.type)).to.deep.equal(['ServiceUserRegistered']);
  });

  it('records an INS under the production OID', async () => {
    await register('usager-paul', paul.traits);
    const searched = await app.request('POST', `/organisations/${ORG}/usagers/usager-paul/ins-searches`, {
      as: secretary,
      body: {},
    });
    expect(searched.status, JSON.stringify(searched.body)).to.equal(200);
    expect(searched.body.identityStatus).to.equal('RECUP');
  });

  it('does not re-confirm a test INS a record already holds from a test deployment', async () => {
    // given a record that received a test INS while the deployment still allowed them
    const testing = await ServerUnderTest.start({}, undefined, { insi: new InsiStandIn([jeanne]) });
    const data = { schema: testing.schema, masterKey: testing.masterKey };
    await testing.asSystem(ORG, {
      type: 'GrantRole',
      professionalId: 'pro-secretary',
      facilityId: CSAPA,
      role: 'secretary',
    });
    const before = await testing.loginAs('pro-secretary');
    await testing.request('POST', `/organisations/${ORG}/usagers`, {
      as: before,
      body: { serviceUserId: 'usager-jeanne', facilityId: CSAPA, traits: jeanne.traits },
    });
    const found = await testing.request('POST', `/organisations/${ORG}/usagers/usager-jeanne/ins-searches`, {
      as: before,
      body: {},
    });
    expect(found.body.identityStatus).to.equal('RECUP');
    await testing.close({ keepData: true });

    // when the same data runs in production and the secretariat asks the INSi to verify that INS
    const insi = new InsiStandIn([jeanne]);
    const production = await ServerUnderTest.start({ DUI_MODE: 'production' }, data, { insi });
    try {
      const secretaryThere = await production.loginAs('pro-secretary');
      const verified = await production.request(
        'POST',
        `/organisations/${ORG}/usagers/usager-jeanne/ins-verifications`,
        { as: secretaryThere, body: {} },
      );

      // then it is refused before any call, and the INS is not confirmed
      expect(verified.status, JSON.stringify(verified.body)).to.equal(422);
      expect(verified.body.code).to.equal('TEST_INS_IN_PRODUCTION');
      expect(insi.calls).to.equal(0);
    } finally {
      await production.close();
    }
  });

  it('does not start in production with test INS allowed', async () => {
    let refused: unknown;
    try {
      const started = await ServerUnderTest.start({ DUI_MODE: 'production', DUI_INS_OIDS_ALLOWED_TEST: 'true' });
      await started.close();
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(ConfigurationError);
    expect((refused as ConfigurationError).problems.join('\n')).to.contain(
      'DUI_INS_OIDS_ALLOWED_TEST doit valoir false en production',
    );
  });
});
