export {
  type HandoverFeedEntry,
  type HandoverFeedPosition,
  type HandoverFeedQuery,
  type HandoverReadScope,
  handoverFeed,
} from './handover-feed.js';
export { handoversProjection } from './handovers-projection.js';
