import { request } from 'node:https';
import { INS_OIDS, nirKey } from '@dui-pds/domain';
import { expect } from 'chai';
import { buildCdaDocument } from '../../cda/build-cda-document.js';
import type { CdaDocumentInput } from '../../cda/cda-document-input.js';
import { EXAMPLE_FINESS, EXAMPLE_INS, exampleCdaInput, examplePatient } from '../../testing/cda-examples.js';
import { type EphemeralCertificates, issueEphemeralCertificates } from '../../tls/ephemeral-certificates.js';
import { DmpRefused, DmpUnavailable } from '../dmp-errors.js';
import type { DmpActor, DmpCall } from '../dmp-port.js';
import { dmpSubmissionOf } from '../dmp-submission.js';
import { buildDmpRequest, readDmpAnswer } from './dmp-envelope.js';
import { DmpSoapClient, type DmpSoapClientConfig } from './dmp-soap-client.js';
import { DMP_ACTIONS, soapContentType } from './dmp-soap-names.js';
import { type DmpSoapStandIn, startDmpSoapStandIn } from './dmp-soap-stand-in.js';
import { buildTd02Query } from './td02.js';
import { buildVihfAssertion, issuerOfCertificate, signVihfAssertion } from './vihf.js';

const SOFTWARE = { name: 'DUI-PDS', version: '0.1.0', homologationNumber: 'DMP-HOMOL-0001' };
const OTHER_INS = { value: `1720313055042${nirKey('1720313055042')}`, oid: INS_OIDS.nirTest };
const EXPIRED_INS = { value: `1900299134011${nirKey('1900299134011')}`, oid: INS_OIDS.nirTest };
const UNKNOWN_INS = { value: `2690375123456${nirKey('2690375123456')}`, oid: INS_OIDS.nirTest };

const doctor: DmpActor = {
  id: '810002422979',
  name: 'Pascal CHARLES',
  roles: [{ code: '10', codeSystem: '1.2.250.1.71.1.2.7', displayName: 'Médecin' }],
  structure: {
    id: `1${EXAMPLE_FINESS}`,
    activitySector: { code: 'SA41', codeSystem: '1.2.250.1.71.4.2.4', displayName: 'Autre établissement' },
  },
};
const forPatient = (ins = EXAMPLE_INS, actor = doctor): DmpCall => ({ actor, patient: { ins } });

/** A version of the example document: its own id, the same set. */
function version(number: number, overrides: Partial<CdaDocumentInput> = {}): CdaDocumentInput {
  const base = exampleCdaInput();
  return {
    ...base,
    id: { root: `${base.setId.root}.${number}` },
    versionNumber: number,
    title: `Projet personnalisé, version ${number}`,
    ...(number > 1 ? { replaces: { root: `${base.setId.root}.${number - 1}` } } : {}),
    ...overrides,
  };
}

function submissionOf(input: CdaDocumentInput, submissionId: string, replaces?: { entryUuid: string }) {
  const xml = buildCdaDocument(input);
  return {
    xml,
    ...dmpSubmissionOf(
      { xml, input },
      {
        submissionId,
        sourceId: '2.25.1',
        submissionTime: new Date('2025-03-01T09:30:00Z'),
        ...(replaces ? { replaces } : {}),
      },
    ),
  };
}

async function rejection(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call succeeded');
}

