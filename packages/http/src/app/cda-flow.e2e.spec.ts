import { randomUUID } from 'node:crypto';
import { accessLogStreamId, INS_OIDS, type RecordRead } from '@dui-pds/domain';
import { INSI_TEST_IDENTITIES } from '@dui-pds/segur-adapters';
import { MINIMAL_PDF, validateAgainstAnsCdaSchema, xpathValues } from '@dui-pds/segur-adapters/testing';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-cda';
const CSAPA = '750000001';
const OID_ROOT = '1.2.250.1.999.7';
const FACILITIES = JSON.stringify([
  { finess: CSAPA, name: 'CSAPA Le Phare (fictif)', address: '1 quai du Port, 13002 Marseille' },
]);
const jeanne = INSI_TEST_IDENTITIES[0] as (typeof INSI_TEST_IDENTITIES)[number];
const INS_ROOTS: string[] = Object.values(INS_OIDS);
const textOf = (answer: { bytes: Uint8Array }) => new TextDecoder().decode(answer.bytes);

describe('the HTTP API: a stored document as the CDA R2 document the DMP and MSSanté receive', function () {
  this.timeout(120_000);
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};
  const qualified = randomUUID();
  const provisional = randomUUID();
  const anonymous = randomUUID();
  const accompanimentId = randomUUID();
  const documents = (serviceUserId: string) =>
    `/organisations/${ORG}/facilities/${CSAPA}/usagers/${serviceUserId}/documents`;
  const post = async (as: string, path: string, body: unknown) => {
    const answer = await app.request('POST', path, { as, body });
    expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).to.be.oneOf([200, 201]);
    return answer;
  };
  const upload = (serviceUserId: string, body: Record<string, unknown>) =>
    post(tokens.doctor as string, documents(serviceUserId), {
      kind: 'examResult',
      title: 'Bilan sanguin',
      sensitivity: 'medical',
      fileName: 'bilan.pdf',
      mediaType: 'application/pdf',
      contentBase64: MINIMAL_PDF.toString('base64'),
      ...body,
    });

  before(async () => {
    app = await ServerUnderTest.start({ DUI_FACILITIES: FACILITIES, DUI_OID_ROOT: OID_ROOT });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-educator', facilityId: CSAPA, role: 'educator' },
      ...[qualified, provisional, anonymous].map((serviceUserId) => ({
        type: 'AddToCareTeam' as const,
        professionalId: 'pro-doctor',
        serviceUserId,
        facilityId: CSAPA,
      })),
    );
    for (const who of ['secretary', 'doctor', 'educator']) tokens[who] = await app.loginAs(`pro-${who}`);
    const secretary = tokens.secretary as string;
    // a qualified identity (from the INSi, checked on an identity card), admitted in the CSAPA
    await post(secretary, `/organisations/${ORG}/usagers`, {
      serviceUserId: qualified,
      facilityId: CSAPA,
      traits: jeanne.traits,
    });
    await post(secretary, `/organisations/${ORG}/usagers/${qualified}/ins-searches`, {});
    await post(secretary, `/organisations/${ORG}/usagers/${qualified}/identity-document-checks`, {
      checkId: randomUUID(),
      kind: 'national-id-card',
      outcome: 'consistent',
    });
    const applicationId = randomUUID();
    await post(secretary, `/organisations/${ORG}/admission/applications`, {
      applicationId,
      serviceUserId: qualified,
      facilityIds: [CSAPA],
      priority: 'normal',
    });
    await post(secretary, `/organisations/${ORG}/admission/applications/${applicationId}/admissions`, {
      facilityId: CSAPA,
      accompanimentId,
    });
    // a provisional identity, and an anonymous usager
    await post(secretary, `/organisations/${ORG}/usagers`, {
      serviceUserId: provisional,
      facilityId: CSAPA,
      traits: {
        birthName: 'ROCHE',
        birthFirstNames: ['PAUL'],
        birthDate: '1975-09-21',
        sex: 'M',
        birthplaceCode: '13055',
      },
    });
    await post(secretary, `/organisations/${ORG}/anonymous-usagers`, {
      serviceUserId: anonymous,
      facilityId: CSAPA,
      sex: 'F',
      birthYear: 1992,
    });
  });
  after(() => app?.close());

  it('wraps a generated document of a qualified usager in a CDA valid against the ANS schema, with the INS', async () => {
    // given a summary sheet stored in the record
    const stored = await post(tokens.doctor as string, `${documents(qualified)}/generated`, { kind: 'summarySheet' });
    const documentId = stored.body.documentId as string;

    // when
    const answer = await app.request('GET', `${documents(qualified)}/${documentId}/cda`, { as: tokens.doctor });

    // then
    expect(answer.status, textOf(answer)).to.equal(200);
    expect(answer.headers.get('content-type')).to.match(/^application\/xml/);
    const xml = textOf(answer);
    expect((await validateAgainstAnsCdaSchema(xml)).errors).to.deep.equal([]);
    const patientIds = xpathValues(xml, '//hl7:recordTarget/hl7:patientRole/hl7:id/@root');
    expect(patientIds.filter((root) => INS_ROOTS.includes(root))).to.have.length(1);
    expect(patientIds).to.include(`${OID_ROOT}.1`);
    expect(xpathValues(xml, '//hl7:patient/hl7:name/hl7:family[@qualifier="BR"]')).to.deep.equal([
      jeanne.traits.birthName,
    ]);
    expect(xpathValues(xml, '/hl7:ClinicalDocument/hl7:code/@code')).to.deep.equal(['SYNTH']);
    expect(xpathValues(xml, '/hl7:ClinicalDocument/hl7:versionNumber/@value')).to.deep.equal(['1']);
    expect(xpathValues(xml, '//hl7:custodian//hl7:id/@extension')).to.deep.equal([`1${CSAPA}`]);
    expect(xpathValues(xml, '//hl7:legalAuthenticator/hl7:assignedEntity/hl7:code/@code')).to.deep.equal(['G15_10']);
    expect(xpathValues(xml, '//hl7:encompassingEncounter/hl7:id/@extension')).to.deep.equal([
      `${ORG}/${accompanimentId}`,
    ]);
    expect(xpathValues(xml, '//hl7:healthCareFacility/hl7:serviceProviderOrganization/hl7:name')).to.deep.equal([
      'CSAPA Le Phare (fictif)',
    ]);
  });

  it('names a usager whose identity is provisional without any INS, and traces the read', async () => {
    // given
    const stored = await upload(provisional, {});

    // when
    const answer = await app.request('GET', `${documents(provisional)}/${stored.body.documentId}/cda`, {
      as: tokens.doctor,
    });
    const again = await app.request('GET', `${documents(provisional)}/${stored.body.documentId}/cda?version=1`, {
      as: tokens.doctor,
    });
    const log = await app.server.store.readStream(accessLogStreamId(ORG, provisional));

    // then
    expect(answer.status, textOf(answer)).to.equal(200);
    expect((await validateAgainstAnsCdaSchema(textOf(answer))).valid).to.equal(true);
    const patientIds = xpathValues(textOf(answer), '//hl7:recordTarget/hl7:patientRole/hl7:id/@root');
    expect(patientIds).to.deep.equal([`${OID_ROOT}.1`]);
    expect(xpathValues(textOf(answer), '/hl7:ClinicalDocument/hl7:confidentialityCode/@code')).to.deep.equal(['R']);
    expect(log.map((entry) => (entry.data as RecordRead).resource)).to.include('document-cda');
    // the same version gives the same bytes: XDS refuses one uniqueId with two hashes
    expect(textOf(again)).to.equal(textOf(answer));
  });

  it('refuses an anonymous usager’s document with 409: nothing is sent to the DMP nor by MSSanté', async () => {
    // given
    const stored = await upload(anonymous, {});

    // when
    const answer = await app.request('GET', `${documents(anonymous)}/${stored.body.documentId}/cda`, {
      as: tokens.doctor,
    });

    // then
    expect(answer.status).to.equal(409);
    expect(answer.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(answer.body.detail).to.equal(
      'Un usager anonyme n’a pas de document CDA : rien n’est envoyé au DMP ni par MSSanté.',
    );
  });

  it('refuses a version that is not a PDF with 409, and a reader who may not read the document with 403', async () => {
    // given
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const image = await upload(provisional, {
      kind: 'medicalReport',
      fileName: 'photo.png',
      mediaType: 'image/png',
      contentBase64: png.toString('base64'),
    });
    const report = await upload(provisional, {});

    // when
    const notPdf = await app.request('GET', `${documents(provisional)}/${image.body.documentId}/cda`, {
      as: tokens.doctor,
    });
    const forbidden = await app.request('GET', `${documents(provisional)}/${report.body.documentId}/cda`, {
      as: tokens.educator,
    });
    const unknown = await app.request('GET', `${documents(provisional)}/${randomUUID()}/cda`, { as: tokens.doctor });

    // then
    expect(notPdf.status).to.equal(409);
    expect(notPdf.body.detail).to.contain('seul un PDF peut être transmis');
    expect(forbidden.status).to.equal(403);
    expect(unknown.status).to.equal(404);
  });

  it('describes the route in the OpenAPI document, as application/xml', async () => {
    const openApi = await app.request('GET', '/openapi.json');
    const path =
      '/organisations/{organisationId}/facilities/{facilityId}/usagers/{serviceUserId}/documents/{documentId}/cda';
    expect(openApi.status).to.equal(200);
    expect(Object.keys(openApi.body.paths[path]?.get?.responses?.['200']?.content ?? {})).to.deep.equal([
      'application/xml',
    ]);
  });
});
