import {
  accessibleSensitivities,
  actCatalogueDecider,
  actCatalogueStreamId,
  actDecider,
  actStreamId,
  actTypeCodeSchema,
  actTypesOf,
  type CatalogueEntry,
  DomainRuleViolation,
  MAX_ACT_DURATION_MINUTES,
  MAX_ACT_NOTE_LENGTH,
  MAX_ACT_PARTNERS,
  MAX_INTERVENTION_PARTICIPANTS,
  MIN_INTERVENTION_PARTICIPANTS,
  type Principal,
  planCollectiveIntervention,
  type RecordAct,
  type Role,
  roleSchema,
  type SensitivityClass,
  sensitivityClassSchema,
} from '@dui-pds/domain';
import { type EventStore, foldStream, handleCommand } from '@dui-pds/eventstore';
import { type ActView, actById, actCounts, actsOfServiceUser } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { partnersFromDirectory } from '../directory/directory-partners.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { facilityParams, identifier, organisationParams, serviceUserParams } from '../route-parameters.js';
import { mayAdministerActCatalogue, mayCorrectAct, professionForAct } from './act-professions.js';

const TAG = 'Actes et interventions';
const instant = z.iso.datetime({ offset: true });
const day = z.iso.date();
const actParams = organisationParams.extend({ actId: z.uuid() });
const actTypeParams = organisationParams.extend({ actTypeCode: actTypeCodeSchema });
const duration = z.int().min(1).max(MAX_ACT_DURATION_MINUTES);
const note = z.string().max(MAX_ACT_NOTE_LENGTH);
const reason = z.string().trim().min(1).max(1_000);
const accepted = z.object({ actId: z.uuid(), revision: z.int() });

