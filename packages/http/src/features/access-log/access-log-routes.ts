import type { RecordRead } from '@dui-pds/domain';
import { isErased } from '@dui-pds/eventstore';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { serviceUserParams } from '../route-parameters.js';

/**
 * Who read a usager's record: for the direction of an ESSMS of the organisation (and, with the
 * portal, the usager). Reading it is itself traced.
 */
export function accessLogRoutes({
  access,
  accessLog,
}: {
  access: ProfessionalAccess;
  accessLog: AccessLog;
}): RouteDefinition[] {
  return [
    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/access-log',
      summary: 'Journal des accès au dossier d’un usager (lecture tracée)',
      tags: ['Traçabilité'],
      params: serviceUserParams,
      response: z.object({
        entries: z.array(
          z.object({
            at: z.string(),
            professionalId: z.string(),
            roles: z.array(z.string()),
            facilityId: z.string().nullable(),
            resource: z.string(),
            sensitivities: z.array(z.string()),
            purpose: z.string(),
            hash: z.string(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const direction = principal.roles.find((grant) => grant.role === 'director');
        if (!direction) throw new HttpProblem('forbidden', 'Le journal des accès est consulté par la direction.');
        const events = await accessLog.entries(params.organisationId, params.serviceUserId);
        await accessLog.recordRead({
          organisationId: params.organisationId,
          professionalId: principal.professionalId,
          correlationId: context.correlationId,
          read: {
            serviceUserId: params.serviceUserId,
            facilityId: direction.facilityId,
            roles: ['director'],
            resource: 'access-log',
            sensitivities: [],
            purpose: 'control',
          },
        });
        return {
          body: {
            entries: events.map((event) => {
              const read = isErased(event.data) ? undefined : (event.data as RecordRead);
              return {
                at: event.metadata.occurredAt,
                professionalId: event.metadata.actor.id,
                roles: read?.roles ?? [],
                facilityId: read?.facilityId ?? null,
                resource: read?.resource ?? 'effacé',
                sensitivities: read?.sensitivities ?? [],
                purpose: read?.purpose ?? 'effacé',
                hash: event.hash,
              };
            }),
          },
        };
      },
    }),
  ];
}
