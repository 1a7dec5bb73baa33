export {
  type ArchiveGuardedStore,
  withArchivedRecordsReadOnly,
} from './archived-records-read-only.js';
export { recordRetentionProjection } from './record-retention-projection.js';
export {
  archivedRecordsOf,
  closedRecordsAmong,
  destructionsSuspended,
  isRecordArchived,
  type RecordDue,
  type RecordRetentionView,
  recordRetentionOf,
  recordsDue,
  retentionFactsOf,
} from './record-retention-queries.js';
