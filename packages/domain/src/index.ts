export * from './access-log/record-read.js';
export * from './admission/index.js';
export * from './assessment-grids/index.js';
export { asEventList, type Decider, foldEvents } from './decider.js';
export { DomainRuleViolation } from './errors.js';
export * from './habilitations/index.js';
export * from './handovers/index.js';
export * from './presences/index.js';
export * from './record-notes/record-note.js';
