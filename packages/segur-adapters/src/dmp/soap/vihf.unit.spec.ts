import 'reflect-metadata';
import { KeyObject, webcrypto } from 'node:crypto';
import { INS_OIDS } from '@dui-pds/domain';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { type EphemeralCertificates, issueEphemeralCertificates } from '../../tls/ephemeral-certificates.js';
import type { DmpActor } from '../dmp-port.js';
import { buildDmpRequest } from './dmp-envelope.js';
import { buildTd02Query } from './td02.js';
import {
  buildVihfAssertion,
  issuerOfCertificate,
  readVihf,
  signVihfAssertion,
  VIHF_ATTRIBUTES,
  VihfRefused,
  verifyVihf,
} from './vihf.js';

const INS = { value: '279035121518989', oid: INS_OIDS.nirTest };
const actor: DmpActor = {
  id: '810002422979',
  name: 'Pascal CHARLES <CSAPA & co>',
  roles: [
    { code: '10', codeSystem: '1.2.250.1.71.1.2.7', displayName: 'Médecin' },
    { code: 'SM54', codeSystem: '1.2.250.1.71.4.2.5', displayName: 'Médecine générale' },
  ],
  structure: {
    id: '1750000001',
    activitySector: { code: 'SA41', codeSystem: '1.2.250.1.71.4.2.4', displayName: 'Autre' },
  },
};
const SOFTWARE = { name: 'DUI-PDS', version: '0.1.0', homologationNumber: 'H-1', instanceId: 'csapa-1' };

function assertionSignedBy(structure: { cert: string; key: string }, issuerCert = structure.cert): string {
  return signVihfAssertion(
    buildVihfAssertion({
      id: '_0195f0a0-0000-7000-8000-000000000001',
      instant: new Date('2025-03-01T09:30:00Z'),
      issuer: issuerOfCertificate(issuerCert),
      actor,
      patient: { ins: INS },
      software: SOFTWARE,
    }),
    structure,
  );
}

function envelopeWith(vihf: string): string {
  return buildDmpRequest({
    headers: { action: 'urn:hl7-org:v3:PRPA_IN201307UV02', messageId: 'urn:uuid:x', to: 'https://dmp/patients' },
    signedVihf: vihf,
    body: buildTd02Query({ id: 'q', creationTime: new Date(), ins: INS, softwareName: 'DUI-PDS' }),
  });
}

/** A self-signed RSA certificate, as the IGC Santé's structure certificates are RSA. */
async function rsaCertificate(): Promise<{ cert: string; key: string }> {
  const algorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    { serialNumber: '01', name: 'C=FR, O=CSAPA, CN=Structure RSA', keys, signingAlgorithm: algorithm },
    webcrypto,
  );
  return {
    cert: certificate.toString('pem'),
    key: KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

describe('the VIHF', () => {
  let certificates: EphemeralCertificates;
  before(async () => {
    certificates = await issueEphemeralCertificates();
  });

  it('says who acts, where, for which patient, with which software', () => {
    const vihf = readVihf(assertionSignedBy(certificates.client));
    expect(vihf).to.deep.equal({
      assertionId: '_0195f0a0-0000-7000-8000-000000000001',
      issuer: issuerOfCertificate(certificates.client.cert),
      issueInstant: '2025-03-01T09:30:00.000Z',
      nameId: '810002422979',
      version: '3.0',
      structureId: '1750000001',
      activitySector: 'SA41^1.2.250.1.71.4.2.4',
      subjectName: 'Pascal CHARLES <CSAPA & co>',
      roles: actor.roles,
      authenticationMode: 'INDIRECTE',
      resourceId: `279035121518989^^^&${INS_OIDS.nirTest}&ISO^NH`,
      resourceUrn: 'urn:dmp',
      purposeOfUse: {
        code: 'normal',
        codeSystem: '1.2.250.1.213.1.1.4.248',
        codeSystemName: 'mode acces VIHF 2.0',
        displayName: 'Accès normal',
      },
      software: { name: 'DUI-PDS', version: '0.1.0', homologationNumber: 'H-1', id: 'csapa-1' },
    });
  });

  it('is signed after its Issuer, over the assertion, with exclusive canonicalisation and ECDSA-SHA256', () => {
    const signed = assertionSignedBy(certificates.client);
    expect(signed).to.match(/<\/saml2:Issuer><ds:Signature/);
    expect(signed).to.include('Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"');
    expect(signed).to.include('Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"');
    expect(signed).to.include('URI="#_0195f0a0-0000-7000-8000-000000000001"');
  });

  it('verifies inside the SOAP header with the structure’s certificate, ECDSA or RSA', async () => {
    expect(verifyVihf(envelopeWith(assertionSignedBy(certificates.client)), certificates.client.cert).nameId).to.equal(
      actor.id,
    );
    const rsa = await rsaCertificate();
    const signed = assertionSignedBy(rsa);
    expect(signed).to.include('xmldsig-more#rsa-sha256');
    expect(verifyVihf(envelopeWith(signed), rsa.cert).issuer).to.equal('CN=Structure RSA,O=CSAPA,C=FR');
  });

  it('is refused when signed by another key, altered, or unsigned', () => {
    const signed = assertionSignedBy(certificates.client);
    expect(() => verifyVihf(envelopeWith(signed), certificates.server.cert)).to.throw(VihfRefused);
    const altered = signed.replace('810002422979', '810002422980');
    expect(() => verifyVihf(envelopeWith(altered), certificates.client.cert)).to.throw(VihfRefused);
    const unsigned = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
    expect(() => verifyVihf(envelopeWith(unsigned), certificates.client.cert)).to.throw(VihfRefused, /not signed/);
  });

  it('reads only what the signature covers: a second assertion beside it is refused', () => {
    const signed = assertionSignedBy(certificates.client);
    const wrapped = envelopeWith(signed).replace(
      '</wsse:Security>',
      `${signed.replace('_0195', '_other')}</wsse:Security>`,
    );
    expect(() => verifyVihf(wrapped, certificates.client.cert)).to.throw(VihfRefused, /one VIHF/);
  });

  it('is refused when an attribute it must carry is missing', () => {
    const without = assertionSignedBy(certificates.client).replace(
      `Name="${VIHF_ATTRIBUTES.homologationNumber}"`,
      'Name="Something_Else"',
    );
    expect(() => readVihf(without)).to.throw(VihfRefused, /LPS_ID_HOMOLOGATION_DMP/);
  });
});
