import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  INSI_ACTIONS,
  INSI_TEST_IDENTITIES,
  type InsiSoapStandIn,
  readInsiRequest,
  startInsiSoapStandIn,
} from '@dui-pds/segur-adapters';
import { issueEphemeralCertificates } from '@dui-pds/segur-adapters/testing';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-insi';
const CSAPA = '750000001';
const AUTHORISATION_NUMBER = 'AUTO-DUI-TEST-0001';
const jeanne = INSI_TEST_IDENTITIES[0] as (typeof INSI_TEST_IDENTITIES)[number];

/** A server with a secretary, and a request to register Jeanne Martin and search her INS. */
async function secretaryOf(app: ServerUnderTest): Promise<string> {
  await app.asSystem(ORG, { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' });
  return app.loginAs('pro-secretary');
}

async function registerJeanne(app: ServerUnderTest, secretary: string, serviceUserId: string): Promise<void> {
  const registered = await app.request('POST', `/organisations/${ORG}/usagers`, {
    as: secretary,
    body: { serviceUserId, facilityId: CSAPA, traits: jeanne.traits },
  });
  expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
}

describe('the HTTP API and the INSi teleservice over SOAP', function () {
  this.timeout(120_000);

  describe('configured with DUI_INSI_* (mutual TLS from PEM files)', () => {
    let standIn: InsiSoapStandIn;
    let app: ServerUnderTest;
    let secretary: string;
    let directory: string;

    before(async () => {
      // given a teleservice over mutual TLS, and its certificates in files as a deployment has them
      const certificates = await issueEphemeralCertificates();
      standIn = await startInsiSoapStandIn({
        tls: { ...certificates.server, ca: certificates.ca },
        authorisationNumber: AUTHORISATION_NUMBER,
      });
      directory = await mkdtemp(join(tmpdir(), 'dui-insi-'));
      await writeFile(join(directory, 'cert.pem'), certificates.client.cert);
      await writeFile(join(directory, 'key.pem'), certificates.client.key);
      await writeFile(join(directory, 'ca.pem'), certificates.ca);
      app = await ServerUnderTest.start({
        DUI_INSI_URL: standIn.url,
        DUI_INSI_CERT_FILE: join(directory, 'cert.pem'),
        DUI_INSI_KEY_FILE: join(directory, 'key.pem'),
        DUI_INSI_CA_FILE: join(directory, 'ca.pem'),
        DUI_INSI_AUTHORISATION_NUMBER: AUTHORISATION_NUMBER,
        DUI_INSI_EMITTER: CSAPA,
      });
      secretary = await secretaryOf(app);
    });
    after(async () => {
      await app.close();
      await standIn.close();
      await rm(directory, { recursive: true, force: true });
    });

    it('searches the INS over SOAP: the teleservice is called and the identity becomes RECUP', async () => {
      // given Jeanne Martin registered, provisional
      await registerJeanne(app, secretary, 'usager-jeanne');

      // when the secretariat searches her INS
      const searched = await app.request('POST', `/organisations/${ORG}/usagers/usager-jeanne/ins-searches`, {
        as: secretary,
        body: {},
      });

      // then one SOAP search reached the teleservice, signed with the configured software, and the INS was retrieved
      expect(searched.status, JSON.stringify(searched.body)).to.equal(200);
      expect(searched.body.identityStatus).to.equal('RECUP');
      expect(standIn.calls).to.equal(1);
      const sent = readInsiRequest(standIn.lastRequest ?? '');
      expect(sent.headers.action).to.equal(INSI_ACTIONS.search);
      expect(sent.headers.lpsContext).to.deep.include({ authorisationNumber: AUTHORISATION_NUMBER, emitter: CSAPA });
      expect(sent.body).to.deep.equal({
        operation: 'search',
        query: { birthName: 'MARTIN', firstNames: ['JEANNE'], birthDate: '1985-05-12', sex: 'F' },
      });

      // and when it is verified, the verification goes over SOAP too
      const verified = await app.request('POST', `/organisations/${ORG}/usagers/usager-jeanne/ins-verifications`, {
        as: secretary,
        body: {},
      });
      expect(verified.status, JSON.stringify(verified.body)).to.equal(200);
      expect(standIn.calls).to.equal(2);
      expect(readInsiRequest(standIn.lastRequest ?? '').headers.action).to.equal(INSI_ACTIONS.verification);
    });
  });

  describe('not configured', () => {
    it('in development, runs the protocol against a local stand-in: the INS is retrieved offline', async () => {
      // given a development server without any DUI_INSI_* setting
      const app = await ServerUnderTest.start();
      try {
        const secretary = await secretaryOf(app);
        await registerJeanne(app, secretary, 'usager-jeanne');
        // when her INS is searched
        const searched = await app.request('POST', `/organisations/${ORG}/usagers/usager-jeanne/ins-searches`, {
          as: secretary,
          body: {},
        });
        // then the local stand-in knew her
        expect(searched.status, JSON.stringify(searched.body)).to.equal(200);
        expect(searched.body.identityStatus).to.equal('RECUP');
      } finally {
        await app.close();
      }
    });

    it('in production, answers that the INSi is unavailable, and records nothing', async () => {
      // given a production server without any DUI_INSI_* setting
      const app = await ServerUnderTest.start({ DUI_MODE: 'production' });
      try {
        const secretary = await secretaryOf(app);
        await registerJeanne(app, secretary, 'usager-jeanne');
        // when her INS is searched
        const searched = await app.request('POST', `/organisations/${ORG}/usagers/usager-jeanne/ins-searches`, {
          as: secretary,
          body: {},
        });
        const identity = await app.request('GET', `/organisations/${ORG}/usagers/usager-jeanne`, { as: secretary });
        // then a 503 problem in French, to retry later, and the identity stays provisional
        expect(searched.status, JSON.stringify(searched.body)).to.equal(503);
        expect(searched.headers.get('retry-after')).to.equal('30');
        expect(searched.body.detail).to.contain('INSi ne répond pas');
        expect(identity.body.identityStatus).to.equal('PROV');
      } finally {
        await app.close();
      }
    });
  });
});
