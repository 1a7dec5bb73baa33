import { instantOfXdsTime, xdsTime } from '../../cda/hl7-time.js';
import { readRegistryObjectList } from '../../xds/read-submit-objects-request.js';
import { submitObjectsRequest } from '../../xds/submit-objects-request.js';
import { EBRIM, XDS_UUIDS, type XdsDocumentEntry, type XdsSubmission } from '../../xds/xds-metadata.js';
import {
  childrenOf,
  MalformedXml,
  node,
  optionalChild,
  requiredChild,
  requiredText,
  textNode,
  type XmlElement,
  type XmlNode,
} from '../../xml/xml-document.js';
import type { DmpDocumentSummary } from '../dmp-port.js';
import { DMP_NAMESPACES as NS, XDS } from './dmp-soap-names.js';
import { cidUrl, contentIdOfHref, type MimePart } from './mtom.js';

/**
 * The XDS.b bodies of the DMP's feed, search and retrieval (IHE ITI-41, ITI-18, ITI-43): each
 * built by the side that sends it and read back by the other, so that the client and the stand-in
 * agree by construction and the tests can read what went over the wire.
 */

/** An XDS error as a RegistryResponse lists it. */
export interface XdsError {
  code: string;
  context: string;
}

export type RegistryOutcome = { status: 'success' } | { status: 'failure'; errors: XdsError[] };

/** ITI-41: the submission's metadata, and each document as an `xop:Include` of its MIME part. */
export function buildProvideRequest(submission: XdsSubmission, contentIds: ReadonlyMap<string, string>): XmlNode {
  return node(
    'xds:ProvideAndRegisterDocumentSetRequest',
    { 'xmlns:xds': NS.xds },
    submitObjectsRequest(submission),
    ...submission.entries.map((entry) => {
      const contentId = contentIds.get(entry.entryUuid);
      if (contentId === undefined) throw new TypeError(`buildProvideRequest: no content for ${entry.entryUuid}`);
      return node(
        'xds:Document',
        { id: entry.entryUuid },
        { name: 'xop:Include', attributes: { 'xmlns:xop': NS.xop, href: cidUrl(contentId) } },
      );
    }),
  );
}

/** Reads an ITI-41 request: the submission, and each document's bytes by entryUUID. */
export function readProvideRequest(
  request: XmlElement,
  attachments: ReadonlyMap<string, MimePart>,
): { submission: XdsSubmission; documents: Map<string, Buffer> } {
  if (request.namespace !== NS.xds || request.name !== 'ProvideAndRegisterDocumentSetRequest') {
    throw new MalformedXml('expected xds:ProvideAndRegisterDocumentSetRequest');
  }
  const submitObjects = requiredChild(request, EBRIM.lcm, 'SubmitObjectsRequest');
  const submission = readRegistryObjectList(requiredChild(submitObjects, EBRIM.rim, 'RegistryObjectList'));
  const documents = new Map<string, Buffer>();
  for (const document of childrenOf(request, NS.xds, 'Document')) {
    const id = document.attributes.id;
    if (id === undefined || documents.has(id)) throw new MalformedXml('a document has no id, or the same as another');
    documents.set(id, documentBytes(document, attachments));
  }
  return { submission, documents };
}

/** A document's bytes: its XOP part (MTOM), or base64 inline (a client without MTOM). */
function documentBytes(document: XmlElement, attachments: ReadonlyMap<string, MimePart>): Buffer {
  const include = optionalChild(document, NS.xop, 'Include');
  if (include === undefined) return Buffer.from(document.text, 'base64');
  const contentId = contentIdOfHref(include.attributes.href ?? '');
  const part = contentId === undefined ? undefined : attachments.get(contentId);
  if (part === undefined) throw new MalformedXml('an xop:Include names no part of the message');
  return part.body;
}

export function buildRegistryResponse(outcome: RegistryOutcome): XmlNode {
  return node(
    'rs:RegistryResponse',
    { 'xmlns:rs': NS.rs, status: outcome.status === 'success' ? XDS.success : XDS.failure },
    outcome.status === 'success' ? undefined : registryErrorList(outcome.errors),
  );
}

function registryErrorList(errors: readonly XdsError[]): XmlNode {
  return node(
    'rs:RegistryErrorList',
    {},
    ...errors.map((error) =>
      node('rs:RegistryError', {
        errorCode: error.code,
        codeContext: error.context,
        severity: XDS.errorSeverity,
        location: '',
      }),
    ),
  );
}

