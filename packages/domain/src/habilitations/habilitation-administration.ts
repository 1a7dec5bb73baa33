import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { PersistentMap } from '../persistent-map.js';
import type { CareTeamMembership, Principal, RoleAssignment } from './access-policy.js';
import { isCareRole, ROLE_LABELS, roleSchema } from './roles.js';

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
/**
 * A member's place in the team: their role in it (« coordinatrice du projet », « suivi TSO »: free
 * words, the team's own) and the days they joined and left it. The days say what the team was; they
 * open nothing: access follows the membership, from its addition to its removal.
 */
const careTeamMemberAddition = careTeamMembershipData.extend({
  teamRole: z.string().trim().min(1).max(100).optional(),
  /** The day they joined; the day of the event when not given. */
  joinedOn: z.iso.date().optional(),
});
const careTeamMemberRemoval = careTeamMembershipData.extend({
  /** The day they left; the day of the event when not given. */
  leftOn: z.iso.date().optional(),
});

export const roleGrantedSchema = roleAssignmentData;
export const roleRevokedSchema = roleAssignmentData;
export const careTeamMemberAddedSchema = careTeamMemberAddition;
export const careTeamMemberRemovedSchema = careTeamMemberRemoval;
/** The usager's référent in that ESSMS: a member of their team, one at a time; the next designation replaces them. */
export const keyWorkerDesignatedSchema = careTeamMembershipData;
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
  KeyWorkerDesignated: keyWorkerDesignatedSchema,
} as const;

export type HabilitationEventType = keyof typeof habilitationEventSchemas;
export type HabilitationEvent = {
  [Type in HabilitationEventType]: { type: Type; data: z.infer<(typeof habilitationEventSchemas)[Type]> };
}[HabilitationEventType];

