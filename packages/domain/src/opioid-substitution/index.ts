export * from './tso-rules.js';
