import { ACCESS_REFUSAL_MESSAGES, type Principal, ROLE_LABELS, type Role } from '@dui-pds/domain';

/**
 * Who keeps an ESSMS' DASRI records, beyond what the access matrix says: the matrix decides on a
 * part of a usager's record (its sensitivity class, the care team), and DASRI are not about any
 * usager; they are the ESSMS' duty as a producer of infectious waste (R.1335-2 CSP). So the shell
 * checks roles held in that ESSMS, as for the habilitations and the waiting list, with no care-team
 * condition and no access-log entry (there is no usager's record to trace a read of).
 *
 * - Nurses, doctors and pharmacists fill and close the containers (injections, TSO, screening
 *   tests, returned syringes) and hand them to the collector.
 * - The director answers for the ESSMS' obligations (contract with the collector, slips kept
 *   3 years, an inspector's questions) and is told of the alerts.
 * - The others (social workers, educators, secretariat, psychologists, administrator) neither
 *   produce nor handle them: least privilege keeps them out, reading included.
 */
export const INFECTIOUS_WASTE_ROLES = ['nurse', 'doctor', 'pharmacist', 'director'] as const satisfies readonly Role[];

export type InfectiousWasteAccess = { allowed: true } | { allowed: false; message: string };

/** Whether the principal may read and record the DASRI of this ESSMS, and if not, why (French). */
export function mayHandleInfectiousWaste(
  principal: Pick<Principal, 'organisationId' | 'roles'>,
  where: { organisationId: string; facilityId: string },
): InfectiousWasteAccess {
  if (principal.organisationId !== where.organisationId) {
    return { allowed: false, message: ACCESS_REFUSAL_MESSAGES.otherTenant };
  }
  const rolesHere = principal.roles.filter((grant) => grant.facilityId === where.facilityId);
  if (rolesHere.length === 0) return { allowed: false, message: ACCESS_REFUSAL_MESSAGES.noRoleInFacility };
  const allowed: readonly Role[] = INFECTIOUS_WASTE_ROLES;
  if (rolesHere.some((grant) => allowed.includes(grant.role))) return { allowed: true };
  const who = INFECTIOUS_WASTE_ROLES.map((role) => ROLE_LABELS[role]).join(', ');
  return { allowed: false, message: `Le suivi des DASRI de l’ESSMS revient aux fonctions : ${who}.` };
}
