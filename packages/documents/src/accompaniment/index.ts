export {
  type AccompanimentPrintOptions,
  type EstablishmentOnDocument,
  type UsagerOnDocument,
  usagerName,
} from './accompaniment-print.js';
export { type CareCertificatePrint, careCertificatePdf } from './care-certificate-pdf.js';
export {
  type FreedomOfMovementAnnexPrint,
  freedomOfMovementAnnexPdf,
  type MeasureOnPrint,
} from './freedom-of-movement-annex-pdf.js';
export {
  type ObjectiveOnPrint,
  type PersonalisedProjectPrint,
  personalisedProjectPdf,
} from './personalised-project-pdf.js';
export { type StayContractAmendmentPrint, stayContractAmendmentPdf } from './stay-contract-amendment-pdf.js';
export { type ContractSignatureOnPrint, type StayContractPrint, stayContractPdf } from './stay-contract-pdf.js';
export {
  type TrustedPersonAttestationPrint,
  trustedPersonAttestationPdf,
} from './trusted-person-attestation-pdf.js';
