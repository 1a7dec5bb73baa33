export { DeciderSpecification } from './decider-specification.js';
