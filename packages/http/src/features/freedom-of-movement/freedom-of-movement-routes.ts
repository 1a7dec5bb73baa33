import {
  decideAccess,
  type FreedomOfMovementCommand,
  freedomOfMovementDecider,
  freedomOfMovementStreamId,
  measureOutcomeSchema,
  type Principal,
  type SensitivityClass,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import {
  deathsRecordedAmong,
  freedomOfMovementMeasure,
  measuresOfServiceUser,
  measuresToReview,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import { refuseAfterDeath } from '../accompaniment-end.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';
import { type MeasureStep, mayTakeMeasureStep } from './measure-steps.js';

const TAG = 'Liberté d’aller et venir';
const day = z.iso.date();
const text = z.string().trim().min(1).max(4_000);
const measureParams = organisationParams.extend({ measureId: z.uuid() });
const accepted = z.object({ measureId: z.uuid(), revision: z.int() });
const warningSchema = z.enum(['none', 'review-due-soon', 'review-overdue', 'usager-not-informed']);

const measureSchema = z.object({
  measureId: z.string(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  status: z.enum(['proposed', 'decided', 'lifted']),
  description: z.string(),
  /** Null when the reader may not read medical data. */
  assessment: z.string().nullable(),
  proposedBy: z.string(),
  proposedAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  reviewBy: z.string().nullable(),
  usagerInformed: z.boolean(),
  informedAt: z.string().nullable(),
  informedHow: z.string().nullable(),
  reviews: z.int(),
  lastReviewedAt: z.string().nullable(),
  lastOutcome: measureOutcomeSchema.nullable(),
  warning: warningSchema,
  revision: z.int(),
});

export interface FreedomOfMovementDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the freedom_of_movement projection. */
  freedomOfMovementSchema: string;
  /** The read schema of the accompaniment_exits projection: a usager's death ends their measures' life. */
  accompanimentExitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * Individual measures restricting a usager's freedom of movement: a doctor proposes, the director
 * decides, the usager is informed, the measure is reviewed; the measures of a usager, and those of
 * an ESSMS whose review is due.
 *
 * Two sensitivity classes, because the access matrix leaves no single one that fits: the measure
 * itself (what is restricted, who proposed and decided it when, the information of the usager, the
 * review dates) is an annex to the residence contract, administrative data that the director must
 * write to decide it (medical data is closed to the director); the multidisciplinary assessment it
 * rests on tells about the usager's health, medical data that only a doctor of the care team
 * writes (proposing needs it) and only clinicians of the team read. The director decides on the
 * measure as the doctor describes it, not on the clinical file. The roles that take each step are
 * in `measure-steps.ts`.
 *
 * Each step is dated at most today (Europe/Paris): the decider refuses a later day. Once the
 * usager's death is recorded (ADR 0028), no step dated after it is taken any more, and their
 * measures leave the list to review.
 */
/** The day a step is dated: one up to the usager's death may still be recorded late. */
function dayOfStep(command: FreedomOfMovementCommand): string {
  switch (command.type) {
    case 'ProposeMeasure':
      return command.proposedAt;
    case 'DecideMeasure':
      return command.decidedAt;
    case 'RecordUsagerInformed':
      return command.informedAt;
    case 'ReviewMeasure':
      return command.reviewedAt;
  }
}

export function freedomOfMovementRoutes(deps: FreedomOfMovementDependencies): RouteDefinition[] {
  const { store, knex, freedomOfMovementSchema, accompanimentExitsSchema, access, accessLog, clock } = deps;
  const today = () => parisDay.format(clock());

  const requireStep = (
    principal: Principal,
    step: MeasureStep,
    measure: { facilityId: string; proposedBy?: string },
  ) => {
    const answer = mayTakeMeasureStep(principal, step, measure);
    if (!answer.allowed) throw new HttpProblem('forbidden', answer.message, { extensions: { reason: 'roleForStep' } });
  };

  const decide = async (
    principal: Principal,
    context: Parameters<ProfessionalAccess['commandId']>[1],
    measureId: string,
    command: FreedomOfMovementCommand,
    where: { facilityId: string; serviceUserId: string },
    expectedRevision?: number,
  ) => {
    await refuseAfterDeath(
      knex,
      accompanimentExitsSchema,
      { organisationId: principal.organisationId, serviceUserId: where.serviceUserId },
      'aucune mesure restreignant sa liberté d’aller et venir ne se propose, ne se décide ni ne se révise plus.',
      { actDay: dayOfStep(command) },
    );
    const { revision } = await professionalCommand(store, access, freedomOfMovementDecider, {
      principal,
      context,
      streamId: freedomOfMovementStreamId(principal.organisationId, measureId),
      command,
      where,
      expectedRevision,
    });
    return { body: { measureId, revision }, revision };
  };

  /** The measure a command acts on, with whose it is and where; 404 when unknown (or forgotten). */
  const measureOf = async (organisationId: string, measureId: string) => {
    const measure = await freedomOfMovementMeasure(knex, freedomOfMovementSchema, {
      organisationId,
      measureId,
      today: today(),
    });
    if (measure === undefined) throw new HttpProblem('not-found', 'Cette mesure n’existe pas.');
    const { facilityId, serviceUserId, proposedBy } = measure;
    return { facilityId, serviceUserId, proposedBy };
  };

  const checkWrite = (
    principal: Principal,
    where: { facilityId: string; serviceUserId: string },
    sensitivity: SensitivityClass,
  ) => access.check(principal, 'write', { organisationId: principal.organisationId, ...where, sensitivity });

  const traceRead = (
    principal: Principal,
    context: { correlationId: string },
    read: { facilityId: string; serviceUserId: string; resource: string; sensitivities: SensitivityClass[] },
  ) =>
    accessLog.recordRead({
      organisationId: principal.organisationId,
      professionalId: principal.professionalId,
      correlationId: context.correlationId,
      read: { ...read, roles: access.rolesIn(principal, read.facilityId), purpose: 'care' },
    });

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/freedom-of-movement-measures',
      summary:
        'Proposer une mesure restreignant la liberté d’aller et venir de l’usager, avec l’évaluation pluridisciplinaire (médecin)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        measureId: z.uuid(),
        facilityId: identifier,
        description: text,
        assessment: text,
        proposedAt: day.optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        requireStep(principal, 'propose', where);
        checkWrite(principal, where, 'medical');
        const currentDay = today();
        const answer = await decide(
          principal,
          context,
          body.measureId,
          {
            type: 'ProposeMeasure',
            measureId: body.measureId,
            ...where,
            description: body.description,
            assessment: body.assessment,
            proposedBy: principal.professionalId,
            proposedAt: body.proposedAt ?? currentDay,
            today: currentDay,
          },
          where,
        );
        return { ...answer, status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/freedom-of-movement-measures/:measureId/decisions',
      summary: 'Décider la mesure proposée et fixer sa date de réévaluation, au plus tard 6 mois après (direction)',
      tags: [TAG],
      params: measureParams,
      body: z.object({ reviewBy: day, decidedAt: day.optional() }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const measure = await measureOf(params.organisationId, params.measureId);
        requireStep(principal, 'decide', measure);
        checkWrite(principal, measure, 'administrative');
        const currentDay = today();
        return decide(
          principal,
          context,
          params.measureId,
          {
            type: 'DecideMeasure',
            decidedBy: principal.professionalId,
            decidedAt: body.decidedAt ?? currentDay,
            today: currentDay,
            reviewBy: body.reviewBy,
          },
          measure,
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/freedom-of-movement-measures/:measureId/usager-information',
      summary: 'Enregistrer comment l’usager a été informé de la mesure décidée',
      tags: [TAG],
      params: measureParams,
      body: z.object({ how: text, informedAt: day.optional() }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const measure = await measureOf(params.organisationId, params.measureId);
        checkWrite(principal, measure, 'administrative');
        const currentDay = today();
        return decide(
          principal,
          context,
          params.measureId,
          { type: 'RecordUsagerInformed', how: body.how, informedAt: body.informedAt ?? currentDay, today: currentDay },
          measure,
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/freedom-of-movement-measures/:measureId/reviews',
      summary:
        'Réévaluer la mesure : maintenue ou modifiée (prochaine réévaluation dans les 6 mois) ou levée (médecin ou direction)',
      tags: [TAG],
      params: measureParams,
      body: z.object({ outcome: measureOutcomeSchema, nextReviewBy: day.optional(), reviewedAt: day.optional() }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const measure = await measureOf(params.organisationId, params.measureId);
        requireStep(principal, 'review', measure);
        checkWrite(principal, measure, 'administrative');
        const currentDay = today();
        return decide(
          principal,
          context,
          params.measureId,
          {
            type: 'ReviewMeasure',
            outcome: body.outcome,
            reviewedAt: body.reviewedAt ?? currentDay,
            today: currentDay,
            ...(body.nextReviewBy === undefined ? {} : { nextReviewBy: body.nextReviewBy }),
          },
          measure,
          expectedRevision,
        );
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/freedom-of-movement-measures',
      summary:
        'Les mesures de liberté d’aller et venir de l’usager dans un ESSMS, avec leur alerte ; l’évaluation pour qui peut lire le médical (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier, today: day.optional() }),
      response: z.object({ measures: z.array(measureSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: query.facilityId, serviceUserId: params.serviceUserId };
        const part = { organisationId: params.organisationId, ...where };
        access.check(principal, 'read', { ...part, sensitivity: 'administrative' });
        const readsAssessment = decideAccess(principal, 'read', { ...part, sensitivity: 'medical' }).allowed;
        const measures = await measuresOfServiceUser(knex, freedomOfMovementSchema, {
          organisationId: params.organisationId,
          ...where,
          today: query.today ?? today(),
        });
        await traceRead(principal, context, {
          ...where,
          resource: 'freedom-of-movement-measures',
          sensitivities: readsAssessment ? ['administrative', 'medical'] : ['administrative'],
        });
        return {
          body: {
            measures: measures.map((measure) => ({
              ...measure,
              assessment: readsAssessment ? measure.assessment : null,
            })),
          },
        };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/freedom-of-movement-measures-to-review',
      summary:
        'Les mesures de liberté d’aller et venir d’un ESSMS à réévaluer (dans les 15 jours ou en retard), la plus urgente d’abord (lecture tracée)',
      tags: [TAG],
      params: organisationParams.extend({ facilityId: identifier }),
      query: z.object({ today: day.optional() }),
      response: z.object({
        measures: z.array(
          z.object({
            measureId: z.string(),
            serviceUserId: z.string(),
            reviewBy: z.string(),
            usagerInformed: z.boolean(),
            warning: z.enum(['review-due-soon', 'review-overdue']),
            revision: z.int(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId } = params;
        const readable = (serviceUserId: string) =>
          decideAccess(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity: 'administrative' })
            .allowed;
        const readableMeasures = (
          await measuresToReview(knex, freedomOfMovementSchema, {
            organisationId,
            facilityId,
            today: query.today ?? today(),
          })
        ).filter((measure) => readable(measure.serviceUserId));
        // a dead usager's measures are no longer reviewed: they would stay overdue forever
        const deceased = await deathsRecordedAmong(knex, accompanimentExitsSchema, {
          organisationId,
          serviceUserIds: [...new Set(readableMeasures.map((measure) => measure.serviceUserId))],
        });
        const measures = await access.openRecordsAmong(
          organisationId,
          readableMeasures.filter((measure) => !deceased.has(measure.serviceUserId)),
          (measure) => measure.serviceUserId,
        );
        await accessLog.recordReadsBy(
          principal,
          context.correlationId,
          [...new Set(measures.map((measure) => measure.serviceUserId))].map((serviceUserId) => ({
            facilityId,
            serviceUserId,
            resource: 'freedom-of-movement-measures-to-review',
            sensitivities: ['administrative'],
            purpose: 'care',
          })),
        );
        return { body: { measures } };
      },
    }),
  ];
}
