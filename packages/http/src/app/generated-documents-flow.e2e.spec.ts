import { randomUUID } from 'node:crypto';
import { pdfPagesText } from '@dui-pds/documents/testing';
import { accessLogStreamId, type RecordRead } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-generated';
const CSAPA = '750000001';
const FACILITIES = JSON.stringify([
  { finess: CSAPA, name: 'CSAPA Le Phare (fictif)', address: '1 quai du Port, 13002 Marseille' },
]);

describe('the HTTP API: documents generated from the record, printed or stored', function () {
  this.timeout(120_000);
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};
  const usager = randomUUID();
  const anonymous = randomUUID();
  const documents = (serviceUserId: string) =>
    `/organisations/${ORG}/facilities/${CSAPA}/usagers/${serviceUserId}/documents`;
  /** The text of every page, its line breaks as spaces: a name may wrap. */
  const textOf = async (bytes: Uint8Array) => (await pdfPagesText(bytes)).join('\n').replace(/\s+/g, ' ');

  before(async () => {
    app = await ServerUnderTest.start({ DUI_FACILITIES: FACILITIES });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: usager, facilityId: CSAPA },
    );
    for (const who of ['secretary', 'social', 'nurse']) tokens[who] = await app.loginAs(`pro-${who}`);
    const registered = await app.request('POST', `/organisations/${ORG}/usagers`, {
      as: tokens.secretary,
      body: {
        serviceUserId: usager,
        facilityId: CSAPA,
        traits: {
          birthName: 'ROCHE',
          birthFirstNames: ['PAUL'],
          birthDate: '1975-09-21',
          sex: 'M',
          birthplaceCode: '13055',
        },
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const trustedPersonId = randomUUID();
    const designated = await app.request('POST', `/organisations/${ORG}/usagers/${usager}/trusted-persons`, {
      as: tokens.social,
      body: {
        trustedPersonId,
        facilityId: CSAPA,
        person: { name: 'Anne Roche', relationship: 'épouse', contact: { phone: '06 22 33 44 55' } },
        scope: ['casf', 'csp'],
      },
    });
    expect(designated.status, JSON.stringify(designated.body)).to.equal(201);
    const anonymousRegistered = await app.request('POST', `/organisations/${ORG}/anonymous-usagers`, {
      as: tokens.secretary,
      body: { serviceUserId: anonymous, facilityId: CSAPA, sex: 'F', birthYear: 1992 },
    });
    expect(anonymousRegistered.status, JSON.stringify(anonymousRegistered.body)).to.equal(201);
  });
  after(() => app?.close());

  it('prints the attestation of the personne de confiance as it stands, traced, without storing it', async () => {
    // when the social worker of the team prints it
    const printed = await app.request('GET', `${documents(usager)}/generated/trustedPersonAttestation`, {
      as: tokens.social,
    });
    const listed = await app.request('GET', documents(usager), { as: tokens.social });
    const log = await app.server.store.readStream(accessLogStreamId(ORG, usager));

    // then it is a French PDF naming the usager, the person and both articles, with the ESSMS
    expect(printed.status, JSON.stringify(printed.body)).to.equal(200);
    expect(printed.headers.get('content-type')).to.match(/^application\/pdf/);
    const text = await textOf(printed.bytes);
    expect(text).to.contain('Attestation de désignation de la personne de confiance');
    expect(text).to.contain('ROCHE PAUL');
    expect(text).to.contain('Anne Roche');
    expect(text).to.contain('L.311-5-1');
    expect(text).to.contain('L.1111-6');
    expect(text).to.contain('CSAPA Le Phare (fictif)');
    // and nothing was stored, but the read was traced
    expect(listed.body.documents).to.deep.equal([]);
    expect(log.map((entry) => (entry.data as RecordRead).resource)).to.include(
      'generated-document:trustedPersonAttestation',
    );
  });

  it('stores the summary sheet as a document of the record, and refuses those outside the care team', async () => {
    const stored = await app.request('POST', `${documents(usager)}/generated`, {
      as: tokens.social,
      body: { kind: 'summarySheet' },
    });
    const refused = await app.request('POST', `${documents(usager)}/generated`, {
      as: tokens.nurse,
      body: { kind: 'summarySheet' },
    });
    const certificateAsDocument = await app.request('POST', `${documents(usager)}/generated`, {
      as: tokens.social,
      body: { kind: 'careCertificate' },
    });

    expect(stored.status, JSON.stringify(stored.body)).to.equal(201);
    const content = await app.request('GET', `${documents(usager)}/${stored.body.documentId}/versions/1/content`, {
      as: tokens.social,
    });
    expect(await textOf(content.bytes)).to.contain('Fiche de synthèse');
    expect(stored.body.title).not.to.contain('ROCHE');
    expect(refused.status).to.equal(403);
    expect(certificateAsDocument.status).to.equal(400);
  });

  it('hands the named certificate of care over as a PDF, with the name given, which the record does not keep', async () => {
    const issued = await app.request('POST', `/organisations/${ORG}/usagers/${anonymous}/care-certificates`, {
      as: tokens.secretary,
      body: {
        certificateId: randomUUID(),
        nameOnCertificate: 'Julie Martin',
        periodFrom: '2026-09-01',
        periodTo: '2026-10-15',
        purpose: 'Accompagnement en addictologie',
      },
    });

    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    const text = await textOf(Buffer.from(issued.body.certificate.pdfBase64, 'base64'));
    expect(text).to.contain('Certificat de prise en charge');
    expect(text).to.contain('Julie Martin');
    expect(text).to.contain('45 jours');
    const events = await app.server.store.readAll({ organisationId: ORG });
    expect(JSON.stringify(events.map((event) => event.data))).not.to.contain('Julie Martin');
  });
});
