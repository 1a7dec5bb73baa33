export * from './assessment.js';
export * from './assessment-grid.js';
export * from './grids/index.js';
export * from './scoring.js';
