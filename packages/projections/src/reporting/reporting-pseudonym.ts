import { createHmac, hkdfSync } from 'node:crypto';

const PSEUDONYM_LABEL = 'dui-pds reporting pseudonym v1';

/**
 * The key of the reporting pseudonyms, derived from the master key (HKDF-SHA-256, its own label);
 * another key derived from the same master key (the portal's seal) tells nothing about it. A
 * deployment derives it once and then keeps it as a stored secret that survives master key
 * rotations (ADR 0020), so a usager keeps their subject key from year to year and RECAP counts
 * patients, not passages.
 */
export function deriveReportingPseudonymKey(masterKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), PSEUDONYM_LABEL, 32));
}

/**
 * The pseudonymous key of a usager in reporting events: HMAC-SHA-256 of the organisation and the
 * usager's id (hex). Not reversible without the key; the same usager of another organisme
 * gestionnaire has another key.
 */
export function reportingSubjectKey(pseudonymKey: Uint8Array, organisationId: string, serviceUserId: string): string {
  // a separator no identifier holds, so that ("a", "bc") and ("ab", "c") never meet
  return createHmac('sha256', pseudonymKey).update(`${organisationId}\u0000${serviceUserId}`).digest('hex');
}
