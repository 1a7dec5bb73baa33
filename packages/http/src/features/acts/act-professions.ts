import { type CatalogueEntry, type Principal, ROLE_LABELS, type Role } from '@dui-pds/domain';

/**
 * Which profession an act is recorded under, and who may touch the catalogue and the acts: rules
 * on the caller's roles, which the deciders do not know (they record the profession they are given
 * and refuse one the act type does not name).
 */
export type ProfessionChoice = { ok: true; profession: Role } | { ok: false; message: string };

/**
 * The profession the caller records an act under, in an ESSMS: the one they ask for, if they hold it
 * there; else the first of the type's professions they hold there. Holding none of them, their
 * first role there is given to the decider, which refuses it saying whose act it is.
 */
export function professionForAct(
  principal: Pick<Principal, 'roles'>,
  facilityId: string,
  actType: Pick<CatalogueEntry, 'professions'>,
  asked?: Role,
): ProfessionChoice {
  const held = principal.roles.filter((grant) => grant.facilityId === facilityId).map((grant) => grant.role);
  if (asked !== undefined) {
    if (held.includes(asked)) return { ok: true, profession: asked };
    return { ok: false, message: `Vous n’exercez pas comme ${ROLE_LABELS[asked]} dans cet établissement.` };
  }
  const profession = actType.professions.find((role) => held.includes(role)) ?? held[0];
  if (profession === undefined) return { ok: false, message: 'Vous n’avez pas d’habilitation dans cet établissement.' };
  return { ok: true, profession };
}

/**
 * Whether the caller may correct or cancel an act of this type in this ESSMS: those who perform
 * this type of act there (a nurse corrects a nurse's act, not the social worker who may also write
 * in the record).
 */
export function mayCorrectAct(
  principal: Pick<Principal, 'roles'>,
  facilityId: string,
  actType: Pick<CatalogueEntry, 'professions'>,
): boolean {
  return principal.roles.some((grant) => grant.facilityId === facilityId && actType.professions.includes(grant.role));
}

/** The catalogue is the organisation's: its directors and administrators keep it, in whichever ESSMS they hold the role. */
export function mayAdministerActCatalogue(principal: Pick<Principal, 'roles'>): boolean {
  return principal.roles.some((grant) => grant.role === 'director' || grant.role === 'administrator');
}
