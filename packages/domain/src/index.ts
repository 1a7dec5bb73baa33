export { asEventList, type Decider, foldEvents } from './decider.js';
export { DomainRuleViolation } from './errors.js';
