export * from './planned-event.js';
