import { type ActivityReport, InvalidReportScopeError, type ReportScope } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import { defineQuery, HttpProblem, type RouteDefinition, validationProblem } from '../../server/index.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { identifier, organisationParams } from '../route-parameters.js';
import { computeReport, defaultPeriod, REPORT_FORMATS, REPORT_KINDS, renderedReport } from './report-rendering.js';

/** The head every report shares; the rest is per kind (report-types.ts, docs/http.md). */
const reportView = z
  .object({
    kind: z.enum(REPORT_KINDS),
    scope: z.object({
      organisationId: z.string(),
      facilityId: z.string().optional(),
      from: z.string(),
      to: z.string(),
    }),
    computedAt: z.string().describe('Instant du calcul'),
  })
  .loose()
  .describe('Le rapport : chiffres de la file active, répartitions par code, ... (voir docs/http.md)');

export interface ReportsDependencies {
  knex: Knex;
  /** The read schema of the reporting outbox: the reports count its pseudonymous facts. */
  outboxSchema: string;
  access: ProfessionalAccess;
  /** Each ESSMS' name by FINESS, for the HTML and PDF renderings. */
  facilityNames: Readonly<Record<string, string>>;
  clock: () => Date;
}

/**
 * The activity reports and indicators (CSAPA, ASA-CAARUD, RECAP, ESMS numérique) of an ESSMS or
 * of the organisme gestionnaire, for any period, as JSON and CSV for tools, HTML and PDF for
 * people. The direction reads them: that of the ESSMS, or of any ESSMS of the organisation for
 * the organisation-wide report. They name no one (counts, pseudonymous keys for RECAP), so reading
 * one is not traced in any usager's access log.
 */
export function reportsRoutes({
  knex,
  outboxSchema,
  access,
  facilityNames,
  clock,
}: ReportsDependencies): RouteDefinition[] {
  return [
    defineQuery({
      path: '/organisations/:organisationId/reports/:kind',
      summary:
        'Rapport d’activité (CSAPA, ASA-CAARUD), extrait RECAP ou indicateurs ESMS numérique, en JSON, CSV, HTML ou PDF',
      description:
        'Calculé à partir des événements de reporting pseudonymisés, pour un ESSMS (`facilityId`) ou pour tout ' +
        'l’organisme gestionnaire, sur une période (par défaut l’année en cours jusqu’à aujourd’hui). Les corrections ' +
        'et annulations sont appliquées. `format` : `json` (défaut), `csv` (point-virgule, UTF-8 avec BOM, une ligne ' +
        'par chiffre, ou par patient pour RECAP), `html` (graphiques SVG lisibles sans JavaScript) ou `pdf`. ' +
        'Réservé à la direction de l’ESSMS, ou d’un ESSMS de l’organisme pour le rapport de l’organisme. RECAP porte ' +
        'sur une seule année civile.',
      tags: ['Rapports d’activité'],
      params: organisationParams.extend({
        kind: z.enum(REPORT_KINDS).describe('csapa, caarud, recap ou esms-numerique'),
      }),
      query: z.object({
        facilityId: identifier.optional().describe('FINESS de l’ESSMS ; absent : tout l’organisme gestionnaire'),
        from: z.iso.date().optional().describe('Premier jour (inclus) ; par défaut le 1er janvier de l’année de `to`'),
        to: z.iso.date().optional().describe('Dernier jour (inclus) ; par défaut aujourd’hui'),
        format: z.enum(REPORT_FORMATS).optional().describe('json (défaut), csv, html ou pdf'),
      }),
      produces: 'application/pdf',
      response: z.union([reportView, z.custom<Buffer>()]),
      problems: ['forbidden', 'validation-failed'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const directs = principal.roles.filter((grant) => grant.role === 'director');
        const allowed =
          query.facilityId === undefined
            ? directs.length > 0
            : directs.some((grant) => grant.facilityId === query.facilityId);
        if (!allowed) {
          throw new HttpProblem(
            'forbidden',
            query.facilityId === undefined
              ? 'Les rapports de l’organisme gestionnaire sont lus par la direction.'
              : 'Les rapports d’un établissement sont lus par sa direction.',
          );
        }
        const { from, to } = defaultPeriod(parisDay.format(clock()), query);
        const scope: ReportScope = {
          organisationId: params.organisationId,
          ...(query.facilityId === undefined ? {} : { facilityId: query.facilityId }),
          from,
          to,
        };
        let report: ActivityReport;
        try {
          report = await computeReport(params.kind, knex, outboxSchema, scope, clock());
        } catch (error) {
          if (!(error instanceof InvalidReportScopeError)) throw error;
          throw validationProblem('La période du rapport n’est pas valide.', [
            { path: `query.${error.field}`, message: error.message },
          ]);
        }
        const rendered = await renderedReport(report, query.format ?? 'json', facilityNames);
        // the report types are the contract (report-types.ts); the schema documents their common head
        if (!rendered) return { body: report as unknown as z.output<typeof reportView> };
        const disposition = query.format === 'csv' ? 'attachment' : 'inline';
        return {
          body: rendered.body,
          headers: {
            'Content-Type': rendered.contentType,
            'Content-Disposition': `${disposition}; filename="${rendered.fileName}"`,
          },
        };
      },
    }),
  ];
}
