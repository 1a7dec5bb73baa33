export { countingProjection, countingProjectionV2 } from './counting-projection.js';
export { erased, type GivenEvent, ProjectionSpecification } from './projection-specification.js';
