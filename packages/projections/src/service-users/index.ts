export {
  findServiceUsers,
  type ServiceUserSummary,
  serviceUserIdentities,
  serviceUserIdentity,
} from './service-user-queries.js';
export { serviceUsersProjection } from './service-users-projection.js';
