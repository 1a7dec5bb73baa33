export { type HandoverFeedEntry, type HandoverFeedQuery, handoverFeed } from './handover-feed.js';
export { handoversProjection } from './handovers-projection.js';
