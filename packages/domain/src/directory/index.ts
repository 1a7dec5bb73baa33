export * from './contact.js';
export * from './directory-entry.js';
