import { INS_OIDS } from '@dui-pds/domain';
import { expect } from 'chai';
import { buildCdaDocument } from '../../cda/build-cda-document.js';
import { exampleCdaInput } from '../../testing/cda-examples.js';
import { MalformedXml, readXml } from '../../xml/xml-document.js';
import { dmpSubmissionOf } from '../dmp-submission.js';
import {
  buildDmpAnswer,
  buildDmpFault,
  buildDmpRequest,
  readDmpAnswer,
  readDmpRequest,
  xmlFragment,
} from './dmp-envelope.js';
import { DMP_ACTIONS, dmpPatientId, XDS } from './dmp-soap-names.js';
import { buildTd02Answer, buildTd02Query, readTd02Answer, readTd02Query } from './td02.js';
import {
  buildFindDocumentsQuery,
  buildProvideRequest,
  buildQueryResponse,
  buildRegistryResponse,
  buildRetrieveRequest,
  readFindDocumentsQuery,
  readProvideRequest,
  readQueryResponse,
  readRegistryResponse,
  readRetrieveRequest,
} from './xds-exchanges.js';

const INS = { value: '279035121518989', oid: INS_OIDS.nirTest };
const element = (node: Parameters<typeof xmlFragment>[0]) => readXml(xmlFragment(node));

