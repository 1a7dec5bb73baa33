export { actsProjection } from './acts-projection.js';
export { type ActCount, type ActCounts, type ActView, actById, actCounts, actsOfServiceUser } from './acts-queries.js';
