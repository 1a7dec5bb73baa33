export * from './organisation-retention-policy.js';
export * from './record-archived.js';
export * from './record-data-classes.js';
export * from './record-retention.js';
export * from './record-retention-schedule.js';
export * from './retention-policy.js';
