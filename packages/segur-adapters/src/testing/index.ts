export {
  type CertificateAndKey,
  type EphemeralCertificates,
  issueEphemeralCertificates,
} from '../tls/ephemeral-certificates.js';
export {
  ANS_CDA_SCHEMA_PATH,
  CDA_XPATH_NAMESPACES,
  validateAgainstAnsCdaSchema,
  xpathCount,
  xpathValues,
} from './ans-cda-schema.js';
export {
  EXAMPLE_FINESS,
  EXAMPLE_INS,
  exampleCdaInput,
  examplePatient,
  MINIMAL_PDF,
} from './cda-examples.js';
export {
  type LocalDelivery,
  type LocalMailServers,
  type LocalMailUser,
  startLocalMailServers,
} from './mail-servers.js';
