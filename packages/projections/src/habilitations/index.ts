export { type FacilityStaffRoles, rolesInFacility } from './facility-roles-query.js';
export { habilitationsProjection } from './habilitations-projection.js';
export { habilitationsOf, type StoredHabilitations } from './principal-query.js';