const actTypeView = z.object({ code: z.string(), label: z.string(), sensitivity: sensitivityClassSchema });
const actTypeEntrySchema = actTypeView.extend({ professions: z.array(roleSchema), retired: z.boolean() });
const actSchema = z.object({
  actId: z.uuid(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  actType: actTypeView,
  performedBy: z.object({ professionalId: z.string(), profession: roleSchema }),
  performedAt: z.string(),
  durationMinutes: z.int(),
  note: z.string().nullable(),
  interventionId: z.string().nullable(),
  partners: z.array(z.object({ entryId: z.string(), name: z.string() })),
  status: z.enum(['recorded', 'cancelled']),
  cancelReason: z.string().nullable(),
  corrections: z.int(),
  revision: z.int(),
});
const countSchema = z.object({
  acts: z.int(),
  participations: z.int(),
  serviceUsers: z.int(),
  minutes: z.int(),
});
/** What an act records, beyond whom it is for: shared by individual and collective acts. */
const actFields = {
  facilityId: identifier,
  actTypeCode: actTypeCodeSchema,
  /** The profession the act is recorded under; by default the type's first one the caller holds here. */
  profession: roleSchema.optional(),
  /** When it was done; now by default. */
  performedAt: instant.optional(),
  durationMinutes: duration,
  note: note.optional(),
};

export interface ActsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the acts projection. */
  actsSchema: string;
  /** The read schema of the directory projection: the partners an act is done with are entries of it. */
  directorySchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * Acts and interventions: the organisation's catalogue of act types, an act for a usager or a
 * collective intervention, corrections and cancellations, a usager's acts (each read traced), and
 * an ESSMS' acts of a period counted by profession and type. An act's class is its type's.
 */
export function actsRoutes(deps: ActsDependencies): RouteDefinition[] {
  const { store, knex, actsSchema, directorySchema, access, accessLog, clock } = deps;

  const catalogueOf = async (organisationId: string) => {
    return foldStream(store, actCatalogueDecider, actCatalogueStreamId(organisationId));
  };

  const actTypeOf = async (organisationId: string, code: string): Promise<CatalogueEntry> => {
    const entry = (await catalogueOf(organisationId)).entries.get(code);
    if (!entry) {
      throw new DomainRuleViolation('ACT_TYPE_NOT_FOUND', 'Aucun type d’acte sous ce code dans le catalogue.', {
        code,
      });
    }
    return entry;
  };

  const findAct = async (organisationId: string, actId: string): Promise<ActView> => {
    const act = await actById(knex, actsSchema, { organisationId, actId });
    // an act of another tenant, or of a forgotten usager, is not there
    if (!act) throw new HttpProblem('not-found', 'Cet acte n’existe pas.');
    return act;
  };

  /** The ESSMS where the caller holds the role that lets them keep the catalogue: their events say they acted in it. */
  const requireCatalogueAdministrator = (principal: Principal): { facilityId: string } => {
    const grant = principal.roles.find((held) => mayAdministerActCatalogue({ roles: [held] }));
    if (!grant) {
      throw new HttpProblem('forbidden', 'Le catalogue des actes est tenu par la direction ou un administrateur.');
    }
    return { facilityId: grant.facilityId };
  };

  /** What a new act needs from the caller's rights: the write access on its class, and the profession it is recorded under. */
  const authorise = (
    principal: Principal,
    where: { facilityId: string; serviceUserIds: readonly string[] },
    actType: CatalogueEntry,
    asked: Role | undefined,
  ) => {
    for (const serviceUserId of where.serviceUserIds) {
      access.check(principal, 'write', {
        organisationId: principal.organisationId,
        facilityId: where.facilityId,
        serviceUserId,
        sensitivity: actType.sensitivity,
      });
    }
    const choice = professionForAct(principal, where.facilityId, actType, asked);
    if (!choice.ok) throw new HttpProblem('forbidden', choice.message);
    return { professionalId: principal.professionalId, profession: choice.profession };
  };

  const record = async (principal: Principal, context: RequestContext, command: RecordAct, commandId: string) => {
    const result = await handleCommand(store, actDecider, {
      streamId: actStreamId(principal.organisationId, command.actId),
      commandId,
      command,
      metadata: access.metadata(principal, context, {
        facilityId: command.facilityId,
        serviceUserId: command.serviceUserId,
      }),
      expectedRevision: 'noStream',
    });
    return result.nextExpectedRevision as number;
  };

  /** Corrections and cancellations: by whoever performs this type of act and may write its class. */
  const amend = async (
    principal: Principal,
    context: RequestContext,
    actId: string,
    command: Parameters<typeof actDecider.decide>[0],
    expectedRevision: number | undefined,
  ) => {
    const act = await findAct(principal.organisationId, actId);
    access.check(principal, 'write', {
      organisationId: principal.organisationId,
      facilityId: act.facilityId,
      serviceUserId: act.serviceUserId,
      sensitivity: act.actType.sensitivity,
    });
    // a type the catalogue no longer knows (never expected: codes are never removed) is corrected by its profession
    const actType = (await catalogueOf(principal.organisationId)).entries.get(act.actType.code) ?? {
      professions: [act.performedBy.profession],
    };
    if (!mayCorrectAct(principal, act.facilityId, actType)) {
      throw new HttpProblem(
        'forbidden',
        'Seuls les professionnels qui réalisent ce type d’acte le corrigent ou l’annulent.',
      );
    }
    const { revision } = await professionalCommand(store, access, actDecider, {
      principal,
      context,
      streamId: actStreamId(principal.organisationId, actId),
      command,
      where: { facilityId: act.facilityId, serviceUserId: act.serviceUserId },
      expectedRevision,
    });
    return { body: { actId, revision }, revision };
  };

  const traceRead = (
    principal: Principal,
    read: { facilityId: string; serviceUserId: string; resource: string; sensitivities: SensitivityClass[] },
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
        sensitivities: read.sensitivities,
        purpose: 'care',
      },
    });

  return [
    defineQuery({
      path: '/organisations/:organisationId/act-types',
      summary: 'Le catalogue des types d’actes de l’organisme (retirés compris sur demande)',
      tags: [TAG],
      params: organisationParams,
      query: z.object({ includeRetired: z.enum(['true', 'false']).optional() }),
      response: z.object({ actTypes: z.array(actTypeEntrySchema) }),
      async handler({ params, query, context }) {
        await access.principal(context, params.organisationId);
        const catalogue = await catalogueOf(params.organisationId);
        const actTypes = actTypesOf(catalogue, { includeRetired: query.includeRetired === 'true' });
        return { body: { actTypes } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/act-types',
      summary: 'Ajouter un type d’acte au catalogue (code, libellé, professions, classe de sensibilité)',
      tags: [TAG],
      status: 201,
      params: organisationParams,
      body: z.object({
        actTypeCode: actTypeCodeSchema,
        label: z.string().trim().min(1).max(200),
        professions: z.array(roleSchema).min(1).max(9),
        sensitivity: sensitivityClassSchema,
      }),
      response: z.object({ actTypeCode: z.string(), revision: z.int() }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = requireCatalogueAdministrator(principal);
        const result = await handleCommand(store, actCatalogueDecider, {
          streamId: actCatalogueStreamId(params.organisationId),
          commandId: access.commandId(principal, context),
          command: {
            type: 'AddActType',
            code: body.actTypeCode,
            label: body.label,
            professions: body.professions,
            sensitivity: body.sensitivity,
          },
          metadata: access.metadata(principal, context, where),
        });
        const revision = result.nextExpectedRevision as number;
        return { status: 201, body: { actTypeCode: body.actTypeCode, revision } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/act-types/:actTypeCode/retirements',
      summary: 'Retirer un type d’acte du catalogue, en disant pourquoi (ses actes passés le gardent)',
      tags: [TAG],
      params: actTypeParams,
      body: z.object({ reason }),
      response: z.object({ actTypeCode: z.string(), revision: z.int() }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = requireCatalogueAdministrator(principal);
        const result = await handleCommand(store, actCatalogueDecider, {
          streamId: actCatalogueStreamId(params.organisationId),
          commandId: access.commandId(principal, context),
          command: { type: 'RetireActType', code: params.actTypeCode, reason: body.reason },
          metadata: access.metadata(principal, context, where),
        });
        const revision = result.nextExpectedRevision as number;
        return { body: { actTypeCode: params.actTypeCode, revision } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/acts',
      summary:
        'Enregistrer un acte ou une intervention réalisé pour l’usager (type du catalogue, durée, note, partenaires de son annuaire)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        actId: z.uuid(),
        ...actFields,
        /** Entries of the usager's directory in this ESSMS the act was done with (the SPIP, the GP…). */
        partnerEntryIds: z.array(z.uuid()).max(MAX_ACT_PARTNERS).optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const actType = await actTypeOf(params.organisationId, body.actTypeCode);
        const performedBy = authorise(
          principal,
          { facilityId: body.facilityId, serviceUserIds: [params.serviceUserId] },
          actType,
          body.profession,
        );
        const partners = await partnersFromDirectory(knex, directorySchema, {
          organisationId: params.organisationId,
          serviceUserId: params.serviceUserId,
          facilityId: body.facilityId,
          entryIds: body.partnerEntryIds ?? [],
        });
        const now = clock().toISOString();
        const revision = await record(
          principal,
          context,
          {
            type: 'RecordAct',
            actId: body.actId,
            serviceUserId: params.serviceUserId,
            facilityId: body.facilityId,
            actType,
            performedBy,
            performedAt: body.performedAt ?? now,
            durationMinutes: body.durationMinutes,
            ...(body.note === undefined ? {} : { note: body.note }),
            ...(partners.length === 0 ? {} : { partners }),
            now,
          },
          access.commandId(principal, context),
        );
        return { status: 201, body: { actId: body.actId, revision }, revision };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/collective-interventions',
      summary: 'Enregistrer une intervention collective : un acte par participant, de même type, heure et durée',
      description:
        `De ${MIN_INTERVENTION_PARTICIPANTS} à ${MAX_INTERVENTION_PARTICIPANTS} participants, chacun avec l’identifiant ` +
        'de son acte. Tout est vérifié avant d’écrire ; chaque acte est chiffré avec la clé de son usager.',
      tags: [TAG],
      status: 201,
      body: z.object({
        interventionId: z.uuid(),
        ...actFields,
        participants: z
          .array(z.object({ actId: z.uuid(), serviceUserId: identifier }))
          .min(MIN_INTERVENTION_PARTICIPANTS)
          .max(MAX_INTERVENTION_PARTICIPANTS),
      }),
      params: organisationParams,
      response: z.object({
        interventionId: z.uuid(),
        acts: z.array(z.object({ actId: z.uuid(), serviceUserId: z.string(), revision: z.int() })),
      }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const actType = await actTypeOf(params.organisationId, body.actTypeCode);
        const performedBy = authorise(
          principal,
          { facilityId: body.facilityId, serviceUserIds: body.participants.map((p) => p.serviceUserId) },
          actType,
          body.profession,
        );
        const now = clock().toISOString();
        const commands = planCollectiveIntervention({
          interventionId: body.interventionId,
          participants: body.participants,
          facilityId: body.facilityId,
          actType,
          performedBy,
          performedAt: body.performedAt ?? now,
          durationMinutes: body.durationMinutes,
          ...(body.note === undefined ? {} : { note: body.note }),
          now,
        });
        // every act decided before the first is written: a refusal leaves no participant's act behind
        for (const command of commands) actDecider.decide(command, actDecider.initialState());
        const base = access.commandId(principal, context);
        const acts = [];
        for (const command of commands) {
          // one command id per participant's stream, derived from the request's: a retry writes nothing twice
          const revision = await record(principal, context, command, `${base}/${command.actId}`);
          acts.push({ actId: command.actId, serviceUserId: command.serviceUserId, revision });
        }
        return { status: 201, body: { interventionId: body.interventionId, acts } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/acts/:actId/corrections',
      summary: 'Corriger un acte (heure, durée, note), en disant pourquoi (If-Match : la révision lue)',
      tags: [TAG],
      params: actParams,
      ifMatch: 'required',
      body: z.object({
        reason,
        performedAt: instant.optional(),
        durationMinutes: duration.optional(),
        note: note.optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return amend(
          principal,
          context,
          params.actId,
          { type: 'CorrectAct', ...body, now: clock().toISOString() },
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/acts/:actId/cancellations',
      summary: 'Annuler un acte saisi par erreur, en disant pourquoi (If-Match : la révision lue)',
      tags: [TAG],
      params: actParams,
      ifMatch: 'required',
      body: z.object({ reason }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return amend(principal, context, params.actId, { type: 'CancelAct', reason: body.reason }, expectedRevision);
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/acts/:actId',
      summary: 'Lire un acte (ETag : sa révision ; lecture tracée)',
      tags: [TAG],
      params: actParams,
      response: actSchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const act = await findAct(params.organisationId, params.actId);
        const sensitivity = act.actType.sensitivity;
        access.check(principal, 'read', {
          organisationId: params.organisationId,
          facilityId: act.facilityId,
          serviceUserId: act.serviceUserId,
          sensitivity,
        });
        await traceRead(principal, { ...act, resource: 'act', sensitivities: [sensitivity] }, context.correlationId);
        return { body: act, revision: act.revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/acts',
      summary:
        'Les actes de l’usager dans un ESSMS que l’on est habilité à voir, les plus récents d’abord (lecture tracée)',
      description:
        'Du jour `from` au jour `to` inclus (jours à Paris), chacun facultatif. Les actes annulés sont listés comme tels.',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier, from: day.optional(), to: day.optional() }),
      response: z.object({ acts: z.array(actSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const scope = { ...params, facilityId: query.facilityId };
        const sensitivities = accessibleSensitivities(principal, 'read', scope);
        // nothing of the usager open to them here: 403 with the policy's reason
        if (sensitivities.length === 0) access.check(principal, 'read', { ...scope, sensitivity: 'administrative' });
        const acts = await actsOfServiceUser(knex, actsSchema, {
          ...scope,
          sensitivities,
          ...(query.from === undefined ? {} : { from: query.from }),
          ...(query.to === undefined ? {} : { to: query.to }),
        });
        await traceRead(principal, { ...scope, resource: 'acts', sensitivities }, context.correlationId);
        return { body: { acts } };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/act-counts',
      summary: 'Les actes d’un ESSMS sur une période, comptés par profession et par type (sans usager nommé)',
      description:
        'Du jour `from` au jour `to` inclus (jours à Paris ; par défaut, le mois en cours). Une intervention ' +
        'collective compte pour un acte et pour autant de participations que de participants ; les actes annulés ' +
        'ne comptent pas. Réservé aux professionnels habilités dans l’ESSMS ; aucune donnée d’usager n’est lue.',
      tags: [TAG],
      params: facilityParams,
      query: z.object({ from: day.optional(), to: day.optional() }),
      response: z.object({
        from: z.string(),
        to: z.string(),
        byProfessionAndType: z.array(countSchema.extend({ profession: roleSchema, actType: actTypeView })),
        byProfession: z.array(countSchema.extend({ profession: roleSchema })),
        total: countSchema,
      }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        if (access.rolesIn(principal, params.facilityId).length === 0) {
          throw new HttpProblem('forbidden', 'Vous n’avez pas d’habilitation dans cet établissement.');
        }
        const today = parisDay.format(clock());
        const from = query.from ?? `${today.slice(0, 8)}01`;
        const to = query.to ?? today;
        if (to < from) {
          throw new DomainRuleViolation('PERIOD_INVALID', 'La fin de la période précède son début.', { from, to });
        }
        const counts = await actCounts(knex, actsSchema, { ...params, from, to });
        return { body: counts };
      },
    }),
  ];
}
