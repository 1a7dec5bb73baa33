export {
  type AccompanimentExitView,
  accompanimentEnd,
  accompanimentExit,
  lastExitOf,
  type PostExitAction,
} from './accompaniment-exit-query.js';
export { accompanimentExitsProjection } from './accompaniment-exits-projection.js';
export { deathDayOf, deathRecordedFor, deathsRecordedAmong } from './death-query.js';
export { type OpenPostExitAction, openPostExitActions } from './open-post-exit-actions-query.js';
