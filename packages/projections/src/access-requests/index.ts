export {
  type AccessRequestView,
  accessRequest,
  accessRequestsOf,
  accessRequestsProjection,
  accessRequestsToHandle,
} from './access-requests-projection.js';
