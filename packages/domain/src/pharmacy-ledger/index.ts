export * from './ledger-products.js';
export * from './pharmacy-ledger.js';