/** Success, or the failure and its errors; PartialSuccess counts as a failure: not everything was registered. */
export function readRegistryResponse(response: XmlElement): RegistryOutcome {
  if (response.namespace !== NS.rs || response.name !== 'RegistryResponse') {
    throw new MalformedXml('expected rs:RegistryResponse');
  }
  return outcomeOf(response);
}

function outcomeOf(withStatus: XmlElement): RegistryOutcome {
  const status = withStatus.attributes.status;
  const errors = errorsOf(withStatus);
  if (status === XDS.success && errors.length === 0) return { status: 'success' };
  if (status === undefined || !/ResponseStatusType:(Success|Failure|PartialSuccess)$/.test(status)) {
    throw new MalformedXml('unknown response status');
  }
  return { status: 'failure', errors: errors.length > 0 ? errors : [{ code: 'XDSRegistryError', context: '' }] };
}

function errorsOf(withStatus: XmlElement): XdsError[] {
  const list = optionalChild(withStatus, NS.rs, 'RegistryErrorList');
  return (list === undefined ? [] : childrenOf(list, NS.rs, 'RegistryError'))
    .filter((error) => error.attributes.severity === undefined || error.attributes.severity === XDS.errorSeverity)
    .map((error) => ({
      code: error.attributes.errorCode ?? 'XDSRegistryError',
      context: error.attributes.codeContext ?? '',
    }));
}

/** ITI-18 FindDocuments: the patient's entries, of the given statuses. */
export function buildFindDocumentsQuery(query: { patientId: string; statuses: readonly string[] }): XmlNode {
  const slot = (name: string, value: string) =>
    node('rim:Slot', { name }, node('rim:ValueList', {}, textNode('rim:Value', value)));
  return node(
    'query:AdhocQueryRequest',
    { 'xmlns:query': NS.query, 'xmlns:rim': NS.rim },
    node('query:ResponseOption', { returnType: 'LeafClass', returnComposedObjects: 'true' }),
    node(
      'rim:AdhocQuery',
      { id: XDS.findDocuments },
      slot('$XDSDocumentEntryPatientId', `'${query.patientId}'`),
      slot('$XDSDocumentEntryStatus', `(${query.statuses.map((status) => `'${status}'`).join(',')})`),
    ),
  );
}

export function readFindDocumentsQuery(request: XmlElement): { patientId: string; statuses: string[] } {
  if (request.namespace !== NS.query || request.name !== 'AdhocQueryRequest') {
    throw new MalformedXml('expected query:AdhocQueryRequest');
  }
  const query = requiredChild(request, NS.rim, 'AdhocQuery');
  if (query.attributes.id !== XDS.findDocuments) throw new MalformedXml('only FindDocuments is answered');
  const values = (name: string) => {
    const slot = childrenOf(query, NS.rim, 'Slot').find((candidate) => candidate.attributes.name === name);
    const list = slot === undefined ? undefined : optionalChild(slot, NS.rim, 'ValueList');
    return list === undefined ? [] : childrenOf(list, NS.rim, 'Value').map((value) => value.text);
  };
  const [patientId] = values('$XDSDocumentEntryPatientId').map(unquoted);
  if (patientId === undefined || patientId === '') throw new MalformedXml('FindDocuments names no patient');
  const statuses = values('$XDSDocumentEntryStatus').flatMap((value) =>
    value
      .replace(/^\(|\)$/g, '')
      .split(',')
      .map(unquoted),
  );
  if (statuses.length === 0) throw new MalformedXml('FindDocuments names no status');
  return { patientId, statuses };
}

function unquoted(value: string): string {
  return value
    .trim()
    .replace(/^'(.*)'$/, '$1')
    .replace(/''/g, "'");
}

/** A registry's stored entry: its metadata, whether it is still in force, and where it is kept. */
export interface RegisteredEntry {
  entry: XdsDocumentEntry;
  status: 'approved' | 'deprecated';
  repositoryId: string;
}

/** ITI-18's answer: the entries as ExtrinsicObjects (what a search shows), or the errors. */
export function buildQueryResponse(outcome: RegistryOutcome, entries: readonly RegisteredEntry[] = []): XmlNode {
  return node(
    'query:AdhocQueryResponse',
    {
      'xmlns:query': NS.query,
      'xmlns:rim': NS.rim,
      'xmlns:rs': NS.rs,
      status: outcome.status === 'success' ? XDS.success : XDS.failure,
    },
    outcome.status === 'success' ? undefined : registryErrorList(outcome.errors),
    node('rim:RegistryObjectList', {}, ...entries.map(extrinsicObjectOf)),
  );
}

