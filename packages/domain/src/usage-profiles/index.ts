export * from './usage-profile.js';