describe('the DMP SOAP client against its stand-in, over HTTPS with mutual TLS', function () {
  this.timeout(30_000);
  let certificates: EphemeralCertificates;
  let standIn: DmpSoapStandIn;
  const clients: DmpSoapClient[] = [];

  const clientWith = (overrides: Partial<DmpSoapClientConfig> = {}) => {
    const client = new DmpSoapClient({
      endpoint: standIn.url,
      tls: { ...certificates.client, ca: certificates.ca },
      software: SOFTWARE,
      ...overrides,
    });
    clients.push(client);
    return client;
  };

  before(async () => {
    certificates = await issueEphemeralCertificates();
    standIn = await startDmpSoapStandIn({
      tls: { ...certificates.server, ca: certificates.ca },
      homologationNumber: SOFTWARE.homologationNumber,
      patients: [{ ins: EXAMPLE_INS }, { ins: OTHER_INS }, { ins: EXPIRED_INS, authorisation: 'expired' }],
    });
  });
  after(async () => {
    for (const client of clients) client.close();
    await standIn.close();
  });

  it('tests the existence of a DMP and the structure’s authorisation (TD0.2)', async () => {
    const dmp = clientWith();
    expect(await dmp.checkAccess(forPatient())).to.deep.equal({ dmpExists: true, authorisation: 'valid' });
    expect(await dmp.checkAccess(forPatient(EXPIRED_INS))).to.deep.equal({ dmpExists: true, authorisation: 'expired' });
    expect(await dmp.checkAccess(forPatient(UNKNOWN_INS))).to.deep.equal({ dmpExists: false, authorisation: 'absent' });
  });

  it('signs the VIHF of every request with the structure’s certificate, naming the professional and the patient', async () => {
    await clientWith().checkAccess(forPatient());
    expect(standIn.lastVihf).to.deep.include({
      issuer: issuerOfCertificate(certificates.client.cert),
      nameId: doctor.id,
      structureId: `1${EXAMPLE_FINESS}`,
      activitySector: 'SA41^1.2.250.1.71.4.2.4',
      subjectName: 'Pascal CHARLES',
      authenticationMode: 'INDIRECTE',
      resourceId: `${EXAMPLE_INS.value}^^^&${EXAMPLE_INS.oid}&ISO^NH`,
      resourceUrn: 'urn:dmp',
    });
    expect(standIn.lastVihf?.roles).to.deep.equal(doctor.roles);
    expect(standIn.lastVihf?.software).to.deep.equal({ ...SOFTWARE, id: undefined });
  });

  it('feeds a document as an MTOM part, lists it, and retrieves the same bytes', async () => {
    // given the CDA of a qualified usager's personalised project
    const dmp = clientWith();
    const first = submissionOf(version(1), '0195f0a0-0000-7000-8000-000000000001');

    // when it is fed
    const receipt = await dmp.submit({ ...forPatient(), submission: first.submission, documents: first.documents });

    // then the DMP registered the entry as submitted, with the document's bytes
    const [entry] = first.submission.entries;
    expect(receipt).to.deep.equal({ entries: [{ entryUuid: entry?.entryUuid, uniqueId: entry?.uniqueId }] });
    const held = standIn.documentsOf(EXAMPLE_INS);
    expect(held.map((document) => document.status)).to.deep.equal(['approved']);
    expect(held[0]?.content.equals(Buffer.from(first.xml, 'utf8'))).to.equal(true);
    expect(standIn.lastRequest).to.include('xop:Include');
    // the document is a part of its own, not base64 in the envelope
    expect(standIn.lastRequest).not.to.include('ClinicalDocument');

    // and a search lists it, a retrieval gives it back byte for byte
    const found = await dmp.search(forPatient());
    expect(found).to.have.length(1);
    expect(found[0]).to.deep.include({
      entryUuid: entry?.entryUuid,
      uniqueId: entry?.uniqueId,
      repositoryId: standIn.repositoryId,
      title: 'Projet personnalisé, version 1',
      mimeType: 'text/xml',
      status: 'approved',
    });
    expect(found[0]?.typeCode?.code).to.equal(version(1).type.code);
    const retrieved = await dmp.retrieve({
      ...forPatient(),
      uniqueId: found[0]?.uniqueId as string,
      repositoryId: standIn.repositoryId,
    });
    expect(retrieved.content.equals(Buffer.from(first.xml, 'utf8'))).to.equal(true);
    expect(retrieved.mimeType).to.equal('text/xml');
  });

  it('replaces an entry (RPLC): the new one is in force, the replaced one deprecated', async () => {
    // given version 1 of another usager's document in the DMP
    const dmp = clientWith();
    const patient = { ...examplePatient('qualified'), ins: OTHER_INS } as CdaDocumentInput['patient'];
    const first = submissionOf(version(1, { patient }), '0195f0a0-0000-7000-8000-000000000011');
    await dmp.submit({ ...forPatient(OTHER_INS), submission: first.submission, documents: first.documents });
    const replaced = first.submission.entries[0]?.entryUuid as string;

    // when version 2 replaces it
    const second = submissionOf(version(2, { patient }), '0195f0a0-0000-7000-8000-000000000012', {
      entryUuid: replaced,
    });
    await dmp.submit({ ...forPatient(OTHER_INS), submission: second.submission, documents: second.documents });

    // then only version 2 is approved; version 1 is still there, deprecated
    const approved = await dmp.search(forPatient(OTHER_INS));
    expect(approved.map((found) => found.title)).to.deep.equal(['Projet personnalisé, version 2']);
    const all = await dmp.search({ ...forPatient(OTHER_INS), query: { status: 'all' } });
    expect(all.map(({ title, status }) => [title, status])).to.deep.equal([
      ['Projet personnalisé, version 1', 'deprecated'],
      ['Projet personnalisé, version 2', 'approved'],
    ]);

    // and replacing version 1 again is refused
    const third = submissionOf(version(3, { patient }), '0195f0a0-0000-7000-8000-000000000013', {
      entryUuid: replaced,
    });
    const error = await rejection(
      dmp.submit({ ...forPatient(OTHER_INS), submission: third.submission, documents: third.documents }),
    );
    expect(error).to.be.instanceOf(DmpRefused);
    expect((error as DmpRefused).code).to.equal('XDSRegistryDeprecatedDocumentError');
  });

  it('is refused a feed for a patient without a DMP, and a document sent twice, with the XDS code and a French label', async () => {
    const dmp = clientWith();
    const patient = { ...examplePatient('qualified'), ins: UNKNOWN_INS } as CdaDocumentInput['patient'];
    const unknown = submissionOf(version(1, { patient }), '0195f0a0-0000-7000-8000-000000000021');
    const refused = await rejection(
      dmp.submit({ ...forPatient(UNKNOWN_INS), submission: unknown.submission, documents: unknown.documents }),
    );
    expect(refused).to.be.instanceOf(DmpRefused);
    expect(refused).to.deep.include({ code: 'XDSUnknownPatientId' });
    expect((refused as DmpRefused).label).to.match(/ne connaît pas ce patient/);
    expect(standIn.documentsOf(UNKNOWN_INS)).to.deep.equal([]);

    const again = submissionOf(version(1), '0195f0a0-0000-7000-8000-000000000022');
    const duplicate = await rejection(
      dmp.submit({ ...forPatient(), submission: again.submission, documents: again.documents }),
    );
    expect(duplicate).to.deep.include({ code: 'XDSDuplicateUniqueIdInRegistry' });
  });

  it('is refused the retrieval of a document it does not hold for that patient', async () => {
    const error = await rejection(
      clientWith().retrieve({ ...forPatient(), uniqueId: '1.2.3.4', repositoryId: standIn.repositoryId }),
    );
    expect(error).to.deep.include({ code: 'XDSDocumentUniqueIdError' });
  });

  it('refuses a client whose certificate another authority signed, before anything is read', async () => {
    const before = standIn.received;
    const stranger = await issueEphemeralCertificates({ name: 'stranger' });
    const impostor = clientWith({ tls: { ...stranger.client, ca: certificates.ca } });
    expect(await rejection(impostor.search(forPatient()))).to.be.instanceOf(DmpUnavailable);
    expect(standIn.received).to.equal(before);
  });

  it('answers a SOAP fault to a VIHF signed by another key than the client certificate’s', async () => {
    // given a request whose VIHF a stranger signed, sent with the structure's TLS certificate
    const stranger = await issueEphemeralCertificates({ name: 'stranger' });
    const vihf = signVihfAssertion(
      buildVihfAssertion({
        id: '_forged',
        instant: new Date(),
        issuer: issuerOfCertificate(certificates.client.cert),
        actor: doctor,
        patient: { ins: EXAMPLE_INS },
        software: SOFTWARE,
      }),
      stranger.client,
    );
    const envelope = buildDmpRequest({
      headers: {
        action: DMP_ACTIONS.accessCheck,
        messageId: 'urn:uuid:0195f0a0-0000-7000-8000-0000000000ff',
        to: `${standIn.url}/patients`,
      },
      signedVihf: vihf,
      body: buildTd02Query({ id: 'q-1', creationTime: new Date(), ins: EXAMPLE_INS, softwareName: 'DUI-PDS' }),
    });
    const before = standIn.calls;

    // when it is posted
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const post = request(
        `${standIn.url}/patients`,
        {
          method: 'POST',
          ...certificates.client,
          ca: certificates.ca,
          headers: { 'content-type': soapContentType(DMP_ACTIONS.accessCheck) },
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: body }));
        },
      );
      post.on('error', reject);
      post.end(envelope);
    });

    // then the stand-in refused it as the sender's fault, and answered nothing
    expect(status).to.equal(400);
    expect(readDmpAnswer(text)).to.deep.equal({ kind: 'fault', code: 'Sender' });
    expect(text).to.include('VIHF refusé');
    expect(standIn.calls).to.equal(before);
  });

  it('turns a fault into DmpUnavailable: a software the DMP did not approve', async () => {
    const unknown = clientWith({ software: { ...SOFTWARE, homologationNumber: 'UNKNOWN' } });
    const error = await rejection(unknown.checkAccess(forPatient()));
    expect(error).to.be.instanceOf(DmpUnavailable);
    expect(error.message).to.include('SOAP fault Sender');
    expect(error.message).not.to.include(EXAMPLE_INS.value);
  });

  it('is unavailable when the DMP is down', async () => {
    const stopped = await startDmpSoapStandIn({ tls: { ...certificates.server, ca: certificates.ca } });
    await stopped.close();
    const error = await rejection(clientWith({ endpoint: stopped.url }).checkAccess(forPatient()));
    expect(error).to.be.instanceOf(DmpUnavailable);
    expect(error.message).to.include('ECONNREFUSED');
  });
});