describe('the DMP’s SOAP messages', () => {
  it('carry the VIHF in wsse:Security and WS-Addressing, read back with the operation', () => {
    const xml = buildDmpRequest({
      headers: { action: DMP_ACTIONS.search, messageId: 'urn:uuid:1', to: 'https://dmp/registry' },
      signedVihf: '<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1"/>',
      body: buildFindDocumentsQuery({ patientId: dmpPatientId(INS), statuses: [XDS.approved] }),
    });
    const request = readDmpRequest(xml);
    expect(request.headers).to.deep.equal({
      action: DMP_ACTIONS.search,
      messageId: 'urn:uuid:1',
      to: 'https://dmp/registry',
    });
    expect(request.operation.name).to.equal('AdhocQueryRequest');
    expect(() => readDmpRequest(xml.replace(/<wsse:Security[\s\S]*<\/wsse:Security>/, ''))).to.throw(MalformedXml);
  });

  it('read an answer’s body and action, and a fault’s code alone', () => {
    const answer = readDmpAnswer(
      buildDmpAnswer({
        action: 'a:Response',
        relatesTo: 'urn:uuid:1',
        body: buildRegistryResponse({ status: 'success' }),
      }),
    );
    expect(answer).to.deep.include({ kind: 'body', action: 'a:Response', relatesTo: 'urn:uuid:1' });
    expect(readDmpAnswer(buildDmpFault({ code: 'Receiver', reason: 'Erreur interne' }))).to.deep.equal({
      kind: 'fault',
      code: 'Receiver',
    });
  });

  it('ask TD0.2 for an INS, and read the existence and the authorisation', () => {
    const query = element(
      buildTd02Query({ id: 'q-1', creationTime: new Date('2025-03-01T09:30:00Z'), ins: INS, softwareName: 'DUI-PDS' }),
    );
    expect(readTd02Query(query)).to.deep.equal({ id: 'q-1', ins: INS });
    for (const access of [
      { dmpExists: true, authorisation: 'valid' },
      { dmpExists: true, authorisation: 'forbidden' },
      { dmpExists: false, authorisation: 'absent' },
    ] as const) {
      const answer = element(buildTd02Answer({ id: 'a', creationTime: new Date(), queryId: 'q-1', ins: INS, access }));
      expect(readTd02Answer(answer)).to.deep.equal(access);
    }
    const strange = xmlFragment(
      buildTd02Answer({
        id: 'a',
        creationTime: new Date(),
        queryId: 'q',
        ins: INS,
        access: { dmpExists: true, authorisation: 'valid' },
      }),
    ).replace('value="VALIDE"', 'value="PEUT-ETRE"');
    expect(() => readTd02Answer(readXml(strange))).to.throw(MalformedXml);
  });

  it('feed a submission whose documents are xop:Include of their parts', () => {
    const input = exampleCdaInput();
    const xml = buildCdaDocument(input);
    const { submission, documents } = dmpSubmissionOf(
      { xml, input },
      {
        submissionId: '0195f0a0-0000-7000-8000-000000000001',
        sourceId: '2.25.1',
        submissionTime: new Date('2025-03-01T09:30:00Z'),
        masked: { fromProfessionals: true },
      },
    );
    const entryUuid = submission.entries[0]?.entryUuid as string;
    const request = element(buildProvideRequest(submission, new Map([[entryUuid, 'document-1@dui-pds']])));
    const read = readProvideRequest(
      request,
      new Map([
        [
          'document-1@dui-pds',
          { contentId: 'document-1@dui-pds', contentType: 'text/xml', body: documents[0]?.content as Buffer },
        ],
      ]),
    );
    expect(read.submission.entries.map((entry) => entry.uniqueId)).to.deep.equal([submission.entries[0]?.uniqueId]);
    expect(read.submission.entries[0]?.confidentialityCodes.map((code) => code.code)).to.include('MASQUE_PS');
    expect(read.documents.get(entryUuid)?.toString('utf8')).to.equal(xml);
    expect(() => readProvideRequest(request, new Map())).to.throw(MalformedXml, /names no part/);
  });

  it('read a RegistryResponse’s failure with its errors, and take PartialSuccess for a failure', () => {
    const failure = element(
      buildRegistryResponse({ status: 'failure', errors: [{ code: 'XDSUnknownPatientId', context: 'inconnu' }] }),
    );
    expect(readRegistryResponse(failure)).to.deep.equal({
      status: 'failure',
      errors: [{ code: 'XDSUnknownPatientId', context: 'inconnu' }],
    });
    const partial = readXml(
      '<rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" status="urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"/>',
    );
    expect(readRegistryResponse(partial).status).to.equal('failure');
  });

  it('search by the INS and the statuses, and list the entries found', () => {
    const query = element(
      buildFindDocumentsQuery({ patientId: dmpPatientId(INS), statuses: [XDS.approved, XDS.deprecated] }),
    );
    expect(readFindDocumentsQuery(query)).to.deep.equal({
      patientId: `279035121518989^^^&${INS_OIDS.nirTest}&ISO^NH`,
      statuses: [XDS.approved, XDS.deprecated],
    });
    const input = exampleCdaInput();
    const xml = buildCdaDocument(input);
    const { submission } = dmpSubmissionOf(
      { xml, input },
      { submissionId: '0195f0a0-0000-7000-8000-000000000001', sourceId: '2.25.1', submissionTime: new Date() },
    );
    const entry = submission.entries[0];
    if (entry === undefined) throw new Error('no entry');
    const { outcome, entries } = readQueryResponse(
      element(buildQueryResponse({ status: 'success' }, [{ entry, status: 'deprecated', repositoryId: '2.25.9' }])),
    );
    expect(outcome).to.deep.equal({ status: 'success' });
    expect(entries).to.deep.equal([
      {
        entryUuid: entry.entryUuid,
        uniqueId: entry.uniqueId,
        repositoryId: '2.25.9',
        title: entry.title,
        typeCode: entry.typeCode,
        mimeType: 'text/xml',
        creationTime: new Date(Math.floor(entry.creationTime.getTime() / 1000) * 1000),
        status: 'deprecated',
        confidentialityCodes: ['N'],
        size: entry.size,
        hash: entry.hash,
      },
    ]);
  });

  it('retrieve a document by its uniqueId and its repository', () => {
    const request = element(buildRetrieveRequest({ uniqueId: '1.2.3', repositoryId: '2.25.9' }));
    expect(readRetrieveRequest(request)).to.deep.equal([{ uniqueId: '1.2.3', repositoryId: '2.25.9' }]);
  });
});
