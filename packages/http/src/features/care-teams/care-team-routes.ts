import type { SensitivityClass } from '@dui-pds/domain';
import { careTeamOf } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineQuery, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { identifier, serviceUserParams } from '../route-parameters.js';

const TAG = 'Équipe de prise en charge';
/**
 * Who accompanies the usager, and who is their référent: administrative data, as in the summary
 * sheet. The secretariat directs calls and appointments to the référent; the team knows its own.
 */
const SENSITIVITY: SensitivityClass = 'administrative';

export interface CareTeamDependencies {
  knex: Knex;
  /** The read schema of the care_teams projection. */
  careTeamsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
}

/**
 * A usager's care team in one ESSMS, the référent first. The team is changed by the habilitation
 * commands (`/habilitations/care-team-additions` with the member's role in the team and the day
 * they joined, `care-team-removals` with the day they left, `key-worker-designations`), by an
 * administrator or the director: membership opens the usager's record, so it stays theirs.
 */
export function careTeamRoutes({ knex, careTeamsSchema, access, accessLog }: CareTeamDependencies): RouteDefinition[] {
  return [
    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/care-team',
      summary: 'L’équipe de prise en charge de l’usager dans un ESSMS, le référent d’abord (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier, includeFormer: z.enum(['true', 'false']).optional() }),
      response: z.object({
        keyWorkerId: z.string().nullable(),
        members: z.array(
          z.object({
            professionalId: z.string(),
            facilityId: z.string(),
            teamRole: z.string().nullable(),
            joinedOn: z.string(),
            leftOn: z.string().nullable(),
            keyWorker: z.boolean(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: query.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'read', { organisationId: params.organisationId, ...where, sensitivity: SENSITIVITY });
        const members = await careTeamOf(knex, careTeamsSchema, {
          organisationId: params.organisationId,
          ...where,
          includeFormer: query.includeFormer === 'true',
        });
        await accessLog.recordRead({
          organisationId: params.organisationId,
          professionalId: principal.professionalId,
          correlationId: context.correlationId,
          read: {
            ...where,
            roles: access.rolesIn(principal, query.facilityId),
            resource: 'care-team',
            sensitivities: [SENSITIVITY],
            purpose: 'care',
          },
        });
        const keyWorker = members.find((member) => member.keyWorker);
        return { body: { keyWorkerId: keyWorker?.professionalId ?? null, members } };
      },
    }),
  ];
}
