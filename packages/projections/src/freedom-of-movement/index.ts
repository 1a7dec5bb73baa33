export { freedomOfMovementProjection } from './freedom-of-movement-projection.js';
export { type MeasureToReview, measuresToReview } from './measures-to-review-query.js';
