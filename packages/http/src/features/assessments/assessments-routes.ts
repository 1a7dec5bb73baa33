import {
  ASSESSMENT_GRIDS,
  type AssessmentEvent,
  assessmentDecider,
  assessmentsStreamId,
  foldEvents,
  gridSexSchema,
  scoreHistory,
} from '@dui-pds/domain';
import { type EventStore, handleCommand } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { identifier, organisationParams } from '../route-parameters.js';

const accompanimentParams = organisationParams.extend({ accompanimentId: z.uuid() });

export interface AssessmentsDependencies {
  store: EventStore<Knex.Transaction>;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * Assessment grids (AUDIT, AUDIT-C, DETA, CAST, Fagerström) filled during an accompaniment, and
 * the history of their scores. They tell about a usager's health: medical data.
 */
export function assessmentsRoutes({ store, access, accessLog, clock }: AssessmentsDependencies): RouteDefinition[] {
  const assessmentsOf = async (organisationId: string, accompanimentId: string) => {
    const events = (await store.readStream(assessmentsStreamId(organisationId, accompanimentId))).map(
      (event) => ({ type: event.type, data: event.data }) as AssessmentEvent,
    );
    return { events, state: foldEvents(assessmentDecider, events) };
  };

  return [
    defineQuery({
      path: '/assessment-grids',
      summary: 'Les grilles d’évaluation disponibles : items, réponses, cotation, interprétation, version',
      tags: ['Évaluations'],
      response: z.object({
        grids: z.array(z.looseObject({ gridId: z.string(), version: z.string(), title: z.string() })),
      }),
      handler({ context }) {
        if (!context.response.locals.professional) {
          throw new HttpProblem('unauthenticated', 'Connectez-vous pour consulter les grilles.');
        }
        return { body: { grids: ASSESSMENT_GRIDS.map((grid) => ({ ...grid })) } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/assessments',
      summary:
        'Remplir une grille d’évaluation au cours de l’accompagnement (score si toutes les réponses sont données)',
      tags: ['Évaluations'],
      status: 201,
      params: accompanimentParams,
      body: z.object({
        assessmentId: z.uuid(),
        gridId: identifier,
        gridVersion: z.string().min(1).max(50),
        serviceUserId: identifier,
        facilityId: identifier,
        answers: z.record(z.string().min(1).max(100), z.string().min(1).max(100)),
        sex: gridSexSchema.optional(),
        filledAt: z.iso.datetime({ offset: true }).optional(),
      }),
      response: z.object({
        assessmentId: z.uuid(),
        complete: z.boolean(),
        score: z.int().optional(),
        interpretation: z.string().optional(),
      }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'write', {
          organisationId: params.organisationId,
          facilityId: body.facilityId,
          serviceUserId: body.serviceUserId,
          sensitivity: 'medical',
        });
        const result = await handleCommand(store, assessmentDecider, {
          streamId: assessmentsStreamId(params.organisationId, params.accompanimentId),
          commandId: access.commandId(principal, context),
          command: { type: 'RecordAssessment', ...body, filledAt: body.filledAt ?? clock().toISOString() },
          metadata: access.metadata(principal, context, {
            facilityId: body.facilityId,
            serviceUserId: body.serviceUserId,
          }),
        });
        const recorded = result.events.at(-1)?.data as { complete: boolean; score?: number; band?: { label: string } };
        return {
          status: 201,
          body: {
            assessmentId: body.assessmentId,
            complete: recorded.complete,
            ...(recorded.score === undefined ? {} : { score: recorded.score }),
            ...(recorded.band === undefined ? {} : { interpretation: recorded.band.label }),
          },
        };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/assessments',
      summary: 'L’historique des scores d’une grille au cours de l’accompagnement (lecture tracée)',
      tags: ['Évaluations'],
      params: accompanimentParams,
      query: z.object({ gridId: identifier }),
      response: z.object({
        scores: z.array(
          z.object({
            assessmentId: z.string(),
            gridVersion: z.string(),
            filledAt: z.string(),
            score: z.int(),
            interpretation: z.string(),
          }),
        ),
      }),
      problems: ['forbidden', 'not-found'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { events, state } = await assessmentsOf(params.organisationId, params.accompanimentId);
        const { serviceUserId, facilityId } = state;
        if (serviceUserId === undefined || facilityId === undefined) {
          throw new HttpProblem('not-found', 'Aucune évaluation pour cet accompagnement.');
        }
        const part = { organisationId: params.organisationId, facilityId, serviceUserId };
        access.check(principal, 'read', { ...part, sensitivity: 'medical' });
        await accessLog.recordReadBy(principal, context.correlationId, {
          serviceUserId,
          facilityId,
          resource: 'assessments',
          sensitivities: ['medical'],
          purpose: 'care',
        });
        return {
          body: {
            scores: scoreHistory(events, query.gridId).map(({ band, ...entry }) => ({
              ...entry,
              interpretation: band.label,
            })),
          },
        };
      },
    }),
  ];
}
