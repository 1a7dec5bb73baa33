export { DeciderSpecification } from './decider-specification.js';
export { METHADONE_SYRUP_40_MG } from './prescription-fixtures.js';
export { PATIENT_USAGE_PROFILE } from './usage-profile-fixtures.js';
