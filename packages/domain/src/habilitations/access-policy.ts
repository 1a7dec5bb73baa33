import { DomainRuleViolation } from '../errors.js';
import { RECORD_ARCHIVED_MESSAGE } from '../retention/record-archived.js';
import { ROLE_LABELS, type Role } from './roles.js';
import { SENSITIVITY_CLASSES, SENSITIVITY_LABELS, type SensitivityClass } from './sensitivity.js';

/** A role held in one ESSMS (its FINESS). */
export interface RoleAssignment {
  facilityId: string;
  role: Role;
}

/**
 * Membership of a usager's care team in one ESSMS. It names the facility because a care team
 * belongs to one accompaniment (one stay in one ESSMS): being in a usager's team at the CSAPA must
 * not open what the CAARUD of the same organisation holds about them.
 */
export interface CareTeamMembership {
  facilityId: string;
  serviceUserId: string;
}

/** A professional as the shell authenticated them, with their habilitations. */
export interface Principal {
  /** The tenant (organisme gestionnaire). */
  organisationId: string;
  professionalId: string;
  /** Role per ESSMS (FINESS). */
  roles: readonly RoleAssignment[];
  /** The care teams they belong to, per usager and ESSMS. */
  careTeams: readonly CareTeamMembership[];
  /** The usagers who allowed them to read their psychologist's notes. */
  psychologicalNotesAllowedBy: readonly string[];
}

/** A part of a usager's record, as far as access is concerned: whose it is, where, how sensitive. */
export interface ProtectedRecordPart {
  organisationId: string;
  facilityId: string;
  serviceUserId: string;
  sensitivity: SensitivityClass;
  /**
   * The usager's record is archived (DOMAIN.md, Retention): read-only for everyone, and readable
   * by the archivist of the ESSMS alone. Absent means active.
   */
  archived?: boolean;
}

export type AccessAction = 'read' | 'write';

/**
 * Why access was refused. `notAllowedByServiceUser` refines the brief's list: a member of the care
 * team reading psychological notes without the usager's allowance is not refused for their role
 * (any role but administrator may be allowed) but for the missing consent, and staff must be told
 * that it is the usager who can open them.
 */
export type AccessRefusal =
  | 'otherTenant'
  | 'noRoleInFacility'
  | 'notInCareTeam'
  | 'notAllowedByServiceUser'
  | 'sensitivityClosedToRole'
  | 'recordArchived';

export type AccessDecision = { allowed: true } | { allowed: false; reason: AccessRefusal };

/**
 * On what condition a role may do an action on a sensitivity class:
 * - `inFacility`: holding the role in the part's ESSMS suffices, in the usager's care team or not;
 * - `inCareTeam`: the professional must also be in the usager's care team in that ESSMS;
 * - `inCareTeamAndAllowedByServiceUser`: in the care team, and allowed by the usager;
 * - `never`.
 */
export type AccessCondition = 'inFacility' | 'inCareTeam' | 'inCareTeamAndAllowedByServiceUser' | 'never';

export interface AccessRule {
  read: AccessCondition;
  write: AccessCondition;
}

/**
 * Who may do what, written once. Least privilege: a role gets what its work needs, and data about
 * a usager is opened only to those who accompany them (the care team), save where the work is
 * about every usager of the ESSMS (secretary and director: admissions, billing, reports).
 *
 * - administrative (identity, contact, admission, contract): every role reads it but the
 *   administrator, who manages habilitations and systems, not usagers. Those who keep it up to date
 *   write it; pharmacists and psychologists read it but their acts live in their own classes.
 * - social (rights, housing, benefits, social follow-up): the social and care workers of the team;
 *   the director reads it to answer for the follow-up, but does not write social notes.
 * - medical: closed to non-clinicians (DESIGN.md): doctor, nurse, and pharmacist, who needs
 *   prescriptions and history to dispense (TSO). Psychologists are not clinicians of the body:
 *   what they need from the doctor is passed in a transmission, not by opening the medical record.
 * - psychological: the psychologists' notes are closed to all but psychologists (of the team) and
 *   whom the usager allowed; an allowance opens reading only, never writing, and never to the
 *   administrator, who cannot even be in a care team.
 * - the archivist opens nothing of an active record: their work starts when a record is archived,
 *   and `decideAccess` lets them read an archived one whole (see there), never the matrix.
 */
