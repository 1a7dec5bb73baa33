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
export { MalformedXml } from './insi/soap/xml-document.js';
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
  type CertificateAndKey,
  type EphemeralCertificates,
  issueEphemeralCertificates,
} from './tls/ephemeral-certificates.js';
