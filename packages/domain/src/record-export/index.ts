export * from './export-scope.js';
