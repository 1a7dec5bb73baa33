export * from './ledger-products.js';
export * from './persistent-map.js';
export * from './pharmacy-ledger.js';
