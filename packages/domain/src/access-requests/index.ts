export * from './access-request.js';
