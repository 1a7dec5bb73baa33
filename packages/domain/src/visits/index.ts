export * from './harm-reduction-supplies.js';
export * from './syringe-collection.js';
export * from './visit.js';
