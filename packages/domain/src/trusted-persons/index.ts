export * from './trusted-person.js';
