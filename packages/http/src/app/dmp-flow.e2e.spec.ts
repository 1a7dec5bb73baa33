import { randomUUID } from 'node:crypto';
import {
  type Dmp,
  DmpSoapClient,
  type DmpSoapStandIn,
  DmpUnavailable,
  INSI_TEST_IDENTITIES,
  issueEphemeralCertificates,
  startDmpSoapStandIn,
} from '@dui-pds/segur-adapters';
import { MINIMAL_PDF, validateAgainstAnsCdaSchema } from '@dui-pds/segur-adapters/testing';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-dmp';
const CSAPA = '750000001';
const FACILITIES = JSON.stringify([{ finess: CSAPA, name: 'CSAPA Le Phare (fictif)', address: '1 quai du Port' }]);
const HOMOLOGATION = 'DMP-TEST-0001';
type TestIdentity = (typeof INSI_TEST_IDENTITIES)[number];
const jeanne = INSI_TEST_IDENTITIES[0] as TestIdentity;
const antonio = INSI_TEST_IDENTITIES[3] as TestIdentity;
const textOf = (answer: { bytes: Uint8Array }) => new TextDecoder().decode(answer.bytes);

describe('the HTTP API: a usager’s DMP, against the DMPi stand-in over mutual TLS', function () {
  this.timeout(120_000);
  let app: ServerUnderTest;
  let standIn: DmpSoapStandIn;
  let client: DmpSoapClient;
  /** The DMP as the server sees it: the stand-in's client, unreachable for submissions while `dmpDown`. */
  let dmpDown = false;
  const dmp: Dmp = {
    checkAccess: (request) => client.checkAccess(request),
    submit: (request) =>
      dmpDown ? Promise.reject(new DmpUnavailable('connection refused (test)')) : client.submit(request),
    search: (request) => client.search(request),
    retrieve: (request) => client.retrieve(request),
  };
  const tokens: Record<string, string> = {};
  const known = randomUUID();
  const unknownToDmp = randomUUID();
  const anonymous = randomUUID();
  const usager = (serviceUserId: string) => `/organisations/${ORG}/facilities/${CSAPA}/usagers/${serviceUserId}`;
  const post = async (as: string, path: string, body: unknown) => {
    const answer = await app.request('POST', path, { as, body });
    expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).to.be.oneOf([200, 201]);
    return answer;
  };
  const storedDocument = async (serviceUserId: string) => {
    const answer = await post(tokens.doctor as string, `${usager(serviceUserId)}/documents`, {
      kind: 'examResult',
      title: 'Bilan sanguin',
      sensitivity: 'medical',
      fileName: 'bilan.pdf',
      mediaType: 'application/pdf',
      contentBase64: MINIMAL_PDF.toString('base64'),
    });
    return answer.body.documentId as string;
  };
  const registerQualified = async (serviceUserId: string, traits: TestIdentity['traits']) => {
    const secretary = tokens.secretary as string;
    await post(secretary, `/organisations/${ORG}/usagers`, { serviceUserId, facilityId: CSAPA, traits });
    await post(secretary, `/organisations/${ORG}/usagers/${serviceUserId}/ins-searches`, {});
    await post(secretary, `/organisations/${ORG}/usagers/${serviceUserId}/identity-document-checks`, {
      checkId: randomUUID(),
      kind: 'national-id-card',
      outcome: 'consistent',
    });
  };

  before(async () => {
    const certificates = await issueEphemeralCertificates({ name: 'dmp flow' });
    // the DMP knows Jeanne Martin only
    standIn = await startDmpSoapStandIn({
      tls: { ...certificates.server, ca: certificates.ca },
      homologationNumber: HOMOLOGATION,
      patients: [{ ins: jeanne.ins }],
    });
    client = new DmpSoapClient({
      endpoint: standIn.url,
      tls: { ...certificates.client, ca: certificates.ca },
      software: { name: 'DUI-PDS', version: '0.1.0', homologationNumber: HOMOLOGATION },
    });
    app = await ServerUnderTest.start({ DUI_FACILITIES: FACILITIES }, undefined, { dmp });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-educator', facilityId: CSAPA, role: 'educator' },
      ...[known, unknownToDmp, anonymous].flatMap((serviceUserId) =>
        ['pro-doctor', 'pro-educator'].map((professionalId) => ({
          type: 'AddToCareTeam' as const,
          professionalId,
          serviceUserId,
          facilityId: CSAPA,
        })),
      ),
    );
    for (const who of ['secretary', 'doctor', 'educator']) tokens[who] = await app.loginAs(`pro-${who}`);
    await registerQualified(known, jeanne.traits);
    await registerQualified(unknownToDmp, antonio.traits);
    await post(tokens.secretary as string, `/organisations/${ORG}/anonymous-usagers`, {
      serviceUserId: anonymous,
      facilityId: CSAPA,
      sex: 'F',
      birthYear: 1992,
    });
  });
  after(async () => {
    await app?.close();
    client?.close();
    await standIn?.close();
  });

  it('tests the existence of the DMP and the structure’s authorisation, and keeps the last test', async () => {
    // when the secretary tests Jeanne Martin's DMP
    const answer = await post(tokens.secretary as string, `${usager(known)}/dmp/access-checks`, {});

    // then the DMP exists and the structure may feed it; the record keeps it
    expect(answer.body).to.deep.include({ dmpExists: true, authorisation: 'valid', checkedBy: 'pro-secretary' });
    const record = await app.request('GET', `${usager(known)}/dmp`, { as: tokens.secretary });
    expect(record.status).to.equal(200);
    expect(record.body.lastAccessCheck).to.deep.include({
      dmpExists: true,
      authorisationLabel: 'autorisation d’accès valide',
    });
    expect(standIn.lastVihf).to.deep.include({ nameId: `3${CSAPA}/pro-secretary`, structureId: `1${CSAPA}` });
  });

  it('feeds a document as CDA, finds it in the DMP, retrieves the same bytes, and replaces it', async () => {
    // given a stored PDF of a qualified usager
    const documentId = await storedDocument(known);

    // when the doctor sends it to the DMP
    const sent = await app.request('POST', `${usager(known)}/dmp/submissions`, {
      as: tokens.doctor,
      body: { documentId },
    });

    // then the DMP accepted it, and holds a CDA valid against the ANS schema
    expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    const first = sent.body.submission;
    expect(first).to.deep.include({ documentId, version: 1, status: 'accepted', requestedBy: 'pro-doctor' });
    const [held] = standIn.documentsOf(jeanne.ins);
    expect(held?.entry.uniqueId).to.equal(first.accepted.uniqueId);
    const cda = held?.content.toString('utf8') as string;
    expect((await validateAgainstAnsCdaSchema(cda)).errors).to.deep.equal([]);
    expect(cda).to.include(jeanne.ins.value);

    // and a search lists it, a retrieval gives its bytes back
    const found = await app.request('GET', `${usager(known)}/dmp/documents`, { as: tokens.doctor });
    expect(found.status, JSON.stringify(found.body)).to.equal(200);
    expect(found.body.documents.map((document: { uniqueId: string }) => document.uniqueId)).to.deep.equal([
      first.accepted.uniqueId,
    ]);
    const [entry] = found.body.documents;
    const retrieved = await app.request(
      'GET',
      `${usager(known)}/dmp/documents/content?uniqueId=${encodeURIComponent(entry.uniqueId)}&repositoryId=${entry.repositoryId}`,
      { as: tokens.doctor },
    );
    expect(retrieved.status, textOf(retrieved)).to.equal(200);
    expect(Buffer.from(retrieved.bytes).equals(held?.content as Buffer)).to.equal(true);

    // when a second version of the document replaces it
    await post(tokens.doctor as string, `${usager(known)}/documents/${documentId}/versions`, {
      fileName: 'bilan-v2.pdf',
      mediaType: 'application/pdf',
      contentBase64: Buffer.concat([MINIMAL_PDF, Buffer.from('% version 2\n')]).toString('base64'),
    });
    const replaced = await app.request('POST', `${usager(known)}/dmp/submissions/${first.submissionId}/replacements`, {
      as: tokens.doctor,
      body: {},
    });

    // then the replacement is accepted, the first submission replaced, and the DMP shows version 2 only
    expect(replaced.status, JSON.stringify(replaced.body)).to.equal(201);
    expect(replaced.body.submission).to.deep.include({ version: 2, status: 'accepted' });
    expect(replaced.body.submission.replaces).to.deep.equal({
      submissionId: first.submissionId,
      entryUuid: first.accepted.entryUuid,
    });
    const record = await app.request('GET', `${usager(known)}/dmp`, { as: tokens.doctor });
    expect(
      record.body.submissions.map(({ version, status }: { version: number; status: string }) => [version, status]),
    ).to.deep.equal([
      [1, 'replaced'],
      [2, 'accepted'],
    ]);
    const inForce = await app.request('GET', `${usager(known)}/dmp/documents`, { as: tokens.doctor });
    expect(inForce.body.documents).to.have.length(1);
    expect(inForce.body.documents[0].uniqueId).to.equal(replaced.body.submission.accepted.uniqueId);
    const all = await app.request('GET', `${usager(known)}/dmp/documents?status=all`, { as: tokens.doctor });
    expect(all.body.documents.map((document: { status: string }) => document.status)).to.deep.equal([
      'deprecated',
      'approved',
    ]);

    // and sending the document again as new is refused: it is replaced, not duplicated
    const again = await app.request('POST', `${usager(known)}/dmp/submissions`, {
      as: tokens.doctor,
      body: { documentId },
    });
    expect(again.status).to.equal(422);
    expect(again.body.code).to.equal('DMP_DOCUMENT_ALREADY_SENT');
  });

  it('sends nothing while the usager is opposed, and again once the opposition is withdrawn', async () => {
    // given the usager's opposition, recorded by the secretary
    const documentId = await storedDocument(known);
    await post(tokens.secretary as string, `${usager(known)}/dmp/opposition`, { reason: 'ne le souhaite pas' });
    const received = standIn.received;

    // when the doctor sends a document
    const refused = await app.request('POST', `${usager(known)}/dmp/submissions`, {
      as: tokens.doctor,
      body: { documentId },
    });

    // then it is refused, and nothing reached the DMP
    expect(refused.status).to.equal(422);
    expect(refused.body.code).to.equal('DMP_OPPOSED');
    expect(standIn.received).to.equal(received);
    const opposed = await app.request('GET', `${usager(known)}/dmp`, { as: tokens.secretary });
    expect(opposed.body.opposed).to.equal(true);
    expect(opposed.body.oppositions[0]).to.deep.include({ reason: 'ne le souhaite pas', recordedBy: 'pro-secretary' });

    // when the opposition is withdrawn, the document goes
    await post(tokens.secretary as string, `${usager(known)}/dmp/opposition/withdrawal`, {});
    const sent = await app.request('POST', `${usager(known)}/dmp/submissions`, {
      as: tokens.doctor,
      body: { documentId, masked: { fromProfessionals: true } },
    });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    expect(sent.body.submission.masking).to.deep.include({ hiddenFromProfessionals: true });
    const withdrawn = await app.request('GET', `${usager(known)}/dmp`, { as: tokens.secretary });
    expect(withdrawn.body.opposed).to.equal(false);
  });

  it('sends nothing on a retry once the usager opposed since the first attempt the DMP did not answer', async () => {
    // given a submission the DMP did not answer (503), then the usager's opposition
    const documentId = await storedDocument(known);
    const submit = () =>
      app.request('POST', `${usager(known)}/dmp/submissions`, {
        as: tokens.doctor,
        body: { documentId },
        idempotencyKey: 'retry-after-opposition',
      });
    dmpDown = true;
    const unanswered = await submit().finally(() => {
      dmpDown = false;
    });
    await post(tokens.secretary as string, `${usager(known)}/dmp/opposition`, { reason: 'a changé d’avis' });
    const received = standIn.received;

    // when the doctor's client retries the same request, as the 503 told it to
    const retried = await submit();

    // then the retry is refused and nothing reaches the DMP; the submission stays as it was requested
    expect(unanswered.status, JSON.stringify(unanswered.body)).to.equal(503);
    expect(retried.status, JSON.stringify(retried.body)).to.equal(422);
    expect(retried.body.code).to.equal('DMP_OPPOSED');
    expect(standIn.received).to.equal(received);
    await post(tokens.secretary as string, `${usager(known)}/dmp/opposition/withdrawal`, {});
  });

  it('never sends an anonymous usager’s document', async () => {
    const documentId = await storedDocument(anonymous);
    const received = standIn.received;
    const refused = await app.request('POST', `${usager(anonymous)}/dmp/submissions`, {
      as: tokens.doctor,
      body: { documentId },
    });
    expect(refused.status).to.equal(422);
    expect(refused.body.code).to.equal('DMP_ANONYMOUS_USAGER');
    const checked = await app.request('POST', `${usager(anonymous)}/dmp/access-checks`, {
      as: tokens.secretary,
      body: {},
    });
    expect(checked.status).to.equal(422);
    expect(standIn.received).to.equal(received);
  });

  it('records the DMP’s refusal on the submission, with its code and a French label', async () => {
    // given a qualified usager the DMP does not know
    const documentId = await storedDocument(unknownToDmp);

    // when their document is sent
    const answer = await app.request('POST', `${usager(unknownToDmp)}/dmp/submissions`, {
      as: tokens.doctor,
      body: { documentId },
    });

    // then the submission is refused, and the record shows why
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    expect(answer.body.submission.status).to.equal('refused');
    expect(answer.body.submission.refusal).to.deep.include({ code: 'XDSUnknownPatientId' });
    const record = await app.request('GET', `${usager(unknownToDmp)}/dmp`, { as: tokens.doctor });
    expect(record.body.submissions.map((submission: { status: string }) => submission.status)).to.deep.equal([
      'refused',
    ]);
    expect(record.body.submissions[0].refusal.label).to.match(/ne connaît pas ce patient/);
  });

  it('opens what the DMP holds to clinicians only', async () => {
    const educator = await app.request('GET', `${usager(known)}/dmp/documents`, { as: tokens.educator });
    expect(educator.status).to.equal(403);
    const secretary = await app.request('GET', `${usager(known)}/dmp/documents`, { as: tokens.secretary });
    expect(secretary.status).to.equal(403);
  });
});
