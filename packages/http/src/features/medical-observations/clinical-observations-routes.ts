import {
  CLINICAL_OBSERVATION_AUTHORS,
  type ClinicalObservationCommand,
  clinicalObservationDecider,
  clinicalObservationStreamId,
  externalObservationChannelSchema,
  observationWithdrawalKindSchema,
  type Principal,
  type Role,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import { type ClinicalObservationView, clinicalObservationById, clinicalObservationsOf } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

const TAG = 'Observations médicales';
const instant = z.iso.datetime({ offset: true });
const observationParams = organisationParams.extend({ observationId: z.uuid() });
const text = z.string().trim().min(1).max(20_000);
const title = z.string().trim().min(1).max(300);
const reason = z.string().trim().min(1).max(1_000);
const accepted = z.object({ observationId: z.uuid(), revision: z.int() });

const observationSchema = z.object({
  observationId: z.uuid(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  origin: z.enum(['clinician', 'external']),
  author: z.object({ professionalId: z.string(), profession: z.enum(CLINICAL_OBSERVATION_AUTHORS) }).nullable(),
  source: z
    .object({
      senderName: z.string(),
      senderIdentifier: z.string().nullable(),
      channel: externalObservationChannelSchema,
      /** Null when the content is withheld. */
      documentReference: z.string().nullable(),
    })
    .nullable(),
  datedAt: z.string(),
  /** Null when untitled, or when the content is withheld. */
  title: z.string().nullable(),
  /** Null when the content is withheld (withdrawn as filed in the wrong record). */
  text: z.string().nullable(),
  status: z.enum(['current', 'withdrawn']),
  amendments: z.int(),
  lastAmendmentReason: z.string().nullable(),
  /** Who amended it last, and when: the author wrote only what was there before. */
  amendedBy: z
    .object({ professionalId: z.string(), profession: z.enum(CLINICAL_OBSERVATION_AUTHORS).nullable() })
    .nullable(),
  amendedAt: z.string().nullable(),
  /** `wrong-record`, `duplicate` or `other`; null while current, or for a withdrawal older than kinds. */
  withdrawalKind: observationWithdrawalKindSchema.nullable(),
  withdrawalReason: z.string().nullable(),
  withdrawnBy: z.string().nullable(),
  withdrawnAt: z.string().nullable(),
  /** True once withdrawn as another person's data: title, text, reasons and document reference are withheld. */
  contentWithheld: z.boolean(),
  revision: z.int(),
});

export interface ClinicalObservationsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the clinical_observations projection. */
  clinicalObservationsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * Medical observations (medical data): written by a doctor or a nurse of the care team, or received
 * from outside (the command the MSSanté and DMP adapters call, offered here for documents received
 * otherwise), amended (clinicians' only; the amender is named in every read) or withdrawn with a
 * kind and a reason, and read, each read traced. One withdrawn as filed in the wrong record is read
 * without its content: it is another person's data.
 */
export function clinicalObservationsRoutes(deps: ClinicalObservationsDependencies): RouteDefinition[] {
  const { store, knex, clinicalObservationsSchema, access, accessLog, clock } = deps;

  const findObservation = async (organisationId: string, observationId: string) => {
    const observation = await clinicalObservationById(knex, clinicalObservationsSchema, {
      organisationId,
      observationId,
    });
    // an observation of another tenant, or of a forgotten usager, is not there
    if (!observation) throw new HttpProblem('not-found', 'Cette observation n’existe pas.');
    return observation;
  };

  /** The clinician profession the caller writes under in this ESSMS: a doctor's first, else a nurse's. */
  const clinicianIn = (principal: Principal, facilityId: string): Role => {
    const held = access.rolesIn(principal, facilityId);
    const profession = CLINICAL_OBSERVATION_AUTHORS.find((role) => held.includes(role));
    if (profession === undefined) {
      throw new HttpProblem('forbidden', 'Les observations médicales sont écrites par un médecin ou un infirmier.');
    }
    return profession;
  };

  const decide = async (
    principal: Principal,
    context: RequestContext,
    observationId: string,
    command: ClinicalObservationCommand,
    where: { facilityId: string; serviceUserId: string },
    expectedRevision: number | 'noStream' | undefined,
  ) => {
    const { revision } = await professionalCommand(store, access, clinicalObservationDecider, {
      principal,
      context,
      streamId: clinicalObservationStreamId(principal.organisationId, observationId),
      command,
      where,
      expectedRevision,
    });
    return { body: { observationId, revision }, revision };
  };

  const medical = (principal: Principal, where: { facilityId: string; serviceUserId: string }) => ({
    organisationId: principal.organisationId,
    ...where,
    sensitivity: 'medical' as const,
  });

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
        sensitivities: ['medical'],
        purpose: 'care',
      },
    });

  /** Amendments and withdrawals: by a clinician who may write the usager's medical data. */
  const onExisting = async (
    principal: Principal,
    context: RequestContext,
    observationId: string,
    command: (profession: Role) => ClinicalObservationCommand,
    expectedRevision: number | undefined,
  ) => {
    const observation: ClinicalObservationView = await findObservation(principal.organisationId, observationId);
    const where = { facilityId: observation.facilityId, serviceUserId: observation.serviceUserId };
    access.check(principal, 'write', medical(principal, where));
    const profession = clinicianIn(principal, where.facilityId);
    return decide(principal, context, observationId, command(profession), where, expectedRevision);
  };

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/clinical-observations',
      summary: 'Écrire une observation médicale sur l’usager (médecin ou infirmier de l’équipe)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        observationId: z.uuid(),
        facilityId: identifier,
        /** When the observation was made; now by default. */
        observedAt: instant.optional(),
        title: title.optional(),
        text,
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'write', medical(principal, where));
        const profession = clinicianIn(principal, body.facilityId);
        const now = clock().toISOString();
        const answer = await decide(
          principal,
          context,
          body.observationId,
          {
            type: 'RecordClinicalObservation',
            observationId: body.observationId,
            ...where,
            author: { professionalId: principal.professionalId, profession },
            observedAt: body.observedAt ?? now,
            ...(body.title === undefined ? {} : { title: body.title }),
            text: body.text,
            now,
          },
          where,
          'noStream',
        );
        return { ...answer, status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/external-observations',
      summary: 'Verser au dossier une observation reçue de l’extérieur (MSSanté, DMP, courrier), avec sa source',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        observationId: z.uuid(),
        facilityId: identifier,
        sender: z.object({
          name: z.string().trim().min(1).max(300),
          /** RPPS, FINESS, MSSanté address… */
          identifier: z.string().trim().min(1).max(300).optional(),
        }),
        channel: externalObservationChannelSchema,
        receivedAt: instant,
        documentReference: z.string().trim().min(1).max(500),
        title,
        text,
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'write', medical(principal, where));
        const answer = await decide(
          principal,
          context,
          body.observationId,
          {
            type: 'ReceiveExternalObservation',
            observationId: body.observationId,
            ...where,
            source: {
              senderName: body.sender.name,
              ...(body.sender.identifier === undefined ? {} : { senderIdentifier: body.sender.identifier }),
              channel: body.channel,
              documentReference: body.documentReference,
            },
            receivedAt: body.receivedAt,
            title: body.title,
            text: body.text,
            now: clock().toISOString(),
          },
          where,
          'noStream',
        );
        return { ...answer, status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/clinical-observations/:observationId/amendments',
      summary: 'Modifier une observation écrite ici, en disant pourquoi (If-Match : la révision lue)',
      tags: [TAG],
      params: observationParams,
      ifMatch: 'required',
      body: z.object({ reason, title: title.optional(), text }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return onExisting(
          principal,
          context,
          params.observationId,
          (profession) => ({
            type: 'AmendClinicalObservation',
            profession,
            reason: body.reason,
            ...(body.title === undefined ? {} : { title: body.title }),
            text: body.text,
          }),
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/clinical-observations/:observationId/withdrawals',
      summary:
        'Retirer une observation (mauvais dossier : son contenu n’est plus montré ; doublon ; autre erreur), en disant pourquoi (If-Match : la révision lue)',
      tags: [TAG],
      params: observationParams,
      ifMatch: 'required',
      body: z.object({ kind: observationWithdrawalKindSchema, reason }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return onExisting(
          principal,
          context,
          params.observationId,
          () => ({ type: 'WithdrawClinicalObservation', kind: body.kind, reason: body.reason }),
          expectedRevision,
        );
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/clinical-observations/:observationId',
      summary: 'Lire une observation médicale (ETag : sa révision ; lecture tracée)',
      tags: [TAG],
      params: observationParams,
      response: observationSchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const observation = await findObservation(params.organisationId, params.observationId);
        const where = { facilityId: observation.facilityId, serviceUserId: observation.serviceUserId };
        access.check(principal, 'read', medical(principal, where));
        await traceRead(principal, { ...where, resource: 'clinical-observation' }, context.correlationId);
        return { body: observation, revision: observation.revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/clinical-observations',
      summary:
        'Les observations médicales de l’usager dans un ESSMS, écrites ici et reçues, les plus récentes d’abord (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier }),
      response: z.object({ observations: z.array(observationSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: query.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'read', medical(principal, where));
        const observations = await clinicalObservationsOf(knex, clinicalObservationsSchema, {
          organisationId: params.organisationId,
          ...where,
        });
        await traceRead(principal, { ...where, resource: 'clinical-observations' }, context.correlationId);
        return { body: { observations } };
      },
    }),
  ];
}
