export {
  type AnnualStatementPrint,
  annualStatementCsv,
  renderAnnualStatementPdf,
} from './annual-statement-print.js';
export { frenchCsv } from './csv.js';
export { type DispensingLogPrint, dispensingLogCsv, renderDispensingLogPdf } from './dispensing-log-print.js';
export {
  type NarcoticsRegisterPrint,
  narcoticsRegisterCsv,
  renderNarcoticsRegisterPdf,
} from './narcotics-register-print.js';
export {
  type EstablishmentOnPrint,
  type PatientOnPrint,
  type PharmacyPrintContext,
  patientOnPrint,
} from './pharmacy-print.js';
