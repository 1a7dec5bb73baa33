import { z } from 'zod';

/**
 * The roles a professional may hold in an ESSMS (DESIGN.md, Access control). A role is always held
 * in one facility: the same person may be a nurse in a CSAPA and hold no role in the CAARUD next door.
 */
export const ROLES = [
  'doctor',
  'nurse',
  'pharmacist',
  'psychologist',
  'socialWorker',
  'educator',
  'secretary',
  'director',
  'administrator',
  'archivist',
] as const;

export type Role = (typeof ROLES)[number];

export const roleSchema = z.enum(ROLES);

/** How staff read the roles, in screens and refusal messages. */
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  doctor: 'médecin',
  nurse: 'infirmier',
  pharmacist: 'pharmacien',
  psychologist: 'psychologue',
  socialWorker: 'travailleur social',
  educator: 'éducateur',
  secretary: 'secrétariat',
  director: 'direction',
  administrator: 'administrateur',
  archivist: 'archiviste',
};

/**
 * Roles that accompany no usager, and so never join a care team: the administrator manages
 * habilitations and systems; the archivist answers for archived records (requests for access made
 * after archiving), whose care teams are over.
 */
export const NON_CARE_ROLES = ['administrator', 'archivist'] as const satisfies readonly Role[];

export function isCareRole(role: Role): boolean {
  return !(NON_CARE_ROLES as readonly Role[]).includes(role);
}
