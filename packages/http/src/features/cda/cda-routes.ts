import { documentById } from '@dui-pds/projections';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import type { AuthenticatedProfessional } from '../../auth/professional-identity.js';
import { defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { identifier, organisationParams } from '../route-parameters.js';
import { type CdaSources, cdaOfStoredDocument } from './cda-of-stored-document.js';

const TAG = 'Documents';
const params = organisationParams.extend({
  facilityId: identifier,
  serviceUserId: identifier,
  documentId: z.uuid(),
});

export interface CdaRoutesDependencies {
  sources: CdaSources;
  access: ProfessionalAccess;
  accessLog: AccessLog;
}

/**
 * A stored document as the CDA R2 document the DMP and MSSanté receive: to see it, and to test it.
 * The reader must be allowed to read the document; the read is traced.
 */
export function cdaRoutes(deps: CdaRoutesDependencies): RouteDefinition[] {
  const { access, accessLog, sources } = deps;
  return [
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/usagers/:serviceUserId/documents/:documentId/cda',
      summary:
        'Le document au format CDA R2 (niveau 1, PDF encapsulé, en-tête du CI-SIS) tel qu’il serait envoyé au DMP ou par MSSanté (lecture tracée)',
      description:
        'L’INS n’y figure que pour une identité qualifiée ; un usager anonyme n’a pas de document CDA (409), ni une version qui n’est pas un PDF (409).',
      tags: [TAG],
      params,
      query: z.object({
        version: z
          .string()
          .regex(/^[1-9]\d{0,5}$/, 'numéro de version invalide')
          .transform(Number)
          .optional(),
      }),
      produces: 'application/xml',
      response: z.custom<Buffer>(),
      problems: ['forbidden', 'not-found', 'conflict'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: params.facilityId, serviceUserId: params.serviceUserId };
        const document = await documentById(
          sources.knex,
          sources.schemas.documents,
          params.organisationId,
          params.documentId,
        );
        if (
          document === undefined ||
          document.serviceUserId !== params.serviceUserId ||
          document.facilityId !== params.facilityId
        ) {
          throw new HttpProblem(
            'not-found',
            'Aucun document de cet usager dans cet établissement sous cet identifiant.',
          );
        }
        await access.check(principal, 'read', {
          organisationId: params.organisationId,
          ...where,
          sensitivity: document.sensitivity,
        });
        const professional = context.response.locals.professional as AuthenticatedProfessional | undefined;
        const role = principal.roles.find((grant) => grant.facilityId === params.facilityId)?.role;
        const { xml, fileName } = await cdaOfStoredDocument(sources, {
          organisationId: params.organisationId,
          serviceUserId: params.serviceUserId,
          documentId: params.documentId,
          ...(query.version === undefined ? {} : { version: query.version }),
          author: {
            professionalId: principal.professionalId,
            displayName: professional?.displayName ?? principal.professionalId,
            ...(role === undefined ? {} : { role }),
          },
        });
        await accessLog.recordReadBy(principal, context.correlationId, {
          ...where,
          resource: 'document-cda',
          sensitivities: [document.sensitivity],
          purpose: 'care',
        });
        return {
          body: Buffer.from(xml, 'utf8'),
          headers: {
            'Content-Type': 'application/xml; charset=utf-8',
            'Content-Disposition': `inline; filename="${fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`,
          },
        };
      },
    }),
  ];
}
