import { xdsTime } from '../cda/hl7-time.js';
import { node, writeXml, type XmlNode } from '../xml/xml-document.js';
import { uuidOfName } from './hl7v2-values.js';
import {
  EBRIM,
  XDS_UUIDS,
  type XdsAuthor,
  type XdsCode,
  type XdsDocumentEntry,
  type XdsSubmission,
} from './xds-metadata.js';

/**
 * The `lcm:SubmitObjectsRequest` of a submission (ebRIM 3.0, IHE ITI TF-3 §4.2): one ExtrinsicObject
 * per DocumentEntry, the RegistryPackage of the SubmissionSet and the Classification that makes it
 * one, a HasMember association per entry, and the RPLC association when the submission replaces a
 * document. The DMP receives it inside ProvideAndRegisterDocumentSet-b; an XDM medium holds it as
 * `METADATA.XML`.
 */
export function submitObjectsRequestXml(submission: XdsSubmission): string {
  return writeXml(submitObjectsRequest(submission));
}

/** The same request as a node, for a SOAP body that embeds it. */
export function submitObjectsRequest(submission: XdsSubmission): XmlNode {
  if (submission.entries.length === 0)
    throw new TypeError('submitObjectsRequest: a submission holds at least one entry');
  if (submission.replaces !== undefined && submission.entries.length !== 1) {
    throw new TypeError('submitObjectsRequest: a replacement submits exactly one entry');
  }
  const packageId = submissionSetEntryUuid(submission);
  const patientId = (submission.entries[0] as XdsDocumentEntry).patientId;
  return node(
    'lcm:SubmitObjectsRequest',
    { 'xmlns:lcm': EBRIM.lcm, 'xmlns:rim': EBRIM.rim },
    node(
      'rim:RegistryObjectList',
      {},
      ...submission.entries.map(extrinsicObject),
      registryPackage(submission, packageId, patientId),
      node('rim:Classification', {
        id: childId(packageId, 'submission-set-node', 0),
        objectType: EBRIM.classificationObjectType,
        classifiedObject: packageId,
        classificationNode: XDS_UUIDS.submissionSet.classificationNode,
      }),
      ...submission.entries.map((entry) =>
        node(
          'rim:Association',
          {
            id: childId(packageId, `has-member/${entry.entryUuid}`, 0),
            objectType: EBRIM.associationObjectType,
            associationType: EBRIM.hasMember,
            sourceObject: packageId,
            targetObject: entry.entryUuid,
          },
          slot('SubmissionSetStatus', ['Original']),
        ),
      ),
      submission.replaces === undefined
        ? undefined
        : node('rim:Association', {
            id: childId(packageId, `replaces/${submission.replaces.entryUuid}`, 0),
            objectType: EBRIM.associationObjectType,
            associationType: EBRIM.replace,
            sourceObject: (submission.entries[0] as XdsDocumentEntry).entryUuid,
            targetObject: submission.replaces.entryUuid,
          }),
    ),
  );
}

/** The submission set's entryUUID: the one given, or one derived from its uniqueId. */
export function submissionSetEntryUuid(submission: Pick<XdsSubmission, 'id' | 'entryUuid'>): string {
  return submission.entryUuid ?? `urn:uuid:${uuidOfName(`submission-set/${submission.id}`)}`;
}

