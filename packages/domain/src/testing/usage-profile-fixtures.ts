import type { UsageProfileFields } from '../usage-profiles/usage-profile.js';

/**
 * The usage profile most tests record: a patient sent by a doctor, precariously housed on a
 * minimum income, dependent on opioids, who injected in the past. Spread into a command or event
 * and add its ids, ESSMS and year.
 */
export const PATIENT_USAGE_PROFILE: UsageProfileFields = {
  population: 'patient',
  referral: 'physician',
  housing: 'precarious',
  income: 'minimumIncome',
  mainProduct: 'opioids',
  useLevel: 'dependence',
  injection: 'past',
};