function extrinsicObjectOf({ entry, status, repositoryId }: RegisteredEntry): XmlNode {
  const id = entry.entryUuid;
  const scheme = XDS_UUIDS.documentEntry;
  const slot = (name: string, value: string) =>
    node('rim:Slot', { name }, node('rim:ValueList', {}, textNode('rim:Value', value)));
  const localized = (value: string) => node('rim:Name', {}, node('rim:LocalizedString', { value }));
  const classification = (
    classificationScheme: string,
    code: { code: string; codingScheme: string; displayName: string },
  ) =>
    node(
      'rim:Classification',
      {
        classificationScheme,
        classifiedObject: id,
        nodeRepresentation: code.code,
        id: `${id}/${classificationScheme}/${code.code}`,
      },
      slot('codingScheme', code.codingScheme),
      localized(code.displayName),
    );
  const identifier = (identificationScheme: string, value: string) =>
    node('rim:ExternalIdentifier', {
      identificationScheme,
      registryObject: id,
      value,
      id: `${id}/${identificationScheme}`,
    });
  return node(
    'rim:ExtrinsicObject',
    {
      id,
      mimeType: entry.mimeType,
      objectType: XDS_UUIDS.documentEntry.objectType,
      status: status === 'approved' ? XDS.approved : XDS.deprecated,
    },
    slot('creationTime', xdsTime(entry.creationTime)),
    slot('repositoryUniqueId', repositoryId),
    entry.hash === undefined ? undefined : slot('hash', entry.hash),
    entry.size === undefined ? undefined : slot('size', String(entry.size)),
    localized(entry.title),
    classification(scheme.typeCode, entry.typeCode),
    ...entry.confidentialityCodes.map((code) => classification(scheme.confidentialityCode, code)),
    identifier(scheme.patientId, entry.patientId),
    identifier(scheme.uniqueId, entry.uniqueId),
  );
}

/** Reads ITI-18's answer into what a search shows; a failure is thrown by the caller from `outcome`. */
export function readQueryResponse(response: XmlElement): { outcome: RegistryOutcome; entries: DmpDocumentSummary[] } {
  if (response.namespace !== NS.query || response.name !== 'AdhocQueryResponse') {
    throw new MalformedXml('expected query:AdhocQueryResponse');
  }
  const outcome = outcomeOf(response);
  const list = optionalChild(response, NS.rim, 'RegistryObjectList');
  const entries = (list === undefined ? [] : childrenOf(list, NS.rim, 'ExtrinsicObject')).map(summaryOf);
  return { outcome, entries };
}

function summaryOf(extrinsic: XmlElement): DmpDocumentSummary {
  const scheme = XDS_UUIDS.documentEntry;
  const slot = (name: string) => {
    const found = childrenOf(extrinsic, NS.rim, 'Slot').find((candidate) => candidate.attributes.name === name);
    const list = found === undefined ? undefined : optionalChild(found, NS.rim, 'ValueList');
    return list === undefined ? undefined : childrenOf(list, NS.rim, 'Value')[0]?.text;
  };
  const classifications = (classificationScheme: string) =>
    childrenOf(extrinsic, NS.rim, 'Classification').filter(
      (classification) => classification.attributes.classificationScheme === classificationScheme,
    );
  const identifier = (identificationScheme: string) =>
    childrenOf(extrinsic, NS.rim, 'ExternalIdentifier').find(
      (candidate) => candidate.attributes.identificationScheme === identificationScheme,
    )?.attributes.value;
  const nameOf = (element: XmlElement) =>
    optionalChild(element, NS.rim, 'Name')?.children.find((child) => child.name === 'LocalizedString')?.attributes
      .value;
  const entryUuid = extrinsic.attributes.id;
  const uniqueId = identifier(scheme.uniqueId);
  const repositoryId = slot('repositoryUniqueId');
  if (entryUuid === undefined || uniqueId === undefined || repositoryId === undefined) {
    throw new MalformedXml('a document entry has no id, uniqueId or repositoryUniqueId');
  }
  const type = classifications(scheme.typeCode)[0];
  const creationTime = slot('creationTime');
  const size = slot('size');
  const hash = slot('hash');
  return {
    entryUuid,
    uniqueId,
    repositoryId,
    title: nameOf(extrinsic) ?? '',
    typeCode:
      type === undefined
        ? undefined
        : {
            code: type.attributes.nodeRepresentation ?? '',
            codingScheme: slotOf(type, 'codingScheme') ?? '',
            displayName: nameOf(type) ?? '',
          },
    mimeType: extrinsic.attributes.mimeType ?? 'application/octet-stream',
    creationTime: creationTime === undefined ? undefined : instantOfXdsTime(creationTime),
    status: extrinsic.attributes.status === XDS.deprecated ? 'deprecated' : 'approved',
    confidentialityCodes: classifications(scheme.confidentialityCode).map(
      (classification) => classification.attributes.nodeRepresentation ?? '',
    ),
    size: size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined,
    hash,
  };
}

