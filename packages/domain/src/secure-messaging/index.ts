export * from './integration-errors.js';
export * from './patient-matching.js';
export * from './received-document-kinds.js';
export * from './received-secure-message.js';
export * from './sent-secure-message.js';
