export { findServiceUsers, type ServiceUserSummary, serviceUserIdentity } from './service-user-queries.js';
export { serviceUsersProjection } from './service-users-projection.js';
