export * from './application.js';
