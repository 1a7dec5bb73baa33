import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import type { CareTeamMembership, Principal, RoleAssignment } from './access-policy.js';
import { ROLE_LABELS, roleSchema } from './roles.js';

/**
 * The administration of habilitations is itself commands and events, in one stream per
 * organisation: every grant is traced, and the habilitations a professional held on date D are
 * those events folded up to D. Who administered and when are the events' metadata (actor,
 * occurredAt); the data says only who is concerned.
 *
 * The data holds identifiers only, no personal data of the usager: this stream is the
 * organisation's, not a usager's, and is not encrypted with a usager's key (once a usager is
 * forgotten, their identifier here points to nothing readable).
 */
export function habilitationsStreamId(organisationId: string): string {
  return `habilitations-${organisationId}`;
}

/** Ids as the API's paths carry them: letters, digits and `_ . : -`, so that every grant can be addressed and shown. */
const identifier = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.:-]+$/, { error: 'identifiant invalide : lettres, chiffres et _ . : - seulement' });

const roleAssignmentData = z.object({ professionalId: identifier, facilityId: identifier, role: roleSchema });
const careTeamMembershipData = z.object({
  professionalId: identifier,
  facilityId: identifier,
  serviceUserId: identifier,
});
const psychologicalNotesAllowanceData = z.object({ serviceUserId: identifier, professionalId: identifier });

export const roleGrantedSchema = roleAssignmentData;
export const roleRevokedSchema = roleAssignmentData;
export const careTeamMemberAddedSchema = careTeamMembershipData;
export const careTeamMemberRemovedSchema = careTeamMembershipData;
export const psychologicalNotesAllowedSchema = psychologicalNotesAllowanceData;
export const psychologicalNotesAllowanceWithdrawnSchema = psychologicalNotesAllowanceData;

/** The data schema of every habilitation event, by type: the shell validates with them. */
export const habilitationEventSchemas = {
  RoleGranted: roleGrantedSchema,
  RoleRevoked: roleRevokedSchema,
  CareTeamMemberAdded: careTeamMemberAddedSchema,
  CareTeamMemberRemoved: careTeamMemberRemovedSchema,
  PsychologicalNotesAllowed: psychologicalNotesAllowedSchema,
  PsychologicalNotesAllowanceWithdrawn: psychologicalNotesAllowanceWithdrawnSchema,
} as const;

export type HabilitationEventType = keyof typeof habilitationEventSchemas;
export type HabilitationEvent = {
  [Type in HabilitationEventType]: { type: Type; data: z.infer<(typeof habilitationEventSchemas)[Type]> };
}[HabilitationEventType];

/** The data schema of every habilitation command, by type: the shell validates requests with them. */
export const habilitationCommandSchemas = {
  GrantRole: roleAssignmentData,
  RevokeRole: roleAssignmentData,
  AddToCareTeam: careTeamMembershipData,
  RemoveFromCareTeam: careTeamMembershipData,
  AllowPsychologicalNotes: psychologicalNotesAllowanceData,
  WithdrawPsychologicalNotesAllowance: psychologicalNotesAllowanceData,
} as const;

export type HabilitationCommandType = keyof typeof habilitationCommandSchemas;
export type HabilitationCommand = {
  [Type in HabilitationCommandType]: { type: Type } & z.infer<(typeof habilitationCommandSchemas)[Type]>;
}[HabilitationCommandType];

/** The habilitations of one professional in one organisation. */
export interface ProfessionalHabilitations {
  roles: readonly RoleAssignment[];
  careTeams: readonly CareTeamMembership[];
  psychologicalNotesAllowedBy: readonly string[];
}

/** The decider's state: the current habilitations of every professional of the organisation. */
export interface Habilitations {
  professionals: ReadonlyMap<string, ProfessionalHabilitations>;
}

const NO_HABILITATIONS: ProfessionalHabilitations = { roles: [], careTeams: [], psychologicalNotesAllowedBy: [] };

function habilitationsOf(state: Habilitations, professionalId: string): ProfessionalHabilitations {
  return state.professionals.get(professionalId) ?? NO_HABILITATIONS;
}

