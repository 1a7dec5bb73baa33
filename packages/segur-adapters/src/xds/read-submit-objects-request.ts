import { instantOfXdsTime } from '../cda/hl7-time.js';
import { childrenOf, MalformedXml, optionalChild, readXml, type XmlElement } from '../xml/xml-document.js';
import {
  EBRIM,
  XDS_UUIDS,
  type XdsAuthor,
  type XdsCode,
  type XdsDocumentEntry,
  type XdsSubmission,
} from './xds-metadata.js';

const RIM = EBRIM.rim;
const LCM = EBRIM.lcm;

/**
 * Reads a `lcm:SubmitObjectsRequest` back (a ProvideAndRegister's metadata, an XDM `METADATA.XML`):
 * the submission set and every document entry with what the receiving side needs (patient id, type,
 * uniqueId, URI, hash, size) and all the rest `submitObjectsRequestXml` writes, so that reading what
 * was written gives the submission back. Throws `MalformedXml` (a reason, never the content) when
 * the XML is not such a request.
 */
export function readSubmitObjectsRequest(xml: string): XdsSubmission {
  const root = readXml(xml);
  if (root.namespace !== LCM || root.name !== 'SubmitObjectsRequest') {
    throw new MalformedXml('expected an lcm:SubmitObjectsRequest');
  }
  return readRegistryObjectList(requiredRim(root, 'RegistryObjectList'));
}

/** The same from an already parsed `lcm:SubmitObjectsRequest` (inside a SOAP body). */
export function readRegistryObjectList(list: XmlElement): XdsSubmission {
  const entries = childrenOf(list, RIM, 'ExtrinsicObject').map(readEntry);
  const packages = childrenOf(list, RIM, 'RegistryPackage').filter((candidate) => isSubmissionSet(candidate, list));
  const [registryPackage, ...others] = packages;
  if (registryPackage === undefined || others.length > 0) throw new MalformedXml('expected exactly one submission set');
  if (entries.length === 0) throw new MalformedXml('the submission holds no document entry');
  const scheme = XDS_UUIDS.submissionSet;
  const packageId = requiredAttribute(registryPackage, 'id');
  const submissionTime = instantOfXdsTime(requiredSlot(registryPackage, 'submissionTime'));
  if (submissionTime === undefined) throw new MalformedXml('submissionTime is not a DTM');
  const replacement = childrenOf(list, RIM, 'Association').find(
    (association) => association.attributes.associationType === EBRIM.replace,
  );
  const intendedRecipients = slotValues(registryPackage, 'intendedRecipient');
  const title = nameOf(registryPackage);
  return {
    id: requiredExternalIdentifier(registryPackage, scheme.uniqueId),
    sourceId: requiredExternalIdentifier(registryPackage, scheme.sourceId),
    submissionTime,
    author: authorOf(registryPackage, scheme.author),
    contentType: requiredCode(registryPackage, scheme.contentTypeCode),
    entries,
    ...(replacement === undefined ? {} : { replaces: { entryUuid: requiredAttribute(replacement, 'targetObject') } }),
    entryUuid: packageId,
    ...(title === undefined ? {} : { title }),
    ...(intendedRecipients.length === 0 ? {} : { intendedRecipients }),
  };
}

function readEntry(extrinsic: XmlElement): XdsDocumentEntry {
  const scheme = XDS_UUIDS.documentEntry;
  const optionalTime = (slotName: string): Date | undefined => {
    const value = slotValues(extrinsic, slotName)[0];
    if (value === undefined) return undefined;
    const instant = instantOfXdsTime(value);
    if (instant === undefined) throw new MalformedXml(`${slotName} is not a DTM`);
    return instant;
  };
  const creationTime = optionalTime('creationTime');
  if (creationTime === undefined) throw new MalformedXml('a document entry has no creationTime');
  const serviceStartTime = optionalTime('serviceStartTime');
  const serviceStopTime = optionalTime('serviceStopTime');
  const patientId = requiredExternalIdentifier(extrinsic, scheme.patientId);
  const legalAuthenticator = slotValues(extrinsic, 'legalAuthenticator')[0];
  const hash = slotValues(extrinsic, 'hash')[0];
  const size = slotValues(extrinsic, 'size')[0];
  const repositoryUniqueId = slotValues(extrinsic, 'repositoryUniqueId')[0];
  const uri = slotValues(extrinsic, 'URI')[0];
  if (size !== undefined && !/^\d+$/.test(size)) throw new MalformedXml('size is not a number');
  return {
    entryUuid: requiredAttribute(extrinsic, 'id'),
    uniqueId: requiredExternalIdentifier(extrinsic, scheme.uniqueId),
    mimeType: requiredAttribute(extrinsic, 'mimeType'),
    title: nameOf(extrinsic) ?? '',
    classCode: requiredCode(extrinsic, scheme.classCode),
    typeCode: requiredCode(extrinsic, scheme.typeCode),
    formatCode: requiredCode(extrinsic, scheme.formatCode),
    confidentialityCodes: codes(extrinsic, scheme.confidentialityCode),
    healthcareFacilityTypeCode: requiredCode(extrinsic, scheme.healthcareFacilityTypeCode),
    practiceSettingCode: requiredCode(extrinsic, scheme.practiceSettingCode),
    eventCodes: codes(extrinsic, scheme.eventCodeList),
    languageCode: slotValues(extrinsic, 'languageCode')[0] ?? '',
    creationTime,
    ...(serviceStartTime === undefined ? {} : { serviceStartTime }),
    ...(serviceStopTime === undefined ? {} : { serviceStopTime }),
    patientId,
    patientIdIsIns: /\^NH$/.test(patientId),
    sourcePatientId: slotValues(extrinsic, 'sourcePatientId')[0] ?? '',
    sourcePatientInfo: slotValues(extrinsic, 'sourcePatientInfo'),
    author: authorOf(extrinsic, scheme.author),
    ...(legalAuthenticator === undefined ? {} : { legalAuthenticator }),
    ...(hash === undefined ? {} : { hash }),
    ...(size === undefined ? {} : { size: Number(size) }),
    ...(repositoryUniqueId === undefined ? {} : { repositoryUniqueId }),
    ...(uri === undefined ? {} : { uri }),
  };
}

