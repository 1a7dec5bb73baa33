export * from './accompaniment-exit.js';
