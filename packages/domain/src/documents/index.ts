export * from './document.js';
export * from './document-kinds.js';
