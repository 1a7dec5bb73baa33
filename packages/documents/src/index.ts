/**
 * The documents the record produces, as French PDFs rendered from read models: the summary sheet,
 * the pharmacy's registers (PDF and CSV), and the documents of the accompaniment (contract or DIPC,
 * amendment, freedom-of-movement annex, personne de confiance attestation, personalised project,
 * named certificate of care), and the activity reports as French HTML pages and PDFs. The INS of a
 * qualified identity is printed on them with its DataMatrix.
 */
export * from './accompaniment/index.js';
export * from './blob-store/index.js';
export * from './ins/index.js';
export {
  FrenchPdf,
  type FrenchPdfOptions,
  frenchDay,
  frenchLongDay,
  frenchMoment,
  type SignatureBlock,
  type TableColumn,
} from './pdf/french-pdf.js';
export * from './pharmacy/index.js';
export * from './reports/index.js';
export * from './retention/index.js';
export {
  displayName,
  renderSummarySheetPdf,
  type SummarySheetPrint,
} from './summary-sheet/summary-sheet-pdf.js';
