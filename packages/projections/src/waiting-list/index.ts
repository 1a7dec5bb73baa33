export { waitingListProjection } from './waiting-list-projection.js';
export {
  type WaitingListCount,
  type WaitingListEntry,
  waitingList,
  waitingListCounts,
} from './waiting-list-query.js';