const sameRole = (a: RoleAssignment) => (b: RoleAssignment) => a.facilityId === b.facilityId && a.role === b.role;
const sameMembership = (a: CareTeamMembership) => (b: CareTeamMembership) =>
  a.facilityId === b.facilityId && a.serviceUserId === b.serviceUserId;

/**
 * Being in a care team is accompanying the usager: it takes a role in that ESSMS other than
 * administrator (IT administration manages habilitations, it does not accompany anyone).
 */
function holdsCareRole(habilitations: ProfessionalHabilitations, facilityId: string): boolean {
  return habilitations.roles.some((held) => held.facilityId === facilityId && held.role !== 'administrator');
}

/** How one event changes the habilitations of the professional it concerns. */
function evolveProfessional(
  habilitations: ProfessionalHabilitations,
  event: HabilitationEvent,
): ProfessionalHabilitations {
  switch (event.type) {
    case 'RoleGranted': {
      const { facilityId, role } = event.data;
      return { ...habilitations, roles: [...habilitations.roles, { facilityId, role }] };
    }
    case 'RoleRevoked': {
      const revoked = sameRole(event.data);
      return { ...habilitations, roles: habilitations.roles.filter((held) => !revoked(held)) };
    }
    case 'CareTeamMemberAdded': {
      const { facilityId, serviceUserId } = event.data;
      return { ...habilitations, careTeams: [...habilitations.careTeams, { facilityId, serviceUserId }] };
    }
    case 'CareTeamMemberRemoved': {
      const removed = sameMembership(event.data);
      return { ...habilitations, careTeams: habilitations.careTeams.filter((membership) => !removed(membership)) };
    }
    case 'PsychologicalNotesAllowed':
      return {
        ...habilitations,
        psychologicalNotesAllowedBy: [...habilitations.psychologicalNotesAllowedBy, event.data.serviceUserId],
      };
    case 'PsychologicalNotesAllowanceWithdrawn':
      return {
        ...habilitations,
        psychologicalNotesAllowedBy: habilitations.psychologicalNotesAllowedBy.filter(
          (serviceUserId) => serviceUserId !== event.data.serviceUserId,
        ),
      };
    default:
      // Fail closed: an event type this code does not know (a later version, a wrong stream)
      // might have restricted access; skipping it could leave habilitations that were taken away.
      throw new Error(`Unknown habilitation event type: ${(event as { type: unknown }).type}`);
  }
}

