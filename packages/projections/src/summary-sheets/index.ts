export { evolveSummarySheet, SHEET_EVENT_TYPES } from './evolve-summary-sheet.js';
export * from './summary-sheet.js';
export { summarySheetOf } from './summary-sheet-query.js';
export { summarySheetsProjection } from './summary-sheets-projection.js';
