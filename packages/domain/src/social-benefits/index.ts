export * from './social-benefit.js';
