/**
 * The documents the record produces, as French PDFs rendered from read models: today the summary
 * sheet and the pharmacy's registers (PDF and CSV); the contract, DIPC, project and certificates
 * come with the Documents issue.
 */
export { FrenchPdf, type FrenchPdfOptions, frenchDay, frenchMoment, type TableColumn } from './pdf/french-pdf.js';
export * from './pharmacy/index.js';
export {
  displayName,
  renderSummarySheetPdf,
  type SummarySheetPrint,
} from './summary-sheet/summary-sheet-pdf.js';
