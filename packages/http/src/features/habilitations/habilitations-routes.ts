import {
  type HabilitationCommand,
  type Habilitations,
  habilitationCommandSchemas,
  habilitationsDecider,
  habilitationsStreamId,
  mayAdministerHabilitations,
  mayReadHabilitations,
  type Principal,
  ROLES,
  type Role,
} from '@dui-pds/domain';
import { actorSchema, type EventStore, handleCommand, LruStreamStateCache } from '@dui-pds/eventstore';
import { rolesInFacility } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { facilityParams, organisationParams } from '../route-parameters.js';

const accepted = z.object({ revision: z.int() });

/** The path segment of each administration command, and what it does, for staff. */
const ADMINISTRATION: Record<HabilitationCommand['type'], { path: string; summary: string }> = {
  GrantRole: { path: 'role-grants', summary: 'Attribuer un rôle dans un ESSMS' },
  RevokeRole: { path: 'role-revocations', summary: 'Retirer un rôle dans un ESSMS' },
  AddToCareTeam: { path: 'care-team-additions', summary: 'Ajouter un professionnel à l’équipe de soins d’un usager' },
  RemoveFromCareTeam: {
    path: 'care-team-removals',
    summary: 'Retirer un professionnel de l’équipe de soins d’un usager',
  },
  AllowPsychologicalNotes: {
    path: 'psychological-notes-allowances',
    summary: 'Enregistrer que l’usager autorise un professionnel à lire les notes de son psychologue',
  },
  WithdrawPsychologicalNotesAllowance: {
    path: 'psychological-notes-withdrawals',
    summary: 'Enregistrer que l’usager retire cette autorisation',
  },
  DesignateKeyWorker: {
    path: 'key-worker-designations',
    summary: 'Désigner le référent de l’usager parmi son équipe de soins (il remplace le précédent)',
  },
};

export interface HabilitationsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the `habilitations` projection. */
  habilitationsSchema: string;
  access: ProfessionalAccess;
}

/**
 * The administration of habilitations, as commands (who granted what, when: the events say it).
 * Roles and care teams: an administrator or the director of the ESSMS, never for themselves. A
 * usager's allowance to read their psychologist's notes: recorded by the psychologist of their
 * care team, who collects the consent.
 */
export function habilitationsRoutes({
  store,
  knex,
  habilitationsSchema,
  access,
}: HabilitationsDependencies): RouteDefinition[] {
  // An organisation's habilitations stream holds every care-team membership of its ESSMS, and
  // each command folds it: kept, a command reads only what was appended since. Its events name
  // no usager and its state is never changed in place, as keeping it requires.
  const keptHabilitations = new LruStreamStateCache<Habilitations>();

  const requireReader = (principal: Principal, where: { organisationId: string; facilityId: string }) => {
    if (!mayReadHabilitations(principal, where)) {
      throw new HttpProblem(
        'forbidden',
        'Seuls l’administrateur et la direction de l’ESSMS consultent ses habilitations.',
      );
    }
  };

  const commands = Object.entries(ADMINISTRATION) as [HabilitationCommand['type'], { path: string; summary: string }][];
  return [
    ...commands.map(([type, { path, summary }]) =>
      defineCommand({
        path: `/organisations/:organisationId/habilitations/${path}`,
        summary,
        tags: ['Habilitations'],
        params: organisationParams,
        body: habilitationCommandSchemas[type],
        response: accepted,
        problems: ['forbidden', 'domain-rule-violated'],
        async handler({ params, body, context }) {
          const principal = await access.principal(context, params.organisationId);
          const command = { type, ...body } as HabilitationCommand;
          const facilityId = 'facilityId' in command ? command.facilityId : undefined;
          if (type === 'AllowPsychologicalNotes' || type === 'WithdrawPsychologicalNotesAllowance') {
            const { serviceUserId } = command as { serviceUserId: string };
            const recorder = principal.careTeams.find((team) => team.serviceUserId === serviceUserId);
            if (!recorder)
              throw new HttpProblem('forbidden', 'Seul le psychologue de l’équipe de soins recueille ce consentement.');
            access.check(principal, 'write', {
              organisationId: params.organisationId,
              facilityId: recorder.facilityId,
              serviceUserId,
              sensitivity: 'psychological',
            });
          } else if (
            !mayAdministerHabilitations(principal, {
              organisationId: params.organisationId,
              facilityId: facilityId!,
              professionalId: (command as { professionalId: string }).professionalId,
            })
          ) {
            throw new HttpProblem(
              'forbidden',
              'Seuls l’administrateur et la direction de l’ESSMS gèrent les habilitations, et jamais les leurs.',
            );
          }
          const result = await handleCommand(store, habilitationsDecider, {
            streamId: habilitationsStreamId(params.organisationId),
            commandId: access.commandId(principal, context),
            command,
            metadata: access.metadata(principal, context, { facilityId }),
            stateCache: keptHabilitations,
          });
          return { body: { revision: result.nextExpectedRevision as number } };
        },
      }),
    ),
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/habilitations',
      summary: 'Les rôles des professionnels dans l’ESSMS (administrateur, direction)',
      tags: ['Habilitations'],
      params: facilityParams,
      response: z.object({
        facilityId: z.string(),
        staff: z.array(z.object({ professionalId: z.string(), roles: z.array(z.enum(ROLES)) })),
      }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        requireReader(await access.principal(context, params.organisationId), params);
        const staff = await rolesInFacility(knex, habilitationsSchema, params);
        return { body: { facilityId: params.facilityId, staff } };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/habilitations/history',
      summary: 'Qui a attribué ou retiré quel rôle dans l’ESSMS, et quand (administrateur, direction)',
      tags: ['Habilitations'],
      params: facilityParams,
      response: z.object({
        changes: z.array(
          z.object({
            change: z.enum(['granted', 'revoked']),
            professionalId: z.string(),
            role: z.enum(ROLES),
            occurredAt: z.string(),
            by: actorSchema,
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        requireReader(await access.principal(context, params.organisationId), params);
        const events = await store.readStream(habilitationsStreamId(params.organisationId));
        const changes = events.flatMap((event) => {
          if (event.type !== 'RoleGranted' && event.type !== 'RoleRevoked') return [];
          const { professionalId, facilityId, role } = event.data as {
            professionalId: string;
            facilityId: string;
            role: Role;
          };
          if (facilityId !== params.facilityId) return [];
          const change = event.type === 'RoleGranted' ? ('granted' as const) : ('revoked' as const);
          return [{ change, professionalId, role, occurredAt: event.metadata.occurredAt, by: event.metadata.actor }];
        });
        return { body: { changes } };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/me',
      summary: 'Mes habilitations dans cet organisme gestionnaire',
      tags: ['Habilitations'],
      params: organisationParams,
      response: z.object({
        professionalId: z.string(),
        roles: z.array(z.object({ facilityId: z.string(), role: z.enum(ROLES) })),
        careTeams: z.array(z.object({ facilityId: z.string(), serviceUserId: z.string() })),
      }),
      async handler({ params, context }) {
        const { professionalId, roles, careTeams } = await access.principal(context, params.organisationId);
        return { body: { professionalId, roles: [...roles], careTeams: [...careTeams] } };
      },
    }),
  ];
}
