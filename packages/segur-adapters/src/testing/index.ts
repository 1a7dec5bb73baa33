export {
  type CertificateAndKey,
  type EphemeralCertificates,
  issueEphemeralCertificates,
} from '../tls/ephemeral-certificates.js';
