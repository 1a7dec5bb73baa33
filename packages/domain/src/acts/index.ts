export * from './act.js';
export * from './act-catalogue.js';
export * from './collective-intervention.js';