/** A RegistryPackage is the submission set when a Classification says so (not a folder). */
function isSubmissionSet(registryPackage: XmlElement, list: XmlElement): boolean {
  const id = registryPackage.attributes.id;
  const classifiedHere = childrenOf(registryPackage, RIM, 'Classification');
  const classifiedBeside = childrenOf(list, RIM, 'Classification');
  return [...classifiedHere, ...classifiedBeside].some(
    (classification) =>
      classification.attributes.classificationNode === XDS_UUIDS.submissionSet.classificationNode &&
      (classification.attributes.classifiedObject === id || classification.attributes.classifiedObject === undefined),
  );
}

function authorOf(parent: XmlElement, scheme: string): XdsAuthor {
  const classification = classifications(parent, scheme)[0];
  if (classification === undefined) return { institutions: [] };
  const person = slotValues(classification, 'authorPerson')[0];
  const roles = slotValues(classification, 'authorRole');
  const specialties = slotValues(classification, 'authorSpecialty');
  return {
    ...(person === undefined ? {} : { person }),
    institutions: slotValues(classification, 'authorInstitution'),
    ...(roles.length === 0 ? {} : { roles }),
    ...(specialties.length === 0 ? {} : { specialties }),
  };
}

function codes(parent: XmlElement, scheme: string): XdsCode[] {
  return classifications(parent, scheme).map((classification) => ({
    code: requiredAttribute(classification, 'nodeRepresentation'),
    codingScheme: slotValues(classification, 'codingScheme')[0] ?? '',
    displayName: nameOf(classification) ?? '',
  }));
}

function requiredCode(parent: XmlElement, scheme: string): XdsCode {
  const [code, ...others] = codes(parent, scheme);
  if (code === undefined || others.length > 0) throw new MalformedXml(`expected one classification ${scheme}`);
  return code;
}

function classifications(parent: XmlElement, scheme: string): XmlElement[] {
  return childrenOf(parent, RIM, 'Classification').filter(
    (classification) => classification.attributes.classificationScheme === scheme,
  );
}

function requiredExternalIdentifier(parent: XmlElement, scheme: string): string {
  const found = childrenOf(parent, RIM, 'ExternalIdentifier').filter(
    (identifier) => identifier.attributes.identificationScheme === scheme,
  );
  const [identifier, ...others] = found;
  if (identifier === undefined || others.length > 0)
    throw new MalformedXml(`expected one external identifier ${scheme}`);
  return requiredAttribute(identifier, 'value');
}

function slotValues(parent: XmlElement, slotName: string): string[] {
  const slot = childrenOf(parent, RIM, 'Slot').find((candidate) => candidate.attributes.name === slotName);
  if (slot === undefined) return [];
  const values = optionalChild(slot, RIM, 'ValueList');
  return values === undefined ? [] : childrenOf(values, RIM, 'Value').map((value) => value.text);
}

function requiredSlot(parent: XmlElement, slotName: string): string {
  const value = slotValues(parent, slotName)[0];
  if (value === undefined) throw new MalformedXml(`slot ${slotName} missing`);
  return value;
}

function nameOf(parent: XmlElement): string | undefined {
  const name = optionalChild(parent, RIM, 'Name');
  const localized = name === undefined ? undefined : childrenOf(name, RIM, 'LocalizedString')[0];
  return localized?.attributes.value;
}

function requiredRim(parent: XmlElement, name: string): XmlElement {
  const found = optionalChild(parent, RIM, name);
  if (found === undefined) throw new MalformedXml(`${parent.name} has no ${name}`);
  return found;
}

function requiredAttribute(element: XmlElement, name: string): string {
  const value = element.attributes[name];
  if (value === undefined) throw new MalformedXml(`${element.name} has no ${name}`);
  return value;
}
