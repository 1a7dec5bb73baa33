export * from './stay-contract.js';
export * from './stay-contract-deadlines.js';