/** The data schema of every habilitation command, by type: the shell validates requests with them. */
export const habilitationCommandSchemas = {
  GrantRole: roleAssignmentData,
  RevokeRole: roleAssignmentData,
  AddToCareTeam: careTeamMemberAddition,
  RemoveFromCareTeam: careTeamMemberRemoval,
  AllowPsychologicalNotes: psychologicalNotesAllowanceData,
  WithdrawPsychologicalNotesAllowance: psychologicalNotesAllowanceData,
  DesignateKeyWorker: careTeamMembershipData,
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
/**
 * One organisation's habilitations, folded from a stream that holds every care-team membership of
 * its ESSMS (tens of thousands of events): persistent maps, so that each event costs what it
 * changes rather than a copy of everything.
 */
export interface Habilitations {
  professionals: PersistentMap<string, ProfessionalHabilitations>;
  /** The référent of each care team (`careTeamKey`), when designated; they open nothing more than membership. */
  keyWorkers: PersistentMap<string, string>;
  /** The day each member joined their team (`careTeamMemberKey`), when the addition said it. */
  joinedOn: PersistentMap<string, string>;
}

/** A care team: one usager's in one ESSMS. */
export function careTeamKey(team: { facilityId: string; serviceUserId: string }): string {
  return JSON.stringify([team.facilityId, team.serviceUserId]);
}

function careTeamMemberKey(member: { facilityId: string; serviceUserId: string; professionalId: string }): string {
  return JSON.stringify([member.facilityId, member.serviceUserId, member.professionalId]);
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
 * administrator (IT administration manages habilitations, it does not accompany anyone) or
 * archivist (who answers for archived records, whose care is over).
 */
function holdsCareRole(habilitations: ProfessionalHabilitations, facilityId: string): boolean {
  return habilitations.roles.some((held) => held.facilityId === facilityId && isCareRole(held.role));
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
    case 'KeyWorkerDesignated':
      // being the référent opens nothing that membership does not: access stays as it was
      return habilitations;
    default:
      // Fail closed: an event type this code does not know (a later version, a wrong stream)
      // might have restricted access; skipping it could leave habilitations that were taken away.
      throw new Error(`Unknown habilitation event type: ${(event as { type: unknown }).type}`);
  }
}

/**
 * A usager's allowance to read their psychologist's notes was given to a member of their care team:
 * once that professional leaves the last of the usager's teams, it ends with the membership, so
 * that joining a team again (elsewhere, or years later) does not silently reopen the notes. The
 * usager is asked again.
 */
function allowancesEndedBy(
  habilitations: ProfessionalHabilitations,
  professionalId: string,
  removals: readonly HabilitationEvent[],
): HabilitationEvent[] {
  const after = removals.reduce(evolveProfessional, habilitations);
  return after.psychologicalNotesAllowedBy
    .filter((serviceUserId) =>
      removals.some((removal) => 'serviceUserId' in removal.data && removal.data.serviceUserId === serviceUserId),
    )
    .filter((serviceUserId) => !after.careTeams.some((membership) => membership.serviceUserId === serviceUserId))
    .map(
      (serviceUserId): HabilitationEvent => ({
        type: 'PsychologicalNotesAllowanceWithdrawn',
        data: { serviceUserId, professionalId },
      }),
    );
}

export const habilitationsDecider: Decider<HabilitationCommand, HabilitationEvent, Habilitations> = {
  initialState: () => ({
    professionals: PersistentMap.empty(),
    keyWorkers: PersistentMap.empty(),
    joinedOn: PersistentMap.empty(),
  }),

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
        return [revoked, ...leftTeams, ...allowancesEndedBy(habilitations, data.professionalId, leftTeams)];
      }

      case 'AddToCareTeam': {
        const { type: _, ...data } = command;
        if (!holdsCareRole(habilitations, data.facilityId)) {
          const rolesHere = habilitations.roles.filter((held) => held.facilityId === data.facilityId);
          if (rolesHere.length > 0 && rolesHere.every((held) => held.role === 'archivist')) {
            throw new DomainRuleViolation(
              'ARCHIVIST_NOT_IN_CARE_TEAM',
              'Un archiviste ne fait pas partie d’une équipe de prise en charge : donnez d’abord à ce professionnel un rôle d’accompagnement dans cet établissement.',
              data,
            );
          }
          throw rolesHere.length > 0
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
        const joinedOn = state.joinedOn.get(careTeamMemberKey(data));
        if (data.leftOn !== undefined && joinedOn !== undefined && data.leftOn < joinedOn) {
          throw new DomainRuleViolation(
            'CARE_TEAM_LEFT_BEFORE_JOINED',
            `Ce professionnel a rejoint l’équipe le ${joinedOn} : il ne peut pas l’avoir quittée avant.`,
            { ...data, joinedOn },
          );
        }
        const removed: HabilitationEvent = { type: 'CareTeamMemberRemoved', data };
        return [removed, ...allowancesEndedBy(habilitations, data.professionalId, [removed])];
      }

      case 'DesignateKeyWorker': {
        const { type: _, ...data } = command;
        if (!habilitations.careTeams.some(sameMembership(data))) {
          throw new DomainRuleViolation(
            'KEY_WORKER_NOT_IN_CARE_TEAM',
            'Le référent de l’usager est choisi parmi son équipe de prise en charge dans cet établissement : ajoutez-y d’abord ce professionnel.',
            data,
          );
        }
        if (state.keyWorkers.get(careTeamKey(data)) === data.professionalId) {
          throw new DomainRuleViolation(
            'ALREADY_KEY_WORKER',
            'Ce professionnel est déjà le référent de cet usager dans cet établissement.',
            data,
          );
        }
        return { type: 'KeyWorkerDesignated', data };
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
    const professionals = state.professionals.with(
      professionalId,
      evolveProfessional(habilitationsOf(state, professionalId), event),
    );
    return { professionals, ...evolveCareTeams(state, event) };
  },
};

/** The référents and joining days: a member who leaves the team stops being its référent. */
function evolveCareTeams(
  state: Habilitations,
  event: HabilitationEvent,
): Pick<Habilitations, 'keyWorkers' | 'joinedOn'> {
  switch (event.type) {
    case 'CareTeamMemberAdded': {
      if (event.data.joinedOn === undefined) return { keyWorkers: state.keyWorkers, joinedOn: state.joinedOn };
      const joinedOn = state.joinedOn.with(careTeamMemberKey(event.data), event.data.joinedOn);
      return { keyWorkers: state.keyWorkers, joinedOn };
    }
    case 'CareTeamMemberRemoved': {
      const joinedOn = state.joinedOn.without(careTeamMemberKey(event.data));
      const team = careTeamKey(event.data);
      if (state.keyWorkers.get(team) !== event.data.professionalId) return { keyWorkers: state.keyWorkers, joinedOn };
      return { keyWorkers: state.keyWorkers.without(team), joinedOn };
    }
    case 'KeyWorkerDesignated': {
      const keyWorkers = state.keyWorkers.with(careTeamKey(event.data), event.data.professionalId);
      return { keyWorkers, joinedOn: state.joinedOn };
    }
    default:
      return { keyWorkers: state.keyWorkers, joinedOn: state.joinedOn };
  }
}

/** The référent of a usager's care team in one ESSMS, if one is designated. */
export function keyWorkerOf(
  state: Habilitations,
  team: { facilityId: string; serviceUserId: string },
): string | undefined {
  return state.keyWorkers.get(careTeamKey(team));
}

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
