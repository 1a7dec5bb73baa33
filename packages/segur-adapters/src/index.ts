export type {
  AnnuaireOrganisation,
  AnnuairePracticeLocation,
  AnnuairePractitioner,
  AnnuaireSante,
  OrganisationSearch,
  PractitionerSearch,
} from './annuaire-sante/annuaire-sante-port.js';
export { AnnuaireSanteUnavailable, practitionerDisplayName } from './annuaire-sante/annuaire-sante-port.js';
export {
  ANNUAIRE_TEST_ORGANISATIONS,
  ANNUAIRE_TEST_PRACTITIONERS,
  AnnuaireSanteStandIn,
} from './annuaire-sante/annuaire-sante-stand-in.js';
export {
  AnnuaireSanteFhirClient,
  type AnnuaireSanteFhirClientOptions,
} from './annuaire-sante/fhir/annuaire-sante-fhir-client.js';
export {
  type AnnuaireSanteFhirStandIn,
  type AnnuaireSanteFhirStandInOptions,
  startAnnuaireSanteFhirStandIn,
} from './annuaire-sante/fhir/annuaire-sante-fhir-stand-in.js';
export { UnconfiguredAnnuaireSante } from './annuaire-sante/unconfigured-annuaire-sante.js';
export { buildCdaDocument, HL7_V3_NAMESPACE } from './cda/build-cda-document.js';
export type {
  CdaDocumentInput,
  CdaFacility,
  CdaPatient,
  CdaProfessional,
  CodedValue,
  InstanceIdentifier,
} from './cda/cda-document-input.js';
export {
  CDA_DOCUMENT_TYPES,
  cdaDocumentTypeOf,
  XDS_CLASS_CODES,
  xdsClassCodeOf,
} from './cda/cda-document-types.js';
export { CdaInputRefused, type CdaRefusalCode } from './cda/cda-input-refused.js';
export {
  ADMINISTRATIVE_GENDER,
  CDA_CONFIDENTIALITY,
  CDA_OIDS,
  CDA_TEMPLATE_IDS,
  ESSMS_PRACTICE_SETTING,
  oidOfUuid,
  PDS_FACILITY_TYPE,
  PROFESSION_OF_ROLE,
  professionalIdOf,
  structureIdOfFiness,
} from './cda/cda-vocabulary.js';
export { hl7Instant, instantOfXdsTime, xdsTime } from './cda/hl7-time.js';
export { DmpRefused, DmpUnavailable, dmpErrorLabel } from './dmp/dmp-errors.js';
export type {
  Dmp,
  DmpAccess,
  DmpActor,
  DmpCall,
  DmpDocumentContent,
  DmpDocumentSummary,
  DmpPatient,
  DmpReceipt,
  DmpRetrievedDocument,
  DmpSearchQuery,
  DmpSoftware,
} from './dmp/dmp-port.js';
export { type DmpMaskingFlags, dmpSubmissionOf } from './dmp/dmp-submission.js';
export { DmpSoapClient, type DmpSoapClientConfig } from './dmp/soap/dmp-soap-client.js';
export { DMP_ACTIONS, DMP_NAMESPACES, DMP_SERVICES, dmpPatientId } from './dmp/soap/dmp-soap-names.js';
export {
  type DmpSoapStandIn,
  type DmpSoapStandInOptions,
  type DmpStandInDocument,
  type DmpStandInPatient,
  startDmpSoapStandIn,
} from './dmp/soap/dmp-soap-stand-in.js';
export { readVihf, VIHF_ATTRIBUTES, type Vihf, VihfRefused } from './dmp/soap/vihf.js';
export { unconfiguredDmp } from './dmp/unconfigured-dmp.js';
export type { Insi, InsiSearchAnswer, InsiSearchQuery, InsiVerificationAnswer } from './insi/insi-port.js';
export { searchIns } from './insi/insi-search-procedure.js';
export { INSI_TEST_IDENTITIES, InsiStandIn, type InsiTestIdentity } from './insi/insi-stand-in.js';
export { InsiUnavailable, unconfiguredInsi } from './insi/insi-unavailable.js';
export {
  InsiSoapClient,
  type InsiSoapClientConfig,
  type InsiSoftware,
} from './insi/soap/insi-soap-client.js';
export {
  type InsiRequest,
  type InsiRequestBody,
  type InsiRequestHeaders,
  readInsiRequest,
} from './insi/soap/insi-soap-envelope.js';
export { INSI_ACTIONS, INSI_NAMESPACES } from './insi/soap/insi-soap-namespaces.js';
export {
  type InsiSoapStandIn,
  type InsiSoapStandInOptions,
  startInsiSoapStandIn,
} from './insi/soap/insi-soap-stand-in.js';
export { freeLoopbackPort } from './loopback/free-loopback-port.js';
export {
  buildDeliveryStatusNotification,
  type DeliveryStatusRecipient,
  type DeliveryStatusReport,
  readDeliveryStatus,
} from './mssante/acknowledgements/delivery-status.js';
export {
  buildDispositionNotification,
  type Disposition,
  type DispositionError,
  type DispositionNotification,
  dispositionField,
  type ReturnedAttachment,
  readDisposition,
  readDispositionNotification,
} from './mssante/acknowledgements/disposition-notification.js';
export { type IncomingAttachment, type IncomingMail, readIncomingMail } from './mssante/incoming-mail.js';
export { DovecotMissing, dovecotBinary } from './mssante/local/dovecot-server.js';
export {
  buildMssanteMessage,
  isPatientMssanteAddress,
  type MssanteDocument,
  type MssanteMessageInput,
  mssanteSubject,
  PATIENT_MSSANTE_DOMAIN,
  patientMssanteAddress,
  XDM_SUBJECT_PREFIX,
} from './mssante/mssante-message.js';
export {
  type ReceivedBody,
  type ReceivedCdaDocument,
  type ReceivedPatient,
  readReceivedCda,
} from './mssante/received/read-received-cda.js';
export {
  type ReceivedMssanteDocument,
  type ReceivedMssanteDocuments,
  receivedMssanteDocuments,
} from './mssante/received/received-documents.js';
export {
  type InboxPass,
  type MailSubmission,
  type OutgoingAttachment,
  type OutgoingMail,
  SecureMessageRefused,
  type SecureMessaging,
  SecureMessagingUnavailable,
} from './mssante/secure-messaging-port.js';
export {
  HANDLED_KEYWORD,
  SmtpImapSecureMessaging,
  type SmtpImapSecureMessagingConfig,
} from './mssante/smtp-imap-secure-messaging.js';
export {
  DEFAULT_XDM_LIMITS,
  readXdmPackage,
  type XdmLimits,
  XdmPackageRefused,
  type XdmRefusalReason,
  type XdmSubset,
} from './mssante/xdm/read-xdm-package.js';
export {
  buildXdmPackage,
  XDM_ATTACHMENT_NAME,
  type XdmDocument,
  type XdmPackageInput,
  xdmDocumentName,
} from './mssante/xdm/xdm-package.js';
export {
  type HabilitationSuggestion,
  habilitationSuggestions,
  ROLE_OF_PROFESSION,
} from './pro-sante-connect/habilitation-suggestions.js';
export {
  type ProSanteConnectStandIn,
  type ProSanteConnectStandInOptions,
  type ProSanteConnectTestAccount,
  type StandInLogin,
  startProSanteConnectStandIn,
} from './pro-sante-connect/pro-sante-connect-stand-in.js';
export { PRO_SANTE_CONNECT_TEST_ACCOUNTS } from './pro-sante-connect/pro-sante-connect-test-accounts.js';
export {
  type ProfessionalPractice,
  practicesFromSubjectRefPro,
  type WorkSituation,
} from './pro-sante-connect/professional-practices.js';
export {
  readSubjectRefPro,
  type SubjectRefPro,
  subjectRefProSchema,
} from './pro-sante-connect/subject-ref-pro.js';
export {
  type LocalDelivery,
  type LocalMailServers,
  type LocalMailUser,
  startLocalMailServers,
} from './testing/mail-servers.js';
export {
  type CertificateAndKey,
  type EphemeralCertificates,
  issueEphemeralCertificates,
} from './tls/ephemeral-certificates.js';
export { cx, identifierOfCx, uuidOfName, xcn, xdsHashAndSize, xon } from './xds/hl7v2-values.js';
export { readRegistryObjectList, readSubmitObjectsRequest } from './xds/read-submit-objects-request.js';
export {
  submissionSetEntryUuid,
  submitObjectsRequest,
  submitObjectsRequestXml,
} from './xds/submit-objects-request.js';
export {
  uniqueIdOf,
  type XdsDocumentEntryOptions,
  xdsCode,
  xdsDocumentEntryOf,
} from './xds/xds-document-entry.js';
export {
  DMP_MASKING_CODES,
  EBRIM,
  XDS_SD_PDF_FORMAT,
  XDS_UUIDS,
  type XdsAuthor,
  type XdsCode,
  type XdsDocumentEntry,
  type XdsSubmission,
} from './xds/xds-metadata.js';
export { MalformedXml } from './xml/xml-document.js';
