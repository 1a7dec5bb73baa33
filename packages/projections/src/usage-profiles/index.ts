export { usageProfilesProjection } from './usage-profiles-projection.js';
export { type UsageProfileView, usageProfileOf, usageProfilesOf } from './usage-profiles-queries.js';
