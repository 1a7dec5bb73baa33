import { decideAccess, GENERATED_DOCUMENT_KINDS, type GeneratedDocumentKind } from '@dui-pds/domain';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { identifier, organisationParams } from '../route-parameters.js';
import { type DocumentsDependencies, storeGeneratedDocument } from './documents-routes.js';
import {
  type GeneratedDocument,
  type GenerationSources,
  generateAccompanimentDocument,
} from './generation/generate-accompaniment-document.js';

const TAG = 'Documents';
const BASE = '/organisations/:organisationId/facilities/:facilityId/usagers/:serviceUserId/documents';
const params = organisationParams.extend({ facilityId: identifier, serviceUserId: identifier });

/** Every generated kind but the named certificate of care, which is issued with its own command. */
const printableKind = z.enum(GENERATED_DOCUMENT_KINDS.filter((kind) => kind !== 'careCertificate'));
const which = z.object({
  sourceId: identifier.optional(),
  amendmentNumber: z.coerce.number().int().min(1).max(999).optional(),
  version: z.coerce.number().int().min(1).max(9_999).optional(),
});

export interface GeneratedDocumentsDependencies extends Pick<DocumentsDependencies, 'store' | 'blobs' | 'clock'> {
  sources: GenerationSources;
  access: ProfessionalAccess;
  accessLog: AccessLog;
}

/**
 * The documents of the accompaniment generated from the record (contract or DIPC, amendment,
 * freedom-of-movement annex, attestation of the personne de confiance, personalised project,
 * summary sheet): printed as they stand now, or stored in the record as a new document, which can
 * then be signed, shared and exported like an uploaded one.
 */
export function generatedDocumentsRoutes(deps: GeneratedDocumentsDependencies): RouteDefinition[] {
  const { access, accessLog, clock } = deps;

  /** Generates, then refuses what the requester may not read, then traces the read. */
  const generate = async (
    context: RequestContext,
    where: z.infer<typeof params>,
    kind: GeneratedDocumentKind,
    options: z.infer<typeof which>,
  ) => {
    const principal = await access.principal(context, where.organisationId);
    const scope = { organisationId: where.organisationId, serviceUserId: where.serviceUserId };
    const generated: GeneratedDocument = await generateAccompanimentDocument(
      deps.sources,
      {
        ...where,
        kind,
        ...options,
        requestedBy: principal.professionalId,
        mayRead: (facilityId, sensitivity) =>
          decideAccess(principal, 'read', { ...scope, facilityId, sensitivity }).allowed,
      },
      clock(),
    );
    access.check(principal, 'read', { ...scope, facilityId: where.facilityId, sensitivity: generated.sensitivity });
    await accessLog.recordReadBy(principal, context.correlationId, {
      serviceUserId: where.serviceUserId,
      facilityId: where.facilityId,
      resource: `generated-document:${kind}`,
      sensitivities: [generated.sensitivity],
      purpose: 'care',
    });
    return { principal, generated };
  };

  return [
    defineQuery({
      path: `${BASE}/generated/:kind`,
      summary:
        'Éditer un document de l’accompagnement en PDF, tel que le dossier le donne aujourd’hui, sans le conserver (lecture tracée)',
      tags: [TAG],
      params: params.extend({ kind: printableKind }),
      query: which,
      produces: 'application/pdf',
      response: z.custom<Buffer>(),
      problems: ['forbidden', 'not-found', 'conflict'],
      async handler({ params: { kind, ...where }, query, context }) {
        const { generated } = await generate(context, where, kind, query);
        return {
          body: generated.pdf,
          headers: { 'Content-Disposition': `inline; filename="${generated.fileName}"` },
        };
      },
    }),

    defineCommand({
      path: `${BASE}/generated`,
      summary:
        'Générer un document de l’accompagnement et le conserver au dossier (il pourra être signé, partagé, exporté)',
      tags: [TAG],
      status: 201,
      params,
      body: which.extend({ kind: printableKind }),
      response: z.object({
        documentId: z.uuid(),
        title: z.string(),
        version: z.int(),
        contentSha256: z.string(),
        byteLength: z.int(),
        revision: z.int(),
      }),
      problems: ['forbidden', 'not-found', 'conflict', 'domain-rule-violated'],
      async handler({ params: where, body: { kind, ...options }, context }) {
        const { principal, generated } = await generate(context, where, kind, options);
        if (!generated.storable) {
          throw new HttpProblem('conflict', 'Ce document se remet à la personne : il n’est pas conservé au dossier.');
        }
        const stored = await storeGeneratedDocument(deps, {
          principal,
          context,
          ...where,
          kind,
          title: generated.title,
          sensitivity: generated.sensitivity,
          pdf: generated.pdf,
          fileName: generated.fileName,
        });
        return { status: 201, body: { ...stored, title: generated.title }, revision: stored.revision };
      },
    }),
  ];
}
