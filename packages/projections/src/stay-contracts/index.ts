export { stayContractsProjection } from './stay-contracts-projection.js';
export { type StayContractToWatch, stayContractsToWatch } from './stay-contracts-to-watch-query.js';
