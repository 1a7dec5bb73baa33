import {
  type AccompanimentExitCommand,
  accompanimentExitDecider,
  accompanimentExitStreamId,
  decideAccess,
  exitDestinationSchema,
  exitReasonSchema,
  type Principal,
  type SensitivityClass,
} from '@dui-pds/domain';
import { type EventStore, foldStream } from '@dui-pds/eventstore';
import { accompanimentExit, openPostExitActions } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams } from '../route-parameters.js';

const TAG = 'Sortie et suivi après la sortie';
const day = z.iso.date();
const text = z.string().trim().min(1).max(4_000);
const accompanimentParams = organisationParams.extend({ accompanimentId: z.uuid() });
const actionParams = accompanimentParams.extend({ actionId: z.uuid() });
const accepted = z.object({ accompanimentId: z.uuid(), revision: z.int() });

const exitDetails = z.object({
  exitDay: day,
  exitReason: exitReasonSchema,
  exitReasonDetails: text.optional(),
  destination: exitDestinationSchema,
  destinationDetails: text.optional(),
});

const exitSchema = z.object({
  accompanimentId: z.string(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  exitDay: z.string(),
  exitReason: exitReasonSchema,
  exitReasonDetails: z.string().nullable(),
  destination: exitDestinationSchema,
  destinationDetails: z.string().nullable(),
  corrections: z.int(),
  /** Null when the reader may not read social data. */
  followUp: z
    .object({
      status: z.enum(['open', 'closed']),
      closedDay: z.string().nullable(),
      closingNote: z.string().nullable(),
      actions: z.array(
        z.object({
          actionId: z.string(),
          description: z.string(),
          assigneeId: z.string(),
          dueDay: z.string(),
          status: z.enum(['open', 'done', 'cancelled']),
          doneDay: z.string().nullable(),
          outcome: z.string().nullable(),
          cancelReason: z.string().nullable(),
        }),
      ),
    })
    .nullable(),
  revision: z.int(),
});

export interface ExitsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the accompaniment_exits projection. */
  accompanimentExitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * The exit of a usager from an accompaniment, and the follow-up owed after it.
 *
 * The exit itself (day, reason, destination) is administrative data, like the admission it ends:
 * the secretariat and the direction record and read it for the whole ESSMS, the care team for its
 * usagers. The follow-up after it (who calls whom, the outcome of each action) is social work:
 * the care team writes and reads it, the direction reads it as a member of the team, the
 * secretariat never.
 */
export function exitsRoutes(deps: ExitsDependencies): RouteDefinition[] {
  const { store, knex, accompanimentExitsSchema, access, accessLog, clock } = deps;
  const today = () => parisDay.format(clock());

  const checkWrite = (
    principal: Principal,
    where: { facilityId: string; serviceUserId: string },
    sensitivity: SensitivityClass,
  ) => access.check(principal, 'write', { organisationId: principal.organisationId, ...where, sensitivity });

  const decide = async (
    principal: Principal,
    context: Parameters<ProfessionalAccess['commandId']>[1],
    accompanimentId: string,
    command: AccompanimentExitCommand,
    where: { facilityId: string; serviceUserId: string },
    expectedRevision?: number,
  ) => {
    const { revision } = await professionalCommand(store, access, accompanimentExitDecider, {
      principal,
      context,
      streamId: accompanimentExitStreamId(principal.organisationId, accompanimentId),
      command,
      where,
      expectedRevision,
    });
    return { body: { accompanimentId, revision }, revision };
  };

  /** Whose exit it is, and where: from its stream; 404 when none is recorded (or its usager was forgotten). */
  const exitOf = async (organisationId: string, accompanimentId: string) => {
    const exit = await foldStream(
      store,
      accompanimentExitDecider,
      accompanimentExitStreamId(organisationId, accompanimentId),
    );
    if (exit.status === 'none' || exit.serviceUserId === undefined || exit.facilityId === undefined) {
      throw new HttpProblem('not-found', 'Aucune sortie enregistrée pour cet accompagnement.');
    }
    return { facilityId: exit.facilityId, serviceUserId: exit.serviceUserId };
  };

  /** A command on the follow-up of an existing exit: social data. */
  const followUpCommand = async (
    input: {
      params: { organisationId: string; accompanimentId: string };
      expectedRevision: number | undefined;
      context: Parameters<ProfessionalAccess['commandId']>[1];
    },
    command: AccompanimentExitCommand,
    status?: number,
  ) => {
    const { params, expectedRevision, context } = input;
    const principal = await access.principal(context, params.organisationId);
    const where = await exitOf(params.organisationId, params.accompanimentId);
    checkWrite(principal, where, 'social');
    const answer = await decide(principal, context, params.accompanimentId, command, where, expectedRevision);
    return status === undefined ? answer : { ...answer, status };
  };

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
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/exit',
      summary: 'Enregistrer la sortie de l’usager : date, motif, destination',
      tags: [TAG],
      status: 201,
      params: accompanimentParams,
      body: exitDetails.extend({ serviceUserId: identifier, facilityId: identifier }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: body.serviceUserId };
        checkWrite(principal, where, 'administrative');
        const answer = await decide(
          principal,
          context,
          params.accompanimentId,
          { type: 'RecordExit', accompanimentId: params.accompanimentId, ...body },
          where,
        );
        return { ...answer, status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/exit/corrections',
      summary: 'Corriger la sortie (date, motif, destination), en disant pourquoi',
      tags: [TAG],
      params: accompanimentParams,
      body: z.object({ reason: text, exit: exitDetails }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = await exitOf(params.organisationId, params.accompanimentId);
        checkWrite(principal, where, 'administrative');
        return decide(
          principal,
          context,
          params.accompanimentId,
          { type: 'CorrectExit', reason: body.reason, exit: body.exit },
          where,
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/exit/post-exit-actions',
      summary: 'Prévoir une action de suivi après la sortie : quoi, qui, pour quand',
      tags: [TAG],
      status: 201,
      params: accompanimentParams,
      body: z.object({ actionId: z.uuid(), description: text, assigneeId: identifier, dueDay: day }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: (input) => followUpCommand(input, { type: 'PlanPostExitAction', ...input.body }, 201),
    }),

    defineCommand({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/exit/post-exit-actions/:actionId/completions',
      summary: 'Enregistrer une action de suivi comme faite, avec ce qu’elle a donné',
      tags: [TAG],
      params: actionParams,
      body: z.object({ outcome: text, doneDay: day.optional() }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: (input) =>
        followUpCommand(input, {
          type: 'RecordPostExitActionDone',
          actionId: input.params.actionId,
          outcome: input.body.outcome,
          doneDay: input.body.doneDay ?? today(),
        }),
    }),

    defineCommand({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/exit/post-exit-actions/:actionId/cancellations',
      summary: 'Annuler une action de suivi, en disant pourquoi',
      tags: [TAG],
      params: actionParams,
      body: z.object({ reason: text }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: (input) =>
        followUpCommand(input, {
          type: 'CancelPostExitAction',
          actionId: input.params.actionId,
          reason: input.body.reason,
        }),
    }),

    defineCommand({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/exit/follow-up-closures',
      summary: 'Clore le suivi après la sortie, une fois chaque action faite ou annulée',
      tags: [TAG],
      params: accompanimentParams,
      body: z.object({ note: text, closedDay: day.optional() }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: (input) =>
        followUpCommand(input, {
          type: 'ClosePostExitFollowUp',
          note: input.body.note,
          closedDay: input.body.closedDay ?? today(),
        }),
    }),

    defineQuery({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/exit',
      summary:
        'La sortie d’un accompagnement, et son suivi après la sortie pour qui peut lire le social (ETag : sa révision ; lecture tracée)',
      tags: [TAG],
      params: accompanimentParams,
      response: exitSchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const exit = await accompanimentExit(knex, accompanimentExitsSchema, params);
        if (exit === undefined)
          throw new HttpProblem('not-found', 'Aucune sortie enregistrée pour cet accompagnement.');
        const part = {
          organisationId: params.organisationId,
          facilityId: exit.facilityId,
          serviceUserId: exit.serviceUserId,
        };
        access.check(principal, 'read', { ...part, sensitivity: 'administrative' });
        const readsFollowUp = decideAccess(principal, 'read', { ...part, sensitivity: 'social' }).allowed;
        await traceRead(principal, context, {
          facilityId: exit.facilityId,
          serviceUserId: exit.serviceUserId,
          resource: 'exit',
          sensitivities: readsFollowUp ? ['administrative', 'social'] : ['administrative'],
        });
        return { body: { ...exit, followUp: readsFollowUp ? exit.followUp : null }, revision: exit.revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/post-exit-actions',
      summary: 'Les actions de suivi après la sortie encore ouvertes dans un ESSMS, en retard d’abord (lecture tracée)',
      tags: [TAG],
      params: organisationParams.extend({ facilityId: identifier }),
      query: z.object({ today: day.optional() }),
      response: z.object({
        actions: z.array(
          z.object({
            accompanimentId: z.string(),
            actionId: z.string(),
            serviceUserId: z.string(),
            description: z.string(),
            assigneeId: z.string(),
            dueDay: z.string(),
            overdue: z.boolean(),
            exitDay: z.string(),
            revision: z.int(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId } = params;
        const readable = (serviceUserId: string) =>
          decideAccess(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity: 'social' }).allowed;
        const actions = await access.openRecordsAmong(
          organisationId,
          (
            await openPostExitActions(knex, accompanimentExitsSchema, {
              organisationId,
              facilityId,
              today: query.today ?? today(),
            })
          ).filter((action) => readable(action.serviceUserId)),
          (action) => action.serviceUserId,
        );
        await accessLog.recordReadsBy(
          principal,
          context.correlationId,
          [...new Set(actions.map((action) => action.serviceUserId))].map((serviceUserId) => ({
            facilityId,
            serviceUserId,
            resource: 'post-exit-actions',
            sensitivities: ['social'],
            purpose: 'care',
          })),
        );
        return { body: { actions } };
      },
    }),
  ];
}
