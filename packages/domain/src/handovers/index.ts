export * from './handover.js';
