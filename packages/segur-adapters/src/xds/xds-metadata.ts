/**
 * The XDS metadata of a CDA document and of the submission that carries it, as the DMP (XDS.b
 * ProvideAndRegisterDocumentSet-b) and an MSSanté XDM attachment (`METADATA.XML`) both read them:
 * ebRIM 3.0 objects whose classifications and external identifiers IHE names by fixed UUIDs.
 */

/** A coded value as XDS writes it: code (nodeRepresentation), the `codingScheme` slot, and its name. */
export interface XdsCode {
  code: string;
  codingScheme: string;
  displayName: string;
}

/**
 * Who authored: HL7 v2 values as XDS slots carry them. `person` is an XCN
 * (`id^FAMILY^Given^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS`), each `institution` an XON
 * (`Name^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1<FINESS>`), `specialty` `code^displayName^codeSystem`.
 */
export interface XdsAuthor {
  person?: string;
  institutions: string[];
  roles?: string[];
  specialties?: string[];
}

export interface XdsDocumentEntry {
  /** The entry's id within the registry: `urn:uuid:…`. */
  entryUuid: string;
  /** The document's own id: the CDA's `id` (`root`, or `root^extension`). */
  uniqueId: string;
  mimeType: string;
  title: string;
  classCode: XdsCode;
  typeCode: XdsCode;
  formatCode: XdsCode;
  /** N, R or V, and the DMP's masking and invisibility codes where they apply. */
  confidentialityCodes: XdsCode[];
  healthcareFacilityTypeCode: XdsCode;
  practiceSettingCode: XdsCode;
  eventCodes: XdsCode[];
  languageCode: string;
  creationTime: Date;
  serviceStartTime?: Date;
  serviceStopTime?: Date;
  /**
   * The patient in the registry's affinity domain, a CX: the INS (`<INS>^^^&<OID>&ISO^NH`) for a
   * qualified identity; else the local id (`…^PI`), which the DMP refuses: only MSSanté carries it.
   */
  patientId: string;
  /** Whether `patientId` is an INS (a qualified identity). */
  patientIdIsIns: boolean;
  /** The local id, a CX (`<id>^^^&<OID>&ISO^PI`). */
  sourcePatientId: string;
  /** `PID-3|…`, `PID-5|…`, `PID-7|…`, `PID-8|…`. */
  sourcePatientInfo: string[];
  author: XdsAuthor;
  /** The legal authenticator, an XCN. */
  legalAuthenticator?: string;
  /** SHA-1 of the document's bytes, lowercase hex; known once the document is written. */
  hash?: string;
  size?: number;
  repositoryUniqueId?: string;
  /** Where the document is in an XDM medium (`DOC0001.XML`). */
  uri?: string;
}

export interface XdsSubmission {
  /** The submission set's uniqueId (an OID). */
  id: string;
  /** The OID of the system that submits (the DUI's installation). */
  sourceId: string;
  submissionTime: Date;
  author: XdsAuthor;
  /** contentTypeCode: the clinical activity that led to the submission. */
  contentType: XdsCode;
  entries: XdsDocumentEntry[];
  /** The entry that the (only) new entry replaces: an RPLC association. */
  replaces?: { entryUuid: string };
  /** The submission set's entryUUID (`urn:uuid:…`); derived from `id` when absent. */
  entryUuid?: string;
  title?: string;
  /** XDM intendedRecipient values (XON|XCN|XTN, e.g. `|^^Internet^someone@mssante.fr`). */
  intendedRecipients?: string[];
}

/** The UUIDs IHE ITI TF-3 gives the classification schemes, identification schemes and nodes. */
export const XDS_UUIDS = {
  documentEntry: {
    objectType: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
    author: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
    classCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
    confidentialityCode: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
    eventCodeList: 'urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4',
    formatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
    healthcareFacilityTypeCode: 'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
    practiceSettingCode: 'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
    typeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
    patientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
    uniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
  },
  submissionSet: {
    classificationNode: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
    author: 'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d',
    contentTypeCode: 'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500',
    patientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
    sourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
    uniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
  },
} as const;

export const EBRIM = {
  lcm: 'urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0',
  rim: 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0',
  classificationObjectType: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification',
  externalIdentifierObjectType: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier',
  registryPackageObjectType: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage',
  associationObjectType: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association',
  approved: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
  hasMember: 'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember',
  replace: 'urn:ihe:iti:2007:AssociationType:RPLC',
} as const;

/** TRE_A09-DMPConfidentialityCode: the DMP's masking and invisibility flags. */
const DMP_MASKING_SCHEME = '1.2.250.1.213.1.1.4.13';
export const DMP_MASKING_CODES = {
  hiddenFromProfessionals: {
    code: 'MASQUE_PS',
    codingScheme: DMP_MASKING_SCHEME,
    displayName: 'Masqué aux professionnels de santé',
  },
  invisibleToPatient: {
    code: 'INVISIBLE_PATIENT',
    codingScheme: DMP_MASKING_SCHEME,
    displayName: 'Non visible par le patient',
  },
  invisibleToLegalRepresentatives: {
    code: 'INVISIBLE_REPRESENTANTS_LEGAUX',
    codingScheme: DMP_MASKING_SCHEME,
    displayName: 'Non visible par les représentants légaux du patient',
  },
} as const satisfies Record<string, XdsCode>;

/** JDV_J10-XdsFormatCode: a CDA R2 whose body is a PDF (IHE XDS-SD). */
export const XDS_SD_PDF_FORMAT: XdsCode = {
  code: 'urn:ihe:iti:xds-sd:pdf:2008',
  codingScheme: '1.3.6.1.4.1.19376.1.2.3',
  displayName: 'Document à corps non structuré en Pdf/A-1',
};
