export * from './accompaniment-end.js';
export * from './accompaniment-exit.js';
