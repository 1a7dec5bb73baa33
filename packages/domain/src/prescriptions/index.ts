export * from './exam-warning.js';
export * from './prescription.js';
export * from './tso-history.js';
