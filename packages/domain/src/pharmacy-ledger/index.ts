export * from './dispensing-round.js';
export * from './ledger-products.js';
export * from './pharmacy-ledger.js';
