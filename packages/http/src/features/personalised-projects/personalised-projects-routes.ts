import {
  actionOwnerSchema,
  coConstructionSchema,
  currentProjectVersion,
  decideAccess,
  evaluationResultSchema,
  objectiveDomainSchema,
  objectiveEvaluationSchema,
  type PersonalisedProjectCommand,
  type Principal,
  personalisedProjectDecider,
  personalisedProjectStreamId,
  usagerAgreementSchema,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import {
  personalisedProject,
  personalisedProjectHeader,
  personalisedProjectsOf,
  personalisedProjectVersion,
  projectActionsDue,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import { refuseActAfterExit } from '../accompaniment-end.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

const TAG = 'Projet personnalisé';
const day = z.iso.date();
const title = z.string().trim().min(1).max(200);
const text = z.string().trim().min(1).max(4_000);
const optionalText = z.string().trim().max(4_000).optional();
const projectParams = organisationParams.extend({ projectId: z.uuid() });
const objectiveParams = projectParams.extend({ objectiveId: z.uuid() });
const actionParams = objectiveParams.extend({ actionId: z.uuid() });
const versionParams = projectParams.extend({
  version: z
    .string()
    .regex(/^[1-9]\d{0,5}$/, 'numéro de version invalide')
    .transform(Number),
});

/** Who carries out an action, as a request says it (closed objects: a misspelt key is refused). */
const actionOwnerBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('professional'), professionalId: identifier }),
  z.strictObject({ kind: z.literal('usager') }),
  z.strictObject({ kind: z.literal('partner'), partner: z.string().trim().min(1).max(200) }),
]);
const coConstructionBody = z.strictObject({
  meetingOn: day,
  usagerPresent: z.boolean(),
  usagerWords: optionalText,
  usagerAgreement: usagerAgreementSchema,
  absenceReason: optionalText,
});
const objectiveBody = { title, description: optionalText, domain: objectiveDomainSchema };
const actionBody = { what: text, who: actionOwnerBody, deadline: day };

const accepted = z.object({ projectId: z.uuid(), version: z.int(), revision: z.int() });

