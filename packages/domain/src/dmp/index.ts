export * from './service-user-dmp.js';
