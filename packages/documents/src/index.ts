/**
 * The documents the record produces, as French PDFs rendered from read models: today the summary
 * sheet; the contract, DIPC, project and certificates come with the Documents issue.
 */
export { FrenchPdf, frenchDay, frenchMoment } from './pdf/french-pdf.js';
export {
  displayName,
  renderSummarySheetPdf,
  type SummarySheetPrint,
} from './summary-sheet/summary-sheet-pdf.js';