export const habilitationsDecider: Decider<HabilitationCommand, HabilitationEvent, Habilitations> = {
  initialState: () => ({ professionals: new Map() }),

  decide(command, state) {
    const habilitations = habilitationsOf(state, command.professionalId);
    switch (command.type) {
      case 'GrantRole': {
        const { type: _, ...data } = command;
        if (habilitations.roles.some(sameRole(data))) {
          throw new DomainRuleViolation(
            'ROLE_ALREADY_GRANTED',
            `Ce professionnel a déjà le rôle « ${ROLE_LABELS[data.role]} » dans cet établissement.`,
            data,
          );
        }
        return { type: 'RoleGranted', data };
      }

      case 'RevokeRole': {
        const { type: _, ...data } = command;
        if (!habilitations.roles.some(sameRole(data))) {
          throw new DomainRuleViolation(
            'ROLE_NOT_HELD',
            `Ce professionnel n’a pas le rôle « ${ROLE_LABELS[data.role]} » dans cet établissement.`,
            data,
          );
        }
        const revoked: HabilitationEvent = { type: 'RoleRevoked', data };
        // Whoever no longer accompanies usagers in this ESSMS leaves its care teams with their last
        // care role, rather than keep memberships that a later grant would silently bring back.
        const after = evolveProfessional(habilitations, revoked);
        if (holdsCareRole(after, data.facilityId)) return revoked;
        const leftTeams = after.careTeams
          .filter((membership) => membership.facilityId === data.facilityId)
          .map(
            (membership): HabilitationEvent => ({
              type: 'CareTeamMemberRemoved',
              data: { professionalId: data.professionalId, ...membership },
            }),
          );
        return [revoked, ...leftTeams];
      }

      case 'AddToCareTeam': {
        const { type: _, ...data } = command;
        if (!holdsCareRole(habilitations, data.facilityId)) {
          const onlyAdministrator = habilitations.roles.some((held) => held.facilityId === data.facilityId);
          throw onlyAdministrator
            ? new DomainRuleViolation(
                'ADMINISTRATOR_NOT_IN_CARE_TEAM',
                'Un administrateur ne fait pas partie d’une équipe de prise en charge : donnez d’abord à ce professionnel un rôle d’accompagnement dans cet établissement.',
                data,
              )
            : new DomainRuleViolation(
                'NO_ROLE_IN_FACILITY',
                'Ce professionnel n’a pas de rôle dans cet établissement : il ne peut pas rejoindre l’équipe de prise en charge d’un de ses usagers.',
                data,
              );
        }
        if (habilitations.careTeams.some(sameMembership(data))) {
          throw new DomainRuleViolation(
            'ALREADY_IN_CARE_TEAM',
            'Ce professionnel fait déjà partie de l’équipe de prise en charge de cet usager dans cet établissement.',
            data,
          );
        }
        return { type: 'CareTeamMemberAdded', data };
      }

      case 'RemoveFromCareTeam': {
        const { type: _, ...data } = command;
        if (!habilitations.careTeams.some(sameMembership(data))) {
          throw new DomainRuleViolation(
            'NOT_IN_CARE_TEAM',
            'Ce professionnel ne fait pas partie de l’équipe de prise en charge de cet usager dans cet établissement.',
            data,
          );
        }
        return { type: 'CareTeamMemberRemoved', data };
      }

      case 'AllowPsychologicalNotes': {
        const { type: _, ...data } = command;
        // An allowance names a professional of the organisation: one with no role at all is
        // most likely a mistyped identifier, and the usager's consent must not go astray.
        if (habilitations.roles.length === 0) {
          throw new DomainRuleViolation(
            'PROFESSIONAL_UNKNOWN',
            'Ce professionnel n’a aucun rôle dans l’organisme : l’usager ne peut pas l’autoriser à lire les notes de son psychologue.',
            data,
          );
        }
        if (habilitations.psychologicalNotesAllowedBy.includes(data.serviceUserId)) {
          throw new DomainRuleViolation(
            'PSYCHOLOGICAL_NOTES_ALREADY_ALLOWED',
            'L’usager a déjà autorisé ce professionnel à lire les notes de son psychologue.',
            data,
          );
        }
        return { type: 'PsychologicalNotesAllowed', data };
      }

      case 'WithdrawPsychologicalNotesAllowance': {
        const { type: _, ...data } = command;
        if (!habilitations.psychologicalNotesAllowedBy.includes(data.serviceUserId)) {
          throw new DomainRuleViolation(
            'PSYCHOLOGICAL_NOTES_NOT_ALLOWED',
            'L’usager n’a pas autorisé ce professionnel à lire les notes de son psychologue.',
            data,
          );
        }
        return { type: 'PsychologicalNotesAllowanceWithdrawn', data };
      }
    }
  },

  evolve(state, event) {
    const { professionalId } = event.data;
    const professionals = new Map(state.professionals);
    professionals.set(professionalId, evolveProfessional(habilitationsOf(state, professionalId), event));
    return { professionals };
  },
};

/** The principal of one professional, from the decider's state of their organisation. */
export function principalOf(state: Habilitations, organisationId: string, professionalId: string): Principal {
  return { organisationId, professionalId, ...habilitationsOf(state, professionalId) };
}

/**
 * The principal of one professional from their organisation's habilitation events, in stream
 * order: what the shell builds after authentication. It folds only the events that concern them,
 * with the same evolution as the decider.
 */
export function principalFrom(
  events: Iterable<HabilitationEvent>,
  organisationId: string,
  professionalId: string,
): Principal {
  let habilitations = NO_HABILITATIONS;
  for (const event of events) {
    if (event.data.professionalId === professionalId) habilitations = evolveProfessional(habilitations, event);
  }
  return { organisationId, professionalId, ...habilitations };
}
