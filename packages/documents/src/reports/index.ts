export type { ReportOptions } from './report-content.js';
export { renderReportHtml } from './report-html.js';
export { renderReportPdf } from './report-pdf.js';