export const ACCESS_MATRIX: Readonly<Record<SensitivityClass, Readonly<Record<Role, AccessRule>>>> = {
  administrative: {
    doctor: { read: 'inCareTeam', write: 'inCareTeam' },
    nurse: { read: 'inCareTeam', write: 'inCareTeam' },
    pharmacist: { read: 'inCareTeam', write: 'never' },
    psychologist: { read: 'inCareTeam', write: 'never' },
    socialWorker: { read: 'inCareTeam', write: 'inCareTeam' },
    educator: { read: 'inCareTeam', write: 'inCareTeam' },
    secretary: { read: 'inFacility', write: 'inFacility' },
    director: { read: 'inFacility', write: 'inFacility' },
    administrator: { read: 'never', write: 'never' },
    archivist: { read: 'never', write: 'never' },
  },
  social: {
    doctor: { read: 'inCareTeam', write: 'inCareTeam' },
    nurse: { read: 'inCareTeam', write: 'inCareTeam' },
    pharmacist: { read: 'never', write: 'never' },
    psychologist: { read: 'inCareTeam', write: 'inCareTeam' },
    socialWorker: { read: 'inCareTeam', write: 'inCareTeam' },
    educator: { read: 'inCareTeam', write: 'inCareTeam' },
    secretary: { read: 'never', write: 'never' },
    director: { read: 'inCareTeam', write: 'never' },
    administrator: { read: 'never', write: 'never' },
    archivist: { read: 'never', write: 'never' },
  },
  medical: {
    doctor: { read: 'inCareTeam', write: 'inCareTeam' },
    nurse: { read: 'inCareTeam', write: 'inCareTeam' },
    pharmacist: { read: 'inCareTeam', write: 'inCareTeam' },
    psychologist: { read: 'never', write: 'never' },
    socialWorker: { read: 'never', write: 'never' },
    educator: { read: 'never', write: 'never' },
    secretary: { read: 'never', write: 'never' },
    director: { read: 'never', write: 'never' },
    administrator: { read: 'never', write: 'never' },
    archivist: { read: 'never', write: 'never' },
  },
  psychological: {
    doctor: { read: 'inCareTeamAndAllowedByServiceUser', write: 'never' },
    nurse: { read: 'inCareTeamAndAllowedByServiceUser', write: 'never' },
    pharmacist: { read: 'inCareTeamAndAllowedByServiceUser', write: 'never' },
    psychologist: { read: 'inCareTeam', write: 'inCareTeam' },
    socialWorker: { read: 'inCareTeamAndAllowedByServiceUser', write: 'never' },
    educator: { read: 'inCareTeamAndAllowedByServiceUser', write: 'never' },
    secretary: { read: 'inCareTeamAndAllowedByServiceUser', write: 'never' },
    director: { read: 'inCareTeamAndAllowedByServiceUser', write: 'never' },
    administrator: { read: 'never', write: 'never' },
    archivist: { read: 'never', write: 'never' },
  },
};

/** Refusal messages for staff. */
export const ACCESS_REFUSAL_MESSAGES: Readonly<Record<AccessRefusal, string>> = {
  otherTenant: 'Ce dossier relève d’un autre organisme gestionnaire.',
  noRoleInFacility: 'Vous n’avez pas d’habilitation dans cet établissement.',
  notInCareTeam: 'Vous ne faites pas partie de l’équipe de prise en charge de cet usager.',
  notAllowedByServiceUser: 'L’usager ne vous a pas autorisé à consulter les notes de son psychologue.',
  sensitivityClosedToRole: 'Votre fonction ne donne pas accès à ces données.',
  recordArchived: RECORD_ARCHIVED_MESSAGE,
};

/**
 * When several roles refuse, the refusal that says what is missing wins over "closed to your role":
 * a doctor-and-secretary outside the team must read that the team is what they lack.
 */
const REFUSAL_RANK: Readonly<Record<AccessRefusal, number>> = {
  otherTenant: 5,
  noRoleInFacility: 4,
  recordArchived: 3,
  notInCareTeam: 2,
  notAllowedByServiceUser: 1,
  sensitivityClosedToRole: 0,
};

/**
 * May this professional do this action on this part of a usager's record, and if not, why.
 *
 * An archived record is read-only: every write is refused, whatever the role. Its reads are the
 * archivist's of that ESSMS alone, every class included, for they answer the usager's requests for
 * access made after archiving (each read is traced in the access log like any other); care teams
 * and allowances no longer open anything. The tenant and the role in the ESSMS are checked first,
 * so that nobody outside learns that the record is archived.
 */
