export { freedomOfMovementProjection } from './freedom-of-movement-projection.js';
export {
  type FreedomOfMovementMeasureView,
  freedomOfMovementMeasure,
  measuresOfServiceUser,
} from './measures-of-service-user-query.js';
export { type MeasureToReview, measuresToReview } from './measures-to-review-query.js';
