/**
 * The projection runtime (DESIGN.md, Projections): projections declared once, run by async
 * workers behind leases or inline with the append, rebuilt beside the live version and switched
 * atomically, replayed as of a past moment for auditors.
 */
export * from './access-requests/index.js';
export { activityJournal } from './activity-journal/index.js';
export * from './acts/index.js';
export * from './agendas/index.js';
export * from './care-teams/index.js';
export * from './directory/index.js';
export * from './documents/index.js';
export * from './exchanges/index.js';
export {
  type AccompanimentExitView,
  accompanimentEnd,
  accompanimentExit,
  accompanimentExitsProjection,
  deathDayOf,
  deathRecordedFor,
  deathsRecordedAmong,
  lastExitOf,
  type OpenPostExitAction,
  openPostExitActions,
  type PostExitAction,
} from './exits/index.js';
export {
  type FreedomOfMovementMeasureView,
  freedomOfMovementMeasure,
  freedomOfMovementProjection,
  type MeasureToReview,
  measuresOfServiceUser,
  measuresToReview,
} from './freedom-of-movement/index.js';
export {
  type FacilityStaffRoles,
  habilitationsOf,
  habilitationsProjection,
  rolesInFacility,
  type StoredHabilitations,
} from './habilitations/index.js';
export {
  type HandoverFeedEntry,
  type HandoverFeedPosition,
  type HandoverFeedQuery,
  type HandoverReadScope,
  handoverFeed,
  handoversProjection,
} from './handovers/index.js';
export * from './infectious-waste/index.js';
export * from './leases/index.js';
export * from './medical-observations/index.js';
export * from './personalised-projects/index.js';
export * from './pharmacy/index.js';
export * from './portal/index.js';
export * from './prescriptions/index.js';
export {
  type AttendanceCounts,
  type AttendanceSheet,
  type AttendanceSheetLine,
  attendanceProjection,
  attendanceSheet,
  countAttendance,
} from './presences/index.js';
export {
  contextFor,
  defineProjection,
  evolveAll,
  handles,
  type Projection,
  type ProjectionContext,
} from './projection.js';
export * from './psychology/index.js';
export { recordNoteStreamId, recordNotesProjection } from './record-notes/index.js';
export * from './record-retention/index.js';
export * from './reporting/index.js';
export type { Build, BuildState } from './runtime/builds.js';
export {
  BuildRetiredError,
  CheckpointMovedError,
  PositionNotFoundError,
  ProjectionError,
  UnknownProjectionError,
} from './runtime/errors.js';
export { withInlineProjections } from './runtime/inline-projections.js';
export { modelRows } from './runtime/model-rows.js';
export type { BuildProgress, ProgressListener } from './runtime/progress.js';
export {
  type BatchReport,
  ProjectionRuntime,
  type ProjectionRuntimeOptions,
  type ProjectionStatus,
  type RebuildOptions,
  RebuildUnderWayError,
} from './runtime/projection-runtime.js';
export { migrateProjectionRegistry, projectionRegistryMigrations } from './runtime/registry-migration.js';
export { type AsOf, ReplayedModel } from './runtime/replayed-model.js';
export { type PurgedRows, purgeServiceUserRows } from './runtime/service-user-purge.js';
export * from './secure-messaging/index.js';
export {
  findServiceUsers,
  type ServiceUserSummary,
  serviceUserIdentities,
  serviceUserIdentity,
  serviceUsersProjection,
} from './service-users/index.js';
export { type BenefitToWatch, benefitsToWatch, socialBenefitsProjection } from './social-benefits/index.js';
export { type StayContractToWatch, stayContractsProjection, stayContractsToWatch } from './stay-contracts/index.js';
export * from './summary-sheets/index.js';
export * from './trusted-persons/index.js';
export * from './usage-profiles/index.js';
export * from './visits/index.js';
export {
  type WaitingListCount,
  type WaitingListEntry,
  waitingList,
  waitingListCounts,
  waitingListProjection,
} from './waiting-list/index.js';
export * from './wake-up/index.js';
