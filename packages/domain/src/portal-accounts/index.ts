export * from './portal-account.js';
