export * from './freedom-of-movement-measure.js';
