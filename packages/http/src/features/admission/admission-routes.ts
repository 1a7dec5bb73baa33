import {
  type AdmissionApplication,
  type AdmissionApplicationCommand,
  admissionApplicationDecider,
  admissionApplicationStreamId,
  admissionPrioritySchema,
  contactModeSchema,
  decideAccess,
  type Principal,
} from '@dui-pds/domain';
import { type EventStore, foldStream, handleCommand } from '@dui-pds/eventstore';
import { waitingList } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { identifier, organisationParams } from '../route-parameters.js';

const applicationParams = organisationParams.extend({ applicationId: z.uuid() });
const instant = z.iso.datetime({ offset: true });
const reason = z.string().trim().min(1).max(1_000);
const accepted = z.object({ applicationId: z.uuid(), revision: z.int() });

export interface AdmissionDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the waiting_list projection. */
  waitingListSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * Applications for admission and the waiting lists of the organisation's ESSMS. Admission is
 * administrative data: the secretariat and the direction of each ESSMS concerned handle it.
 */
export function admissionRoutes(deps: AdmissionDependencies): RouteDefinition[] {
  const { store, knex, waitingListSchema, access, accessLog, clock } = deps;

  const applicationOf = async (
    applicationId: string,
  ): Promise<Extract<AdmissionApplication, { facilities: unknown }>> => {
    const application = await foldStream(
      store,
      admissionApplicationDecider,
      admissionApplicationStreamId(applicationId),
    );
    if (application.status === 'none' || application.serviceUserId === undefined) {
      // none, or its usager was forgotten: nothing more is decided on it
      throw new HttpProblem('not-found', 'Cette candidature n’existe pas.');
    }
    return application;
  };

  /** Writes on an application need the right to write administrative data in each ESSMS it touches. */
  const checkWrite = (principal: Principal, serviceUserId: string, facilityIds: readonly string[]) => {
    for (const facilityId of facilityIds) {
      access.check(principal, 'write', {
        organisationId: principal.organisationId,
        facilityId,
        serviceUserId,
        sensitivity: 'administrative',
      });
    }
  };

  const decide = async (
    principal: Principal,
    context: Parameters<ProfessionalAccess['commandId']>[1],
    applicationId: string,
    command: AdmissionApplicationCommand,
    where: { facilityId?: string; serviceUserId: string },
  ) => {
    const result = await handleCommand(store, admissionApplicationDecider, {
      streamId: admissionApplicationStreamId(applicationId),
      commandId: access.commandId(principal, context),
      command,
      metadata: access.metadata(principal, context, where),
    });
    const revision = result.nextExpectedRevision as number;
    return { body: { applicationId, revision }, revision };
  };

  /** One of the commands on an existing application, for one ESSMS of it. */
  const facilityCommand = <Body extends z.ZodObject>(
    path: string,
    summary: string,
    body: Body,
    toCommand: (body: z.output<Body>, now: string) => AdmissionApplicationCommand,
  ) =>
    defineCommand({
      path: `/organisations/:organisationId/admission/applications/:applicationId/${path}`,
      summary,
      tags: ['Admission'],
      params: applicationParams,
      body,
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body: input, context }) {
        const principal = await access.principal(context, params.organisationId);
        const application = await applicationOf(params.applicationId);
        const command = toCommand(input, clock().toISOString());
        const facilityIds = 'facilityId' in command ? [command.facilityId] : [...application.facilities.keys()];
        const serviceUserId = application.serviceUserId!;
        checkWrite(principal, serviceUserId, facilityIds);
        return decide(principal, context, params.applicationId, command, { facilityId: facilityIds[0], serviceUserId });
      },
    });

  return [
    defineCommand({
      path: '/organisations/:organisationId/admission/applications',
      summary: 'Enregistrer une candidature (demande d’admission) pour un ou plusieurs ESSMS',
      tags: ['Admission'],
      status: 201,
      params: organisationParams,
      body: z.object({
        applicationId: z.uuid(),
        serviceUserId: identifier,
        facilityIds: z.array(identifier).min(1).max(20),
        priority: admissionPrioritySchema,
        source: z.string().trim().min(1).max(200).optional(),
        receivedAt: instant.optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        checkWrite(principal, body.serviceUserId, body.facilityIds);
        const { receivedAt, ...rest } = body;
        const answer = await decide(
          principal,
          context,
          body.applicationId,
          { type: 'ReceiveApplication', ...rest, receivedAt: receivedAt ?? clock().toISOString() },
          { facilityId: body.facilityIds[0], serviceUserId: body.serviceUserId },
        );
        return { ...answer, status: 201 };
      },
    }),
    facilityCommand(
      'waiting-list-entries',
      'Inscrire le candidat sur la liste d’attente d’un ESSMS',
      z.object({ facilityId: identifier, priority: admissionPrioritySchema.optional(), at: instant.optional() }),
      ({ facilityId, priority, at }, now) => ({
        type: 'PutOnWaitingList',
        facilityId,
        at: at ?? now,
        ...(priority ? { priority } : {}),
      }),
    ),
    facilityCommand(
      'priority-changes',
      'Changer la priorité du candidat dans un ESSMS, en disant pourquoi',
      z.object({ facilityId: identifier, priority: admissionPrioritySchema, reason }),
      (body) => ({ type: 'ChangePriority', ...body }),
    ),
    facilityCommand(
      'planned-contacts',
      'Planifier le contact avec le candidat (rendez-vous, qui, comment)',
      z.object({
        facilityId: identifier,
        contactId: z.uuid(),
        appointmentAt: instant,
        professionalId: identifier,
        mode: contactModeSchema,
      }),
      (body, now) => ({ type: 'PlanContact', ...body, at: now }),
    ),
    facilityCommand(
      'admissions',
      'Admettre le candidat dans un ESSMS, ce qui ouvre son accompagnement',
      z.object({ facilityId: identifier, accompanimentId: z.uuid(), admittedAt: instant.optional() }),
      ({ facilityId, accompanimentId, admittedAt }, now) => ({
        type: 'Admit',
        facilityId,
        accompanimentId,
        admittedAt: admittedAt ?? now,
      }),
    ),
    facilityCommand(
      'refusals',
      'Refuser la candidature dans un ESSMS, en disant pourquoi',
      z.object({ facilityId: identifier, reason }),
      ({ facilityId, reason: why }, now) => ({ type: 'Refuse', facilityId, reason: why, at: now }),
    ),
    facilityCommand(
      'withdrawals',
      'Enregistrer le retrait de la candidature par le candidat',
      z.object({ reason }),
      ({ reason: why }, now) => ({ type: 'Withdraw', reason: why, at: now }),
    ),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/waiting-list',
      summary: 'La liste d’attente d’un ESSMS, la plus urgente d’abord (lecture tracée par candidat)',
      tags: ['Admission'],
      params: organisationParams.extend({ facilityId: identifier }),
      response: z.object({
        entries: z.array(
          z.object({
            applicationId: z.string(),
            serviceUserId: z.string(),
            priority: admissionPrioritySchema,
            status: z.enum(['waiting', 'contactPlanned']),
            since: z.string(),
            contactPlannedAt: z.string().nullable(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId } = params;
        const readable = (serviceUserId: string) =>
          decideAccess(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity: 'administrative' })
            .allowed;
        if (!principal.roles.some((grant) => grant.facilityId === facilityId)) {
          access.check(principal, 'read', {
            organisationId,
            facilityId,
            serviceUserId: '-',
            sensitivity: 'administrative',
          });
        }
        const entries = await access.openRecordsAmong(
          organisationId,
          (await waitingList(knex, waitingListSchema, organisationId, facilityId)).filter((entry) =>
            readable(entry.serviceUserId),
          ),
          (entry) => entry.serviceUserId,
        );
        await accessLog.recordReads(
          entries.map((entry) => ({
            organisationId,
            professionalId: principal.professionalId,
            correlationId: context.correlationId,
            read: {
              serviceUserId: entry.serviceUserId,
              facilityId,
              roles: access.rolesIn(principal, facilityId),
              resource: 'waiting-list',
              sensitivities: ['administrative'],
              purpose: 'admission',
            },
          })),
        );
        return { body: { entries } };
      },
    }),
  ];
}
