export { visitsProjection } from './visits-projection.js';
export {
  type VisitTotals,
  type VisitView,
  visitById,
  visitsOfFacility,
  visitsOfServiceUser,
  visitTotals,
} from './visits-queries.js';
