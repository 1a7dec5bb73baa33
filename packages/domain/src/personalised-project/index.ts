export * from './action-deadlines.js';
export * from './personalised-project.js';
export * from './project-content.js';
