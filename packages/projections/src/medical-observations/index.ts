export { clinicalObservationsProjection } from './clinical-observations-projection.js';
export {
  type ClinicalObservationView,
  clinicalObservationById,
  clinicalObservationsOf,
} from './clinical-observations-queries.js';