const actionView = z.object({
  actionId: z.string(),
  what: z.string(),
  who: actionOwnerSchema,
  deadline: z.string(),
  completedOn: z.string().nullable(),
});
const objectiveView = z.object({
  objectiveId: z.string(),
  title: z.string(),
  description: z.string(),
  domain: objectiveDomainSchema,
  actions: z.array(actionView),
  evaluations: z.array(objectiveEvaluationSchema),
  lastEvaluation: objectiveEvaluationSchema.nullable(),
});
const versionStatus = z.enum(['draft', 'validated']);
const versionSummary = z.object({
  version: z.int(),
  status: versionStatus,
  openedFrom: z.int().nullable(),
  validatedOn: z.string().nullable(),
  validatedBy: z.string().nullable(),
  coConstruction: coConstructionSchema.nullable(),
});
const projectHeader = z.object({
  projectId: z.string(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  accompanimentId: z.string(),
  startedOn: z.string(),
  startedBy: z.string(),
  revision: z.int(),
});

export interface PersonalisedProjectsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the personalised_projects projection. */
  personalisedProjectsSchema: string;
  /** The read schema of the accompaniment_exits projection: no project opens nor is validated past an exit. */
  accompanimentExitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * The personalised project (projet personnalisé) of a usager in an accompaniment: objectives,
 * actions, evaluations, versions validated with the usager's co-construction; the project, one
 * of its versions, a usager's projects, and the actions of an ESSMS whose deadline is near or
 * passed. Social data: the care team writes and reads it, every read traced.
 *
 * Validating a version requires `If-Match`: the version frozen is the one the validator read,
 * not one a colleague changed in between.
 */
export function personalisedProjectsRoutes(deps: PersonalisedProjectsDependencies): RouteDefinition[] {
  const { store, knex, personalisedProjectsSchema, accompanimentExitsSchema, access, accessLog, clock } = deps;

  const checkWrite = (principal: Principal, where: { facilityId: string; serviceUserId: string }) =>
    access.check(principal, 'write', { organisationId: principal.organisationId, ...where, sensitivity: 'social' });

  const decide = async (
    principal: Principal,
    context: Parameters<ProfessionalAccess['commandId']>[1],
    projectId: string,
    command: PersonalisedProjectCommand,
    where: { facilityId: string; serviceUserId: string },
    expectedRevision?: number,
  ) => {
    checkWrite(principal, where);
    const { state, revision } = await professionalCommand(store, access, personalisedProjectDecider, {
      principal,
      context,
      streamId: personalisedProjectStreamId(principal.organisationId, projectId),
      command,
      where,
      expectedRevision,
    });
    const version = state.status === 'active' ? currentProjectVersion(state).version : 1;
    return { body: { projectId, version, revision }, revision };
  };

  /** Whose project it is, and where; 404 when unknown (or forgotten). */
  const projectOf = async (organisationId: string, projectId: string) => {
    const header = await personalisedProjectHeader(knex, personalisedProjectsSchema, { organisationId, projectId });
    if (header === undefined) throw new HttpProblem('not-found', 'Ce projet personnalisé n’existe pas.');
    return header;
  };

  /** Checked once the caller may write the project: a refusal tells of the exit. */
  const refuseAfterExit = (organisationId: string, accompanimentId: string, day: string) =>
    refuseActAfterExit(
      knex,
      accompanimentExitsSchema,
      { organisationId, accompanimentId },
      day,
      'personalised-project',
    );

  /** A command on an existing project, by the principal, on the project's usager and ESSMS. */
  const onProject = async (
    input: { params: { organisationId: string; projectId: string }; context: Parameters<typeof decide>[1] },
    command: (principal: Principal) => PersonalisedProjectCommand,
    expectedRevision: number | undefined,
    /** `actDay`: the day the act is dated, refused past the accompaniment's exit. */
    { status, actDay }: { status?: number; actDay?: string } = {},
  ) => {
    const principal = await access.principal(input.context, input.params.organisationId);
    const project = await projectOf(input.params.organisationId, input.params.projectId);
    const where = { facilityId: project.facilityId, serviceUserId: project.serviceUserId };
    if (actDay !== undefined) {
      checkWrite(principal, where);
      await refuseAfterExit(input.params.organisationId, project.accompanimentId, actDay);
    }
    const answer = await decide(
      principal,
      input.context,
      input.params.projectId,
      command(principal),
      where,
      expectedRevision,
    );
    return status === undefined ? answer : { ...answer, status };
  };

  const traceRead = (
    principal: Principal,
    context: { correlationId: string },
    { facilityId, serviceUserId }: { facilityId: string; serviceUserId: string },
    resource: string,
  ) =>
    accessLog.recordReadBy(principal, context.correlationId, {
      serviceUserId,
      facilityId,
      resource,
      sensitivities: ['social'],
      purpose: 'care',
    });

  const checkRead = (
    principal: Principal,
    { facilityId, serviceUserId }: { facilityId: string; serviceUserId: string },
  ) =>
    access.check(principal, 'read', {
      organisationId: principal.organisationId,
      facilityId,
      serviceUserId,
      sensitivity: 'social',
    });

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/personalised-projects',
      summary: 'Ouvrir le projet personnalisé d’un accompagnement (version 1 en brouillon)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({ projectId: z.uuid(), facilityId: identifier, accompanimentId: z.uuid(), startedOn: day }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        checkWrite(principal, where);
        await refuseAfterExit(params.organisationId, body.accompanimentId, body.startedOn);
        const answer = await decide(
          principal,
          context,
          body.projectId,
          { type: 'StartPersonalisedProject', ...body, ...where, startedBy: principal.professionalId },
          where,
        );
        return { ...answer, status: 201 };
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/personalised-projects/:projectId/objectives',
      summary: 'Ajouter un objectif au projet (intitulé, description, domaine)',
      tags: [TAG],
      status: 201,
      params: projectParams,
      body: z.object({ objectiveId: z.uuid(), ...objectiveBody }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, body, expectedRevision, context }) =>
        onProject({ params, context }, () => ({ type: 'AddObjective', ...body }), expectedRevision, { status: 201 }),
    }),
    defineCommand({
      path: '/organisations/:organisationId/personalised-projects/:projectId/objectives/:objectiveId/revisions',
      summary: 'Modifier un objectif (intitulé, description, domaine)',
      tags: [TAG],
      params: objectiveParams,
      body: z.object(objectiveBody),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, body, expectedRevision, context }) =>
        onProject(
          { params, context },
          () => ({ type: 'ReviseObjective', objectiveId: params.objectiveId, ...body }),
          expectedRevision,
        ),
    }),
    defineCommand({
      path: '/organisations/:organisationId/personalised-projects/:projectId/objectives/:objectiveId/removals',
      summary: 'Retirer un objectif de la version en cours (les versions validées le gardent)',
      tags: [TAG],
      params: objectiveParams,
      body: z.object({ reason: optionalText }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, body, expectedRevision, context }) =>
        onProject(
          { params, context },
          () => ({ type: 'RemoveObjective', objectiveId: params.objectiveId, ...body }),
          expectedRevision,
        ),
    }),
    defineCommand({
      path: '/organisations/:organisationId/personalised-projects/:projectId/objectives/:objectiveId/actions',
      summary: 'Ajouter une action à un objectif : quoi, qui (professionnel, usager ou partenaire), échéance',
      tags: [TAG],
      status: 201,
      params: objectiveParams,
      body: z.object({ actionId: z.uuid(), ...actionBody }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, body, expectedRevision, context }) =>
        onProject(
          { params, context },
          () => ({ type: 'AddAction', objectiveId: params.objectiveId, ...body }),
          expectedRevision,
          { status: 201 },
        ),
    }),
    defineCommand({
      path: '/organisations/:organisationId/personalised-projects/:projectId/objectives/:objectiveId/actions/:actionId/revisions',
      summary: 'Modifier une action : quoi, qui, échéance',
      tags: [TAG],
      params: actionParams,
      body: z.object(actionBody),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, body, expectedRevision, context }) =>
        onProject(
          { params, context },
          () => ({ type: 'ReviseAction', objectiveId: params.objectiveId, actionId: params.actionId, ...body }),
          expectedRevision,
        ),
    }),
    defineCommand({
      path: '/organisations/:organisationId/personalised-projects/:projectId/objectives/:objectiveId/actions/:actionId/completions',
      summary: 'Noter une action comme réalisée, à telle date',
      tags: [TAG],
      params: actionParams,
      body: z.object({ completedOn: day }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, body, expectedRevision, context }) =>
        onProject(
          { params, context },
          () => ({ type: 'CompleteAction', objectiveId: params.objectiveId, actionId: params.actionId, ...body }),
          expectedRevision,
        ),
    }),
    defineCommand({
      path: '/organisations/:organisationId/personalised-projects/:projectId/objectives/:objectiveId/evaluations',
      summary:
        'Évaluer un objectif : date, résultat (atteint, partiellement, non atteint, abandonné, en cours), commentaire',
      tags: [TAG],
      status: 201,
      params: objectiveParams,
      body: z.object({ evaluatedOn: day, result: evaluationResultSchema, comment: optionalText }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, body, expectedRevision, context }) =>
        onProject(
          { params, context },
          (principal) => ({
            type: 'EvaluateObjective',
            objectiveId: params.objectiveId,
            ...body,
            evaluatedBy: principal.professionalId,
          }),
          expectedRevision,
          { status: 201 },
        ),
    }),
    defineCommand({
      path: '/organisations/:organisationId/personalised-projects/:projectId/validations',
      summary:
        'Valider la version en cours avec la co-construction de l’usager (rencontre, présence, paroles, accord ; sinon motif de son absence) — If-Match : la révision lue',
      tags: [TAG],
      params: projectParams,
      ifMatch: 'required',
      body: z.object({ validatedOn: day, coConstruction: coConstructionBody }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, body, expectedRevision, context }) =>
        onProject(
          { params, context },
          (principal) => ({ type: 'ValidateVersion', ...body, validatedBy: principal.professionalId }),
          expectedRevision,
          { actDay: body.validatedOn },
        ),
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/personalised-projects',
      summary: 'Les projets personnalisés d’un usager dans un ESSMS (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier }),
      response: z.object({
        projects: z.array(
          z.object({
            projectId: z.string(),
            accompanimentId: z.string(),
            startedOn: z.string(),
            currentVersion: z.int(),
            currentStatus: versionStatus,
            lastValidatedOn: z.string().nullable(),
            revision: z.int(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: query.facilityId, serviceUserId: params.serviceUserId };
        checkRead(principal, where);
        const projects = await personalisedProjectsOf(knex, personalisedProjectsSchema, {
          organisationId: params.organisationId,
          ...where,
        });
        await traceRead(principal, context, where, 'personalised-projects');
        return { body: { projects } };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/personalised-projects/:projectId',
      summary:
        'Le projet personnalisé : la version en cours (brouillon ou dernière validée), ses objectifs, actions et dernière évaluation, et l’historique des versions (ETag ; lecture tracée)',
      tags: [TAG],
      params: projectParams,
      response: projectHeader.extend({
        current: z.object({ version: z.int(), status: versionStatus, objectives: z.array(objectiveView) }),
        versions: z.array(versionSummary),
      }),
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const project = await personalisedProject(knex, personalisedProjectsSchema, params);
        if (project === undefined) throw new HttpProblem('not-found', 'Ce projet personnalisé n’existe pas.');
        checkRead(principal, project);
        await traceRead(principal, context, project, 'personalised-project');
        return { body: project, revision: project.revision };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/personalised-projects/:projectId/versions/:version',
      summary:
        'Une version du projet personnalisé : validée, telle qu’elle a été validée ; ou le brouillon (lecture tracée)',
      tags: [TAG],
      params: versionParams,
      response: versionSummary.extend({ project: projectHeader, objectives: z.array(objectiveView) }),
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const version = await personalisedProjectVersion(knex, personalisedProjectsSchema, params);
        if (version === undefined) {
          throw new HttpProblem('not-found', 'Cette version du projet personnalisé n’existe pas.');
        }
        checkRead(principal, version.project);
        await traceRead(principal, context, version.project, 'personalised-project-version');
        return { body: version };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/personalised-project-actions-due',
      summary:
        'Les actions des projets personnalisés d’un ESSMS dont l’échéance est passée ou proche, la plus ancienne d’abord (lecture tracée)',
      tags: [TAG],
      params: organisationParams.extend({ facilityId: identifier }),
      query: z.object({
        today: day.optional(),
        withinDays: z
          .string()
          .regex(/^\d{1,3}$/, 'nombre de jours invalide')
          .transform(Number)
          .optional(),
      }),
      response: z.object({
        actions: z.array(
          z.object({
            projectId: z.string(),
            serviceUserId: z.string(),
            objectiveId: z.string(),
            objectiveTitle: z.string(),
            actionId: z.string(),
            what: z.string(),
            who: actionOwnerSchema,
            deadline: z.string(),
            warning: z.enum(['due-soon', 'overdue']),
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
            await projectActionsDue(knex, personalisedProjectsSchema, {
              organisationId,
              facilityId,
              today: query.today ?? parisDay.format(clock()),
              ...(query.withinDays === undefined ? {} : { withinDays: query.withinDays }),
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
            resource: 'personalised-project-actions',
            sensitivities: ['social'],
            purpose: 'care',
          })),
        );
        return { body: { actions } };
      },
    }),
  ];
}
