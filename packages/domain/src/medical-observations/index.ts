export * from './clinical-observation.js';
