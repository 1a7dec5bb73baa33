export {
  type DestroyedRecordLine,
  type DestructionReport,
  destructionReportCsv,
  destructionReportPdf,
  type SuspendedDestructionLine,
} from './destruction-report.js';
