export * from './infectious-waste.js';
export * from './storage-limit.js';
