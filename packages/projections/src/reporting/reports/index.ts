export { caarudActivityReport, RAPID_TEST_CODES } from './caarud-activity-report.js';
export { UNKNOWN as UNKNOWN_CODE } from './counts.js';
export { csapaActivityReport, SEXES_OF_REPORTS } from './csapa-activity-report.js';
export { esmsNumeriqueIndicators } from './esms-numerique-indicators.js';
export { recapExtract } from './recap-extract.js';
export { AGE_BAND_LABELS, type ReportFigure, reportCsv, reportFigures, reportTitle } from './report-csv.js';
export { ageBandOf } from './report-facts.js';
export { InvalidReportScopeError } from './report-scope.js';
export * from './report-types.js';
