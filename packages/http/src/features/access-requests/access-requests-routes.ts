import {
  type AccessRequestCommand,
  accessRequestDecider,
  accessRequestStreamId,
  decideAccess,
  type Principal,
  releaseMethodSchema,
  type SensitivityClass,
} from '@dui-pds/domain';
import { type EventStore, foldStream } from '@dui-pds/eventstore';
import { accessRequestsToHandle } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

export interface AccessRequestsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  accessRequestsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

const TAG = 'Demandes d’accès au dossier';
const requestParams = organisationParams.extend({ requestId: z.uuid() });
const accepted = z.object({ requestId: z.uuid(), revision: z.int() });

/**
 * Requests to access the record (L.1111-7, R.1111-1 CSP), staff side: file one on the usager's
 * behalf, record the identity check, the release (day, means) or the refusal (reason), and list
 * an ESSMS' open requests with their deadline warnings. Filing and the identity check are
 * administrative; releasing or refusing health information is a medical decision.
 */
export function accessRequestsRoutes(deps: AccessRequestsDependencies): RouteDefinition[] {
  const { store, knex, accessRequestsSchema, access, accessLog, clock } = deps;

  const decide = async (
    principal: Principal,
    context: Parameters<ProfessionalAccess['commandId']>[1],
    requestId: string,
    command: AccessRequestCommand,
    where: { facilityId: string; serviceUserId: string },
    sensitivity: SensitivityClass,
    expectedRevision?: number,
  ) => {
    access.check(principal, 'write', { organisationId: principal.organisationId, ...where, sensitivity });
    const { revision } = await professionalCommand(store, access, accessRequestDecider, {
      principal,
      context,
      streamId: accessRequestStreamId(principal.organisationId, requestId),
      command,
      where,
      expectedRevision,
    });
    return { body: { requestId, revision }, revision };
  };

  const requestOf = async (organisationId: string, requestId: string) => {
    const request = await foldStream(store, accessRequestDecider, accessRequestStreamId(organisationId, requestId));
    if (request.status === 'none' || !request.serviceUserId || !request.facilityId) {
      throw new HttpProblem('not-found', 'Cette demande d’accès n’existe pas.');
    }
    return { serviceUserId: request.serviceUserId, facilityId: request.facilityId };
  };

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/access-requests',
      summary: 'Enregistrer une demande d’accès au dossier au nom de l’usager (reçue par courrier, au guichet…)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        requestId: z.uuid(),
        facilityId: identifier,
        scope: z.string().trim().min(1).max(2_000),
        olderThanFiveYears: z.boolean(),
        receivedAt: z.iso.datetime({ offset: true }).optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        const now = clock();
        // the deadlines run from receipt: a letter received yesterday is not filed today
        const filedAt =
          body.receivedAt !== undefined && Date.parse(body.receivedAt) <= now.getTime()
            ? new Date(body.receivedAt).toISOString()
            : now.toISOString();
        const answer = await decide(
          principal,
          context,
          body.requestId,
          {
            type: 'FileAccessRequest',
            requestId: body.requestId,
            serviceUserId: params.serviceUserId,
            facilityId: body.facilityId,
            filedBy: 'staff',
            filerId: principal.professionalId,
            scope: body.scope,
            olderThanFiveYears: body.olderThanFiveYears,
            filedAt,
          },
          where,
          'administrative',
        );
        return { ...answer, status: 201 };
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/access-requests/:requestId/identity-checks',
      summary: 'Enregistrer la vérification de l’identité du demandeur (comment)',
      tags: [TAG],
      params: requestParams,
      body: z.object({ how: z.string().trim().min(1).max(500) }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = await requestOf(params.organisationId, params.requestId);
        return decide(
          principal,
          context,
          params.requestId,
          {
            type: 'CheckRequesterIdentity',
            requestId: params.requestId,
            how: body.how,
            checkedBy: principal.professionalId,
            at: clock().toISOString(),
          },
          where,
          'administrative',
          expectedRevision,
        );
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/access-requests/:requestId/releases',
      summary: 'Enregistrer la communication des informations (jour, moyen), pas avant 48 heures',
      tags: [TAG],
      params: requestParams,
      body: z.object({ releasedOn: z.iso.date(), method: releaseMethodSchema }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = await requestOf(params.organisationId, params.requestId);
        return decide(
          principal,
          context,
          params.requestId,
          {
            type: 'ReleaseRequestedInformation',
            requestId: params.requestId,
            releasedOn: body.releasedOn,
            method: body.method,
            releasedBy: principal.professionalId,
            at: clock().toISOString(),
          },
          where,
          'medical',
          expectedRevision,
        );
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/access-requests/:requestId/refusals',
      summary: 'Refuser la communication, en disant pourquoi',
      tags: [TAG],
      params: requestParams,
      body: z.object({ reason: z.string().trim().min(1).max(2_000) }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = await requestOf(params.organisationId, params.requestId);
        return decide(
          principal,
          context,
          params.requestId,
          {
            type: 'RefuseAccessRequest',
            requestId: params.requestId,
            reason: body.reason,
            refusedBy: principal.professionalId,
            at: clock().toISOString(),
          },
          where,
          'medical',
          expectedRevision,
        );
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/access-requests-to-handle',
      summary:
        'Les demandes d’accès au dossier en cours dans un ESSMS, l’échéance la plus proche d’abord, avec leur alerte (bientôt dues, en retard) (lecture tracée)',
      tags: [TAG],
      params: organisationParams.extend({ facilityId: identifier }),
      query: z.object({ at: z.iso.datetime({ offset: true }).optional() }),
      response: z.object({
        requests: z.array(
          z.object({
            requestId: z.string(),
            serviceUserId: z.string(),
            filedBy: z.enum(['service-user', 'staff']),
            scope: z.string(),
            olderThanFiveYears: z.boolean(),
            filedAt: z.string(),
            earliestRelease: z.string(),
            latestRelease: z.string(),
            identityCheckedAt: z.string().nullable(),
            warning: z.enum(['none', 'due-soon', 'overdue']),
            revision: z.int(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId } = params;
        const now = query.at === undefined ? clock() : new Date(query.at);
        const readable = (serviceUserId: string) =>
          decideAccess(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity: 'administrative' })
            .allowed;
        const requests = (
          await access.openRecordsAmong(
            organisationId,
            (
              await accessRequestsToHandle(knex, accessRequestsSchema, { organisationId, facilityId, now })
            ).filter((request) => readable(request.serviceUserId)),
            (request) => request.serviceUserId,
          )
        ).map((request) => ({
          requestId: request.requestId,
          serviceUserId: request.serviceUserId,
          filedBy: request.filedBy,
          scope: request.scope,
          olderThanFiveYears: request.olderThanFiveYears,
          filedAt: request.filedAt,
          earliestRelease: request.earliestRelease,
          latestRelease: request.latestRelease,
          identityCheckedAt: request.identityCheckedAt,
          warning: request.warning,
          revision: request.revision,
        }));
        await accessLog.recordReads(
          [...new Set(requests.map((request) => request.serviceUserId))].map((serviceUserId) => ({
            organisationId,
            professionalId: principal.professionalId,
            correlationId: context.correlationId,
            read: {
              serviceUserId,
              facilityId,
              roles: access.rolesIn(principal, facilityId),
              resource: 'access-requests',
              sensitivities: ['administrative'],
              purpose: 'care',
            },
          })),
        );
        return { body: { requests } };
      },
    }),
  ];
}
