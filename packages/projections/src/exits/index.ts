export {
  type AccompanimentExitView,
  accompanimentExit,
  lastExitOf,
  type PostExitAction,
} from './accompaniment-exit-query.js';
export { accompanimentExitsProjection } from './accompaniment-exits-projection.js';
export { type OpenPostExitAction, openPostExitActions } from './open-post-exit-actions-query.js';