export function decideAccess(principal: Principal, action: AccessAction, part: ProtectedRecordPart): AccessDecision {
  if (principal.organisationId !== part.organisationId) return { allowed: false, reason: 'otherTenant' };
  const rolesHere = principal.roles.filter((assignment) => assignment.facilityId === part.facilityId);
  if (rolesHere.length === 0) return { allowed: false, reason: 'noRoleInFacility' };
  if (part.archived === true) {
    const archivistHere = rolesHere.some((assignment) => assignment.role === 'archivist');
    return action === 'read' && archivistHere ? { allowed: true } : { allowed: false, reason: 'recordArchived' };
  }

  const inCareTeam = principal.careTeams.some(
    (membership) => membership.facilityId === part.facilityId && membership.serviceUserId === part.serviceUserId,
  );
  const allowedByServiceUser = principal.psychologicalNotesAllowedBy.includes(part.serviceUserId);

  let refusal: AccessRefusal = 'sensitivityClosedToRole';
  // Any role held here that allows it suffices: roles add up, they never restrict one another.
  for (const { role } of rolesHere) {
    const condition = ACCESS_MATRIX[part.sensitivity][role][action];
    const outcome = meets(condition, inCareTeam, allowedByServiceUser);
    if (outcome === 'met') return { allowed: true };
    if (REFUSAL_RANK[outcome] > REFUSAL_RANK[refusal]) refusal = outcome;
  }
  return { allowed: false, reason: refusal };
}

function meets(condition: AccessCondition, inCareTeam: boolean, allowedByServiceUser: boolean): 'met' | AccessRefusal {
  switch (condition) {
    case 'inFacility':
      return 'met';
    case 'inCareTeam':
      return inCareTeam ? 'met' : 'notInCareTeam';
    case 'inCareTeamAndAllowedByServiceUser':
      if (!inCareTeam) return 'notInCareTeam';
      return allowedByServiceUser ? 'met' : 'notAllowedByServiceUser';
    case 'never':
      return 'sensitivityClosedToRole';
  }
}

/**
 * The sensitivity classes this professional may read (or write) in one usager's record in one
 * ESSMS: for queries that filter, e.g. the notes of a usager as this professional may see them.
 */
export function accessibleSensitivities(
  principal: Principal,
  action: AccessAction,
  scope: Omit<ProtectedRecordPart, 'sensitivity'>,
): SensitivityClass[] {
  return SENSITIVITY_CLASSES.filter(
    (sensitivity) => decideAccess(principal, action, { ...scope, sensitivity }).allowed,
  );
}

/**
 * `decideAccess`, throwing the refusal as a `DomainRuleViolation` (code `ACCESS_REFUSED`), for
 * callers that turn refusals into problem details.
 */
export function assertAccess(principal: Principal, action: AccessAction, part: ProtectedRecordPart): void {
  const decision = decideAccess(principal, action, part);
  if (decision.allowed) return;
  throw new DomainRuleViolation('ACCESS_REFUSED', ACCESS_REFUSAL_MESSAGES[decision.reason], {
    reason: decision.reason,
    action,
    sensitivity: part.sensitivity,
    sensitivityLabel: SENSITIVITY_LABELS[part.sensitivity],
    facilityId: part.facilityId,
    serviceUserId: part.serviceUserId,
    ...(part.archived === true ? { archived: true } : {}),
    roles: principal.roles
      .filter((assignment) => assignment.facilityId === part.facilityId)
      .map((assignment) => ROLE_LABELS[assignment.role]),
  });
}

/**
 * Who may administer habilitations (grant roles, compose care teams) in an ESSMS: its director or
 * an administrator of that ESSMS, of the same organisation. Nobody administers their own
 * habilitations: otherwise a director could make themselves a doctor of the team and read medical
 * data, which is exactly what the matrix keeps from them. The first administrator of an
 * organisation is therefore granted by the system on an operator's behalf (`dui habilitations
 * grant`, ADR 0027), not by a professional.
 *
 * The usager's allowance to read their psychologist's notes is theirs to give: it is not an
 * administration act and the shell decides who may record it (the usager, or staff on their word).
 */
export function mayAdministerHabilitations(
  principal: Principal,
  target: { organisationId: string; facilityId: string; professionalId: string },
): boolean {
  return principal.professionalId !== target.professionalId && mayReadHabilitations(principal, target);
}

/**
 * Who may see who holds which role in an ESSMS, and who granted or revoked it: those who
 * administer them there. The list names staff only, never a usager.
 */
export function mayReadHabilitations(
  principal: Principal,
  target: { organisationId: string; facilityId: string },
): boolean {
  if (principal.organisationId !== target.organisationId) return false;
  return principal.roles.some(
    ({ facilityId, role }) => facilityId === target.facilityId && (role === 'administrator' || role === 'director'),
  );
}
