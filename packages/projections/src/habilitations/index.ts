export { habilitationsProjection } from './habilitations-projection.js';
export { habilitationsOf, type StoredHabilitations } from './principal-query.js';
