import { cx } from '../../xds/hl7v2-values.js';

/**
 * The names the DMP's web services (DMPi, SOAP 1.2) are called and answered by: namespaces,
 * WS-Addressing actions, the services' paths under the base URL, and the XDS identifiers.
 *
 * The XDS and ebXML names are IHE's (ITI TF-2b, TF-3). The DMP's own (the TD0.2 test of existence
 * and authorisation as an HL7 V3 `PRPA_IN201307UV02` query on the `patients` service, its
 * `TEST_EXST` reason, its `AUTORISATION` attention line) are those public clients of the DMPi
 * send; what could not be checked against the CNAM's specifications is said so beside it, to be
 * confirmed at the DMP's homologation, and lives only here so that a correction is one line.
 */
export const DMP_NAMESPACES = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  addressing: 'http://www.w3.org/2005/08/addressing',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  xmldsig: 'http://www.w3.org/2000/09/xmldsig#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  hl7: 'urn:hl7-org:v3',
  xop: 'http://www.w3.org/2004/08/xop/include',
  xds: 'urn:ihe:iti:xds-b:2007',
  rim: 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0',
  rs: 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0',
  lcm: 'urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0',
  query: 'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0',
} as const;

export type DmpOperation = 'accessCheck' | 'provide' | 'search' | 'retrieve';

/** wsa:Action of each request; its answer's is the same followed by `Response`, but for TD0.2's. */
export const DMP_ACTIONS: Readonly<Record<DmpOperation, string>> = {
  accessCheck: 'urn:hl7-org:v3:PRPA_IN201307UV02',
  provide: 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b',
  search: 'urn:ihe:iti:2007:RegistryStoredQuery',
  retrieve: 'urn:ihe:iti:2007:RetrieveDocumentSet',
};

export const DMP_ANSWER_ACTIONS: Readonly<Record<DmpOperation, string>> = {
  accessCheck: 'urn:hl7-org:v3:PRPA_IN201306UV02',
  provide: 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse',
  search: 'urn:ihe:iti:2007:RegistryStoredQueryResponse',
  retrieve: 'urn:ihe:iti:2007:RetrieveDocumentSetResponse',
};

/** Each operation's service, appended to the base URL (`…/si-dmp-server/v2/services/<service>`). */
export const DMP_SERVICES: Readonly<Record<DmpOperation, string>> = {
  accessCheck: 'patients',
  provide: 'repository',
  search: 'registry',
  retrieve: 'repository',
};

/** The HL7 V3 names of TD0.2. */
export const TD02 = {
  interactionRoot: '2.16.840.1.113883.1.6',
  query: 'PRPA_IN201307UV02',
  answer: 'PRPA_IN201306UV02',
  /** The DMP as the receiving device. */
  dmpDevice: '1.2.250.1.213.4.1.1.1',
  reason: { code: 'TEST_EXST', codeSystem: '1.2.250.1.213.1.1.4.11', displayName: 'Test d’existence de dossier' },
  /** queryResponseCode: a DMP exists (`OK`) or not (`NF`). */
  exists: 'OK',
  notFound: 'NF',
  /** The attention line naming the structure's authorisation; its values below. To confirm at homologation. */
  authorisationKey: 'AUTORISATION',
} as const;

/** The AUTORISATION values of TD0.2's answer, and what they mean here. To confirm at homologation. */
export const TD02_AUTHORISATIONS = {
  VALIDE: 'valid',
  NON_EXISTANTE: 'absent',
  EXPIREE: 'expired',
  INTERDITE: 'forbidden',
} as const;

/** IHE XDS names of the queries and answers (ITI TF-3 4.2.4, 4.2.5); the metadata's are in `../../xds/`. */
export const XDS = {
  findDocuments: 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d',
  approved: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
  deprecated: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated',
  success: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
  failure: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure',
  errorSeverity: 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error',
} as const;

/** The media type of SOAP 1.2, with the action as its parameter (the HTTP binding's SOAPAction). */
export function soapContentType(action: string): string {
  return `application/soap+xml; charset=utf-8; action="${action}"`;
}

/**
 * The patient as XDS and the VIHF name them: the INS as a CX, `<INS>^^^&<OID>&ISO^NH`, the same
 * value the document entries carry (`xdsDocumentEntryOf`).
 */
export function dmpPatientId(ins: { value: string; oid: string }): string {
  return cx({ root: ins.oid, extension: ins.value }, 'NH');
}
