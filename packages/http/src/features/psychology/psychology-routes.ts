import {
  APPOINTMENT_CANCELLERS,
  decideAccess,
  MAX_APPOINTMENT_MINUTES,
  MAX_ASSESSMENT_TOOLS,
  MIN_APPOINTMENT_MINUTES,
  type Principal,
  type PsychologicalAssessmentCommand,
  type PsychologistAppointmentCommand,
  psychologicalAssessmentDecider,
  psychologicalAssessmentStreamId,
  psychologistAppointmentDecider,
  psychologistAppointmentStreamId,
} from '@dui-pds/domain';
import { type EventStore, handleCommand } from '@dui-pds/eventstore';
import {
  psychologicalAssessmentById,
  psychologicalAssessmentsOf,
  psychologistAppointmentById,
  psychologistAppointments,
  psychologistNotesOf,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { refuseAfterDeath } from '../accompaniment-end.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { facilityParams, identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

const TAG = 'Psychologie';
const instant = z.iso.datetime({ offset: true });
const day = z.iso.date();
const appointmentParams = organisationParams.extend({ appointmentId: z.uuid() });
const assessmentParams = organisationParams.extend({ assessmentId: z.uuid() });
const minutes = z.int().min(MIN_APPOINTMENT_MINUTES).max(MAX_APPOINTMENT_MINUTES);
const tools = z.array(z.string().max(200)).max(MAX_ASSESSMENT_TOOLS);
const conclusions = z.string().trim().min(1).max(20_000);
const reason = z.string().trim().min(1).max(1_000);

const appointmentSchema = z.object({
  appointmentId: z.uuid(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  psychologistId: z.string(),
  startsAt: z.string(),
  durationMinutes: z.int(),
  location: z.string().nullable(),
  status: z.enum(['planned', 'held', 'missed', 'cancelled']),
  cancelledBy: z.enum(APPOINTMENT_CANCELLERS).nullable(),
  cancelReason: z.string().nullable(),
  reschedulings: z.int(),
  revision: z.int(),
});
const assessmentSchema = z.object({
  assessmentId: z.uuid(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  psychologistId: z.string(),
  assessedOn: z.string(),
  tools: z.array(z.string()),
  conclusions: z.string(),
  amendments: z.int(),
  lastAmendmentReason: z.string().nullable(),
  revision: z.int(),
});
const noteSchema = z.object({
  noteId: z.uuid(),
  authorId: z.string(),
  writtenAt: z.string(),
  amendedAt: z.string().nullable(),
  text: z.string(),
  revision: z.int(),
});

export interface PsychologyDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the psychology projection. */
  psychologySchema: string;
  /** The read schema of the record_notes projection: the psychologists' notes are record notes. */
  recordNotesSchema: string;
  /** The read schema of the accompaniment_exits projection: no appointment is planned past a usager's death. */
  accompanimentExitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * The psychologists' module: appointments (plan, reschedule, cancel, held or missed),
 * psychological assessments (bilans), and the usager's psychological file with the psychologists'
 * notes. All of it is psychological data: written by the psychologists of the care team, read by
 * them and by the members of the team whom the usager allowed (ACCESS_MATRIX); every read traced.
 * The notes themselves are written with the record notes routes, class `psychological`.
 */
export function psychologyRoutes(deps: PsychologyDependencies): RouteDefinition[] {
  const { store, knex, psychologySchema, recordNotesSchema, accompanimentExitsSchema, access, accessLog, clock } = deps;

  const psychological = (principal: Principal, where: { facilityId: string; serviceUserId: string }) => ({
    organisationId: principal.organisationId,
    facilityId: where.facilityId,
    serviceUserId: where.serviceUserId,
    sensitivity: 'psychological' as const,
  });

  const findAppointment = async (organisationId: string, appointmentId: string) => {
    const appointment = await psychologistAppointmentById(knex, psychologySchema, { organisationId, appointmentId });
    // an appointment of another tenant, or of a forgotten usager, is not there
    if (!appointment) throw new HttpProblem('not-found', 'Ce rendez-vous n’existe pas.');
    return appointment;
  };

  /** An appointment planned (or moved) to a day after the usager's death is refused. */
  const refuseAfterDeathOf = (organisationId: string, serviceUserId: string, startsAt: string) =>
    refuseAfterDeath(
      knex,
      accompanimentExitsSchema,
      { organisationId, serviceUserId },
      'aucun rendez-vous ne se planifie plus avec lui après ce jour.',
      { actDay: parisDay.format(new Date(startsAt)) },
    );

  const findAssessment = async (organisationId: string, assessmentId: string) => {
    const assessment = await psychologicalAssessmentById(knex, psychologySchema, { organisationId, assessmentId });
    if (!assessment) throw new HttpProblem('not-found', 'Ce bilan n’existe pas.');
    return assessment;
  };

  const onAppointment = async (
    principal: Principal,
    context: RequestContext,
    appointmentId: string,
    command: PsychologistAppointmentCommand,
    expectedRevision: number | undefined,
  ) => {
    const appointment = await findAppointment(principal.organisationId, appointmentId);
    access.check(principal, 'write', psychological(principal, appointment));
    if (command.type === 'ReschedulePsychologistAppointment') {
      await refuseAfterDeathOf(principal.organisationId, appointment.serviceUserId, command.startsAt);
    }
    const { revision } = await professionalCommand(store, access, psychologistAppointmentDecider, {
      principal,
      context,
      streamId: psychologistAppointmentStreamId(principal.organisationId, appointmentId),
      command,
      where: appointment,
      expectedRevision,
    });
    return { body: { appointmentId, revision }, revision };
  };

  const traceRead = (
    principal: Principal,
    read: { facilityId: string; serviceUserId: string; resource: string },
    correlationId: string,
  ) =>
    accessLog.recordRead({
      organisationId: principal.organisationId,
      professionalId: principal.professionalId,
      correlationId,
      read: {
        serviceUserId: read.serviceUserId,
        facilityId: read.facilityId,
        roles: access.rolesIn(principal, read.facilityId),
        resource: read.resource,
        sensitivities: ['psychological'],
        purpose: 'care',
      },
    });

  const appointmentAccepted = z.object({ appointmentId: z.uuid(), revision: z.int() });
  const assessmentAccepted = z.object({ assessmentId: z.uuid(), revision: z.int() });

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/psychologist-appointments',
      summary: 'Planifier un rendez-vous de l’usager avec soi, psychologue de l’équipe',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        appointmentId: z.uuid(),
        facilityId: identifier,
        startsAt: instant,
        durationMinutes: minutes,
        location: z.string().max(200).optional(),
      }),
      response: appointmentAccepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'write', psychological(principal, where));
        await refuseAfterDeathOf(params.organisationId, params.serviceUserId, body.startsAt);
        const result = await handleCommand(store, psychologistAppointmentDecider, {
          streamId: psychologistAppointmentStreamId(params.organisationId, body.appointmentId),
          commandId: access.commandId(principal, context),
          command: {
            type: 'PlanPsychologistAppointment',
            appointmentId: body.appointmentId,
            ...where,
            psychologistId: principal.professionalId,
            startsAt: body.startsAt,
            durationMinutes: body.durationMinutes,
            ...(body.location === undefined ? {} : { location: body.location }),
            now: clock().toISOString(),
          },
          metadata: access.metadata(principal, context, where),
          expectedRevision: 'noStream',
        });
        const revision = result.nextExpectedRevision as number;
        return { status: 201, body: { appointmentId: body.appointmentId, revision }, revision };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/psychologist-appointments/:appointmentId/reschedulings',
      summary: 'Déplacer un rendez-vous à venir (nouvelle heure, durée, motif)',
      tags: [TAG],
      params: appointmentParams,
      body: z.object({ startsAt: instant, durationMinutes: minutes.optional(), reason: reason.optional() }),
      response: appointmentAccepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return onAppointment(
          principal,
          context,
          params.appointmentId,
          {
            type: 'ReschedulePsychologistAppointment',
            startsAt: body.startsAt,
            ...(body.durationMinutes === undefined ? {} : { durationMinutes: body.durationMinutes }),
            ...(body.reason === undefined ? {} : { reason: body.reason }),
            now: clock().toISOString(),
          },
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/psychologist-appointments/:appointmentId/cancellations',
      summary: 'Annuler un rendez-vous : à la demande de qui (usager, psychologue, établissement), et pourquoi',
      tags: [TAG],
      params: appointmentParams,
      body: z.object({ requestedBy: z.enum(APPOINTMENT_CANCELLERS), reason }),
      response: appointmentAccepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return onAppointment(
          principal,
          context,
          params.appointmentId,
          { type: 'CancelPsychologistAppointment', requestedBy: body.requestedBy, reason: body.reason },
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/psychologist-appointments/:appointmentId/outcomes',
      summary: 'Dire si un rendez-vous passé a eu lieu (`held`) ou a été manqué (`missed`)',
      tags: [TAG],
      params: appointmentParams,
      body: z.object({ outcome: z.enum(['held', 'missed']) }),
      response: appointmentAccepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const now = clock().toISOString();
        return onAppointment(
          principal,
          context,
          params.appointmentId,
          body.outcome === 'held'
            ? { type: 'RecordPsychologistAppointmentHeld', now }
            : { type: 'RecordPsychologistAppointmentMissed', now },
          expectedRevision,
        );
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/psychologist-appointments/:appointmentId',
      summary: 'Lire un rendez-vous avec un psychologue (ETag : sa révision ; lecture tracée)',
      tags: [TAG],
      params: appointmentParams,
      response: appointmentSchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const appointment = await findAppointment(params.organisationId, params.appointmentId);
        access.check(principal, 'read', psychological(principal, appointment));
        await traceRead(principal, { ...appointment, resource: 'psychologist-appointment' }, context.correlationId);
        return { body: appointment, revision: appointment.revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/psychologist-appointments',
      summary: 'Les rendez-vous avec les psychologues d’un ESSMS, les plus proches d’abord (lecture tracée)',
      description:
        'Par usager (`serviceUserId`), par psychologue (`psychologistId` : un agenda), du jour `from` au jour `to` ' +
        'inclus (jours à Paris). Seuls les rendez-vous des usagers dont on peut lire les données psychologiques ' +
        'sont montrés ; une lecture est tracée pour chacun de ces usagers.',
      tags: [TAG],
      params: facilityParams,
      query: z.object({
        serviceUserId: identifier.optional(),
        psychologistId: identifier.optional(),
        from: day.optional(),
        to: day.optional(),
      }),
      response: z.object({ appointments: z.array(appointmentSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId } = params;
        if (access.rolesIn(principal, facilityId).length === 0 || query.serviceUserId !== undefined) {
          // 403 with the policy's reason: no role in this ESSMS, or this usager's file closed to the caller
          access.check(
            principal,
            'read',
            psychological(principal, { facilityId, serviceUserId: query.serviceUserId ?? '' }),
          );
        }
        const readable = (serviceUserId: string) =>
          decideAccess(principal, 'read', psychological(principal, { facilityId, serviceUserId })).allowed;
        const appointments = await access.openRecordsAmong(
          organisationId,
          (
            await psychologistAppointments(knex, psychologySchema, {
              organisationId,
              facilityId,
              ...(query.serviceUserId === undefined ? {} : { serviceUserId: query.serviceUserId }),
              ...(query.psychologistId === undefined ? {} : { psychologistId: query.psychologistId }),
              ...(query.from === undefined ? {} : { from: query.from }),
              ...(query.to === undefined ? {} : { to: query.to }),
            })
          ).filter((appointment) => readable(appointment.serviceUserId)),
          (appointment) => appointment.serviceUserId,
        );
        const serviceUsers = new Set(appointments.map((appointment) => appointment.serviceUserId));
        if (query.serviceUserId !== undefined) serviceUsers.add(query.serviceUserId);
        await accessLog.recordReadsBy(
          principal,
          context.correlationId,
          [...serviceUsers].map((serviceUserId) => ({
            facilityId,
            serviceUserId,
            resource: 'psychologist-appointments',
            sensitivities: ['psychological'],
            purpose: 'care',
          })),
        );
        return { body: { appointments } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/psychological-assessments',
      summary: 'Enregistrer un bilan psychologique (jour, outils utilisés, conclusions)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({ assessmentId: z.uuid(), facilityId: identifier, assessedOn: day, tools, conclusions }),
      response: assessmentAccepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'write', psychological(principal, where));
        const result = await handleCommand(store, psychologicalAssessmentDecider, {
          streamId: psychologicalAssessmentStreamId(params.organisationId, body.assessmentId),
          commandId: access.commandId(principal, context),
          command: {
            type: 'RecordPsychologicalAssessment',
            assessmentId: body.assessmentId,
            ...where,
            psychologistId: principal.professionalId,
            assessedOn: body.assessedOn,
            tools: body.tools,
            conclusions: body.conclusions,
            today: parisDay.format(clock()),
          },
          metadata: access.metadata(principal, context, where),
          expectedRevision: 'noStream',
        });
        const revision = result.nextExpectedRevision as number;
        return { status: 201, body: { assessmentId: body.assessmentId, revision }, revision };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/psychological-assessments/:assessmentId/amendments',
      summary: 'Modifier un bilan psychologique, en disant pourquoi (If-Match : la révision lue)',
      tags: [TAG],
      params: assessmentParams,
      ifMatch: 'required',
      body: z.object({
        reason,
        assessedOn: day.optional(),
        tools: tools.optional(),
        conclusions: conclusions.optional(),
      }),
      response: assessmentAccepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const assessment = await findAssessment(params.organisationId, params.assessmentId);
        access.check(principal, 'write', psychological(principal, assessment));
        const command: PsychologicalAssessmentCommand = {
          type: 'AmendPsychologicalAssessment',
          reason: body.reason,
          ...(body.assessedOn === undefined ? {} : { assessedOn: body.assessedOn }),
          ...(body.tools === undefined ? {} : { tools: body.tools }),
          ...(body.conclusions === undefined ? {} : { conclusions: body.conclusions }),
          today: parisDay.format(clock()),
        };
        const result = await handleCommand(store, psychologicalAssessmentDecider, {
          streamId: psychologicalAssessmentStreamId(params.organisationId, params.assessmentId),
          commandId: access.commandId(principal, context),
          command,
          metadata: access.metadata(principal, context, assessment),
          ...(expectedRevision === undefined ? {} : { expectedRevision }),
        });
        const revision = result.nextExpectedRevision as number;
        return { body: { assessmentId: params.assessmentId, revision }, revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/psychological-assessments/:assessmentId',
      summary: 'Lire un bilan psychologique (ETag : sa révision ; lecture tracée)',
      tags: [TAG],
      params: assessmentParams,
      response: assessmentSchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const assessment = await findAssessment(params.organisationId, params.assessmentId);
        access.check(principal, 'read', psychological(principal, assessment));
        await traceRead(principal, { ...assessment, resource: 'psychological-assessment' }, context.correlationId);
        return { body: assessment, revision: assessment.revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/psychology',
      summary:
        'Le volet psychologique de l’usager dans un ESSMS : rendez-vous, bilans, notes des psychologues (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier }),
      response: z.object({
        appointments: z.array(appointmentSchema),
        assessments: z.array(assessmentSchema),
        notes: z.array(noteSchema),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = {
          organisationId: params.organisationId,
          facilityId: query.facilityId,
          serviceUserId: params.serviceUserId,
        };
        access.check(principal, 'read', psychological(principal, where));
        const [appointments, assessments, notes] = await Promise.all([
          psychologistAppointments(knex, psychologySchema, where),
          psychologicalAssessmentsOf(knex, psychologySchema, where),
          psychologistNotesOf(knex, recordNotesSchema, where),
        ]);
        await traceRead(principal, { ...where, resource: 'psychology' }, context.correlationId);
        return { body: { appointments, assessments, notes } };
      },
    }),
  ];
}