function slotOf(parent: XmlElement, name: string): string | undefined {
  const found = childrenOf(parent, NS.rim, 'Slot').find((candidate) => candidate.attributes.name === name);
  const list = found === undefined ? undefined : optionalChild(found, NS.rim, 'ValueList');
  return list === undefined ? undefined : childrenOf(list, NS.rim, 'Value')[0]?.text;
}

/** ITI-43: one document, by its uniqueId and its repository's. */
export function buildRetrieveRequest(request: { uniqueId: string; repositoryId: string }): XmlNode {
  return node(
    'xds:RetrieveDocumentSetRequest',
    { 'xmlns:xds': NS.xds },
    node(
      'xds:DocumentRequest',
      {},
      textNode('xds:RepositoryUniqueId', request.repositoryId),
      textNode('xds:DocumentUniqueId', request.uniqueId),
    ),
  );
}

export function readRetrieveRequest(request: XmlElement): { uniqueId: string; repositoryId: string }[] {
  if (request.namespace !== NS.xds || request.name !== 'RetrieveDocumentSetRequest') {
    throw new MalformedXml('expected xds:RetrieveDocumentSetRequest');
  }
  const asked = childrenOf(request, NS.xds, 'DocumentRequest').map((documentRequest) => ({
    repositoryId: requiredText(documentRequest, NS.xds, 'RepositoryUniqueId'),
    uniqueId: requiredText(documentRequest, NS.xds, 'DocumentUniqueId'),
  }));
  if (asked.length === 0) throw new MalformedXml('no document asked for');
  return asked;
}

export interface RetrievedPart {
  uniqueId: string;
  repositoryId: string;
  mimeType: string;
  contentId: string;
}

/** ITI-43's answer: each document named by the MIME part that carries it, or the errors. */
export function buildRetrieveResponse(outcome: RegistryOutcome, documents: readonly RetrievedPart[] = []): XmlNode {
  return node(
    'xds:RetrieveDocumentSetResponse',
    { 'xmlns:xds': NS.xds, 'xmlns:rs': NS.rs },
    buildRegistryResponse(outcome),
    ...documents.map((document) =>
      node(
        'xds:DocumentResponse',
        {},
        textNode('xds:RepositoryUniqueId', document.repositoryId),
        textNode('xds:DocumentUniqueId', document.uniqueId),
        textNode('xds:mimeType', document.mimeType),
        node(
          'xds:Document',
          {},
          { name: 'xop:Include', attributes: { 'xmlns:xop': NS.xop, href: cidUrl(document.contentId) } },
        ),
      ),
    ),
  );
}

export function readRetrieveResponse(
  response: XmlElement,
  attachments: ReadonlyMap<string, MimePart>,
): {
  outcome: RegistryOutcome;
  documents: { uniqueId: string; repositoryId: string; mimeType: string; content: Buffer }[];
} {
  if (response.namespace !== NS.xds || response.name !== 'RetrieveDocumentSetResponse') {
    throw new MalformedXml('expected xds:RetrieveDocumentSetResponse');
  }
  const outcome = readRegistryResponse(requiredChild(response, NS.rs, 'RegistryResponse'));
  const documents = childrenOf(response, NS.xds, 'DocumentResponse').map((documentResponse) => ({
    repositoryId: requiredText(documentResponse, NS.xds, 'RepositoryUniqueId'),
    uniqueId: requiredText(documentResponse, NS.xds, 'DocumentUniqueId'),
    mimeType: requiredText(documentResponse, NS.xds, 'mimeType'),
    content: documentBytes(requiredChild(documentResponse, NS.xds, 'Document'), attachments),
  }));
  return { outcome, documents };
}
