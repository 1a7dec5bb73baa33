import { InvalidReportingCursorError, MAX_REPORTING_PAGE, readReportingEvents } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import { defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { organisationParams } from '../route-parameters.js';

const DEFAULT_PAGE = 100;

const reportingEvent = z.object({
  id: z.string().describe('Stable : le même fait garde toujours cet identifiant (dédoublonnage).'),
  type: z.string().describe('Type publié, par exemple « act.recorded » (docs/reporting-events.md).'),
  version: z.number().int(),
  organisationId: z.string(),
  facilityId: z.string().nullable(),
  occurredOn: z.string().describe('Jour (Europe/Paris) du fait.'),
  subjectKey: z.string().nullable().describe('Clé pseudonyme de l’usager (HMAC), jamais son identifiant.'),
  data: z.record(z.string(), z.unknown()),
  cursor: z.string().describe('Curseur juste après cet événement.'),
});

/**
 * The reporting events of an organisme gestionnaire, for a reporting tool, read with a cursor
 * (docs/reporting-events.md). The direction reads them: they hold no personal data, and a
 * dedicated machine access is not there yet.
 */
export function reportingRoutes({
  knex,
  outboxSchema,
  access,
}: {
  knex: Knex;
  outboxSchema: string;
  access: ProfessionalAccess;
}): RouteDefinition[] {
  return [
    defineQuery({
      path: '/organisations/:organisationId/reporting-events',
      summary: 'Événements de reporting (pseudonymisés), lus avec un curseur',
      description:
        'Flux publié et versionné des faits utiles aux rapports d’activité, à RECAP et aux indicateurs ESMS numérique. ' +
        'Repartir de `next` : chaque événement est reçu une fois, aucun n’est sauté, même validé en retard. ' +
        'Aucune donnée nominative : l’usager est une clé pseudonyme.',
      tags: ['Reporting'],
      params: organisationParams,
      query: z.object({
        after: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,80}$/, 'curseur invalide : reprendre la valeur `next` de la page précédente')
          .optional(),
        limit: z.coerce.number().int().min(1).max(MAX_REPORTING_PAGE).default(DEFAULT_PAGE),
      }),
      response: z.object({
        events: z.array(reportingEvent),
        next: z.string().describe('À repasser en `after` ; inchangé quand rien de nouveau n’a été validé.'),
      }),
      problems: ['forbidden', 'validation-failed'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        if (!principal.roles.some((grant) => grant.role === 'director')) {
          throw new HttpProblem('forbidden', 'Les événements de reporting sont lus par la direction.');
        }
        try {
          const page = await readReportingEvents(knex, outboxSchema, {
            organisationId: params.organisationId,
            after: query.after,
            limit: query.limit,
          });
          return { body: page };
        } catch (error) {
          if (!(error instanceof InvalidReportingCursorError)) throw error;
          const message = 'curseur inconnu : reprendre la valeur `next` de la page précédente';
          throw new HttpProblem('validation-failed', `Le curseur n’a pas été donné par ce serveur.`, {
            extensions: { errors: [{ path: 'query.after', message }] },
          });
        }
      },
    }),
  ];
}