function extrinsicObject(entry: XdsDocumentEntry): XmlNode {
  const id = entry.entryUuid;
  const scheme = XDS_UUIDS.documentEntry;
  return node(
    'rim:ExtrinsicObject',
    { id, mimeType: entry.mimeType, objectType: scheme.objectType },
    slot('creationTime', [xdsTime(entry.creationTime)]),
    slot('languageCode', [entry.languageCode]),
    entry.serviceStartTime === undefined ? undefined : slot('serviceStartTime', [xdsTime(entry.serviceStartTime)]),
    entry.serviceStopTime === undefined ? undefined : slot('serviceStopTime', [xdsTime(entry.serviceStopTime)]),
    slot('sourcePatientId', [entry.sourcePatientId]),
    slot('sourcePatientInfo', entry.sourcePatientInfo),
    entry.legalAuthenticator === undefined ? undefined : slot('legalAuthenticator', [entry.legalAuthenticator]),
    entry.hash === undefined ? undefined : slot('hash', [entry.hash]),
    entry.size === undefined ? undefined : slot('size', [String(entry.size)]),
    entry.repositoryUniqueId === undefined ? undefined : slot('repositoryUniqueId', [entry.repositoryUniqueId]),
    entry.uri === undefined ? undefined : slot('URI', [entry.uri]),
    name(entry.title),
    authorClassification(id, scheme.author, entry.author),
    codeClassification(id, scheme.classCode, entry.classCode, 0),
    ...entry.confidentialityCodes.map((code, index) => codeClassification(id, scheme.confidentialityCode, code, index)),
    ...entry.eventCodes.map((code, index) => codeClassification(id, scheme.eventCodeList, code, index)),
    codeClassification(id, scheme.formatCode, entry.formatCode, 0),
    codeClassification(id, scheme.healthcareFacilityTypeCode, entry.healthcareFacilityTypeCode, 0),
    codeClassification(id, scheme.practiceSettingCode, entry.practiceSettingCode, 0),
    codeClassification(id, scheme.typeCode, entry.typeCode, 0),
    externalIdentifier(id, scheme.patientId, entry.patientId, 'XDSDocumentEntry.patientId'),
    externalIdentifier(id, scheme.uniqueId, entry.uniqueId, 'XDSDocumentEntry.uniqueId'),
  );
}

function registryPackage(submission: XdsSubmission, id: string, patientId: string): XmlNode {
  const scheme = XDS_UUIDS.submissionSet;
  return node(
    'rim:RegistryPackage',
    { id, objectType: EBRIM.registryPackageObjectType },
    slot('submissionTime', [xdsTime(submission.submissionTime)]),
    submission.intendedRecipients === undefined || submission.intendedRecipients.length === 0
      ? undefined
      : slot('intendedRecipient', submission.intendedRecipients),
    submission.title === undefined ? undefined : name(submission.title),
    authorClassification(id, scheme.author, submission.author),
    codeClassification(id, scheme.contentTypeCode, submission.contentType, 0),
    externalIdentifier(id, scheme.uniqueId, submission.id, 'XDSSubmissionSet.uniqueId'),
    externalIdentifier(id, scheme.sourceId, submission.sourceId, 'XDSSubmissionSet.sourceId'),
    externalIdentifier(id, scheme.patientId, patientId, 'XDSSubmissionSet.patientId'),
  );
}

function authorClassification(parent: string, scheme: string, author: XdsAuthor): XmlNode {
  return node(
    'rim:Classification',
    {
      id: childId(parent, scheme, 0),
      objectType: EBRIM.classificationObjectType,
      classificationScheme: scheme,
      classifiedObject: parent,
      nodeRepresentation: '',
    },
    author.person === undefined ? undefined : slot('authorPerson', [author.person]),
    author.institutions.length === 0 ? undefined : slot('authorInstitution', author.institutions),
    author.roles === undefined || author.roles.length === 0 ? undefined : slot('authorRole', author.roles),
    author.specialties === undefined || author.specialties.length === 0
      ? undefined
      : slot('authorSpecialty', author.specialties),
  );
}

function codeClassification(parent: string, scheme: string, code: XdsCode, index: number): XmlNode {
  return node(
    'rim:Classification',
    {
      id: childId(parent, scheme, index),
      objectType: EBRIM.classificationObjectType,
      classificationScheme: scheme,
      classifiedObject: parent,
      nodeRepresentation: code.code,
    },
    slot('codingScheme', [code.codingScheme]),
    name(code.displayName),
  );
}

function externalIdentifier(parent: string, scheme: string, value: string, label: string): XmlNode {
  return node(
    'rim:ExternalIdentifier',
    {
      id: childId(parent, scheme, 0),
      objectType: EBRIM.externalIdentifierObjectType,
      identificationScheme: scheme,
      registryObject: parent,
      value,
    },
    name(label),
  );
}

function slot(slotName: string, values: readonly string[]): XmlNode {
  return node(
    'rim:Slot',
    { name: slotName },
    node('rim:ValueList', {}, ...values.map((value) => ({ name: 'rim:Value', text: value }))),
  );
}

function name(value: string): XmlNode {
  return node('rim:Name', {}, node('rim:LocalizedString', { 'xml:lang': 'fr-FR', charset: 'UTF-8', value }));
}

/** The id of an object inside another (a classification, an identifier): stable for the same parent. */
function childId(parent: string, what: string, index: number): string {
  return `urn:uuid:${uuidOfName(`${parent}/${what}/${index}`)}`;
}
