import {
  ACCESS_MATRIX,
  AGE_BANDS,
  ANONYMOUS_SEXES,
  DomainRuleViolation,
  decideAccess,
  foldEvents,
  harmReductionSuppliesOf,
  harmReductionSupplyCatalogueDecider,
  harmReductionSupplyCatalogueStreamId,
  harmReductionSupplyCodeSchema,
  MAX_SUPPLY_LINES,
  MAX_SUPPLY_QUANTITY,
  MAX_SYRINGES_COLLECTED,
  type Principal,
  RAPID_TESTS,
  rapidTestResultSchema,
  rapidTestSchema,
  SYRINGE_COLLECTION_SOURCES,
  type SyringeCollectionEvent,
  syringeCollectionDecider,
  syringeCollectionStreamId,
  VISIT_SERVICES,
  type VisitCommand,
  visitDecider,
  visitServiceSchema,
  visitSettingSchema,
  visitStreamId,
} from '@dui-pds/domain';
import { type EventStore, foldStream } from '@dui-pds/eventstore';
import { type VisitView, visitById, visitsOfFacility, visitsOfServiceUser, visitTotals } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { facilityParams, identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

const TAG = 'Passages en CAARUD et matériel de réduction des risques';
const instant = z.iso.datetime({ offset: true });
const day = z.iso.date();
const reason = z.string().trim().min(1).max(1_000);
const visitParams = organisationParams.extend({ visitId: z.uuid() });
const collectionParams = organisationParams.extend({ collectionId: z.uuid() });
const supplyParams = organisationParams.extend({ supplyCode: harmReductionSupplyCodeSchema });
/** The longest period listed at once: a year, what the annual report reads. */
const MAX_PERIOD_DAYS = 366;

const anonymousTraits = z.strictObject({
  sex: z.enum(ANONYMOUS_SEXES).optional(),
  ageBand: z.enum(AGE_BANDS).optional(),
});
const supplyLine = z.object({
  supplyCode: harmReductionSupplyCodeSchema,
  quantity: z.int().min(1).max(MAX_SUPPLY_QUANTITY),
});
const rapidTestDone = z.object({ test: rapidTestSchema, result: rapidTestResultSchema });
const visitFields = {
  /** The day of the passage (in Paris); by default the day of `occurredAt`, else today. */
  occurredOn: day.optional(),
  /** Its time; now by default when no day is given either. */
  occurredAt: instant.optional(),
  setting: visitSettingSchema,
  services: z.array(visitServiceSchema).max(VISIT_SERVICES.length).optional(),
  supplies: z.array(supplyLine).max(MAX_SUPPLY_LINES).optional(),
  syringesCollected: z.int().min(0).max(MAX_SYRINGES_COLLECTED).optional(),
  rapidTests: z.array(rapidTestDone).max(RAPID_TESTS.length).optional(),
};
const supplyEntrySchema = z.object({ code: z.string(), label: z.string(), unit: z.string(), retired: z.boolean() });
const visitSchema = z.object({
  visitId: z.uuid(),
  facilityId: z.string(),
  /** Null for an anonymous passage, and in a facility's list for a usager the reader may not read. */
  serviceUserId: z.string().nullable(),
  identified: z.boolean(),
  anonymous: anonymousTraits.nullable(),
  occurredOn: z.string(),
  occurredAt: z.string().nullable(),
  setting: visitSettingSchema,
  services: z.array(visitServiceSchema),
  supplies: z.array(supplyLine),
  syringesCollected: z.int(),
  rapidTests: z.array(rapidTestDone),
  /** In a facility's list, the TROD results of a passage the reader may not read are withheld (`rapidTests` empty). */
  rapidTestsWithheld: z.boolean(),
  status: z.enum(['recorded', 'cancelled']),
  cancelReason: z.string().nullable(),
  corrections: z.int(),
  revision: z.int(),
});
const totalsSchema = z.object({
  from: z.string(),
  to: z.string(),
  visits: z.object({ total: z.int(), identified: z.int(), serviceUsers: z.int(), anonymous: z.int() }),
  bySetting: z.record(z.string(), z.int()),
  byService: z.record(z.string(), z.int()),
  supplies: z.array(z.object({ supplyCode: z.string(), quantity: z.int() })),
  syringesCollected: z.object({
    duringVisits: z.int(),
    bySource: z.record(z.string(), z.int()),
    total: z.int(),
  }),
  rapidTests: z.array(z.object({ test: rapidTestSchema, result: rapidTestResultSchema, count: z.int() })),
});
const acceptedVisit = z.object({ visitId: z.uuid(), revision: z.int() });
const acceptedCollection = z.object({ collectionId: z.uuid(), revision: z.int() });

export interface VisitsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the visits projection. */
  visitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * Passages at CAARUD (visits) and what they count: the organisation's catalogue of harm-reduction
 * supplies, a passage of an identified usager (social data of their record, written by their care
 * team) or an anonymous passage (no usager: written by whoever writes social data in the ESSMS),
 * corrections and cancellations, syringes collected outside a passage, a usager's passages (each
 * read traced) and a CAARUD's passages and totals for a day or a period.
 */
export function visitsRoutes(deps: VisitsDependencies): RouteDefinition[] {
  const { store, knex, visitsSchema, access, accessLog, clock } = deps;

  const catalogueOf = async (organisationId: string) => {
    return foldStream(store, harmReductionSupplyCatalogueDecider, harmReductionSupplyCatalogueStreamId(organisationId));
  };

  const requireCatalogueAdministrator = (principal: Principal): { facilityId: string } => {
    const grant = principal.roles.find((held) => held.role === 'director' || held.role === 'administrator');
    if (!grant) {
      throw new HttpProblem(
        'forbidden',
        'Le catalogue du matériel de réduction des risques est tenu par la direction ou un administrateur.',
      );
    }
    return { facilityId: grant.facilityId };
  };

  /**
   * What names no usager (an anonymous passage, a collection box) is written by those whose role in
   * the ESSMS writes social data: there is no record, hence no care team, to check.
   */
  const requireSocialWriterIn = (principal: Principal, facilityId: string) => {
    const roles = access.rolesIn(principal, facilityId);
    if (roles.length === 0) {
      throw new HttpProblem('forbidden', 'Vous n’avez pas d’habilitation dans cet établissement.');
    }
    if (!roles.some((role) => ACCESS_MATRIX.social[role].write !== 'never')) {
      throw new HttpProblem('forbidden', 'Votre fonction ne permet pas d’enregistrer des passages.');
    }
  };

  /** Who may record or amend a passage: the usager's care team for social data, or a social writer of the ESSMS. */
  const authorise = (principal: Principal, facilityId: string, serviceUserId: string | null | undefined) => {
    if (serviceUserId) {
      access.check(principal, 'write', {
        organisationId: principal.organisationId,
        facilityId,
        serviceUserId,
        sensitivity: 'social',
      });
    } else {
      requireSocialWriterIn(principal, facilityId);
    }
  };

  const findVisit = async (organisationId: string, visitId: string): Promise<VisitView> => {
    const visit = await visitById(knex, visitsSchema, { organisationId, visitId });
    if (!visit) throw new HttpProblem('not-found', 'Ce passage n’existe pas.');
    return visit;
  };

  /** The day of a passage: the day asked, or that of its time in Paris; both given must agree. */
  const dayAndTime = (occurredOn: string | undefined, occurredAt: string | undefined) => {
    const dayOfTime = occurredAt === undefined ? undefined : parisDay.format(new Date(occurredAt));
    if (occurredOn !== undefined && dayOfTime !== undefined && occurredOn !== dayOfTime) {
      throw new DomainRuleViolation(
        'VISIT_DAY_MISMATCH',
        'L’heure du passage ne tombe pas le jour indiqué (heure de Paris).',
        { occurredOn, occurredAt },
      );
    }
    const resolved = occurredOn ?? dayOfTime;
    return {
      ...(resolved === undefined ? {} : { occurredOn: resolved }),
      ...(occurredAt === undefined ? {} : { occurredAt }),
    };
  };

  const amend = async (
    principal: Principal,
    context: RequestContext,
    visitId: string,
    command: VisitCommand,
    expectedRevision: number | undefined,
  ) => {
    const visit = await findVisit(principal.organisationId, visitId);
    authorise(principal, visit.facilityId, visit.serviceUserId);
    const { revision } = await professionalCommand(store, access, visitDecider, {
      principal,
      context,
      streamId: visitStreamId(principal.organisationId, visitId),
      command,
      where: {
        facilityId: visit.facilityId,
        ...(visit.serviceUserId === null ? {} : { serviceUserId: visit.serviceUserId }),
      },
      expectedRevision,
    });
    return { body: { visitId, revision }, revision };
  };

  /**
   * A passage as the reader sees it: its usager named only to whom may read them, and its TROD
   * results (health data: HIV, HCV, HBV) only with a passage they may read, never to the
   * secretariat or another team through the day's list (`resultsShown`).
   */
  const shown = (visit: VisitView, serviceUserId: string | null, resultsShown = true) => ({
    ...visit,
    serviceUserId,
    identified: visit.anonymous === null,
    rapidTests: resultsShown ? visit.rapidTests : [],
    rapidTestsWithheld: !resultsShown && visit.rapidTests.length > 0,
  });

  const period = (query: { from?: string | undefined; to?: string | undefined }) => {
    const today = parisDay.format(clock());
    const from = query.from ?? query.to ?? today;
    const to = query.to ?? (query.from === undefined ? today : from);
    if (to < from) {
      throw new DomainRuleViolation('PERIOD_INVALID', 'La fin de la période précède son début.', { from, to });
    }
    if ((Date.parse(to) - Date.parse(from)) / 86_400_000 >= MAX_PERIOD_DAYS) {
      throw new DomainRuleViolation('PERIOD_TOO_LONG', `Une période couvre ${MAX_PERIOD_DAYS} jours au plus.`, {
        from,
        to,
      });
    }
    return { from, to };
  };

  return [
    defineQuery({
      path: '/organisations/:organisationId/harm-reduction-supplies',
      summary: 'Le catalogue du matériel de réduction des risques de l’organisme (retirés compris sur demande)',
      tags: [TAG],
      params: organisationParams,
      query: z.object({ includeRetired: z.enum(['true', 'false']).optional() }),
      response: z.object({ supplies: z.array(supplyEntrySchema) }),
      async handler({ params, query, context }) {
        await access.principal(context, params.organisationId);
        const catalogue = await catalogueOf(params.organisationId);
        return {
          body: { supplies: harmReductionSuppliesOf(catalogue, { includeRetired: query.includeRetired === 'true' }) },
        };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/harm-reduction-supplies',
      summary: 'Ajouter un matériel au catalogue (code, libellé, unité de comptage)',
      tags: [TAG],
      status: 201,
      params: organisationParams,
      body: z.object({
        supplyCode: harmReductionSupplyCodeSchema,
        label: z.string().trim().min(1).max(200),
        unit: z.string().trim().min(1).max(40),
      }),
      response: z.object({ supplyCode: z.string(), revision: z.int() }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = requireCatalogueAdministrator(principal);
        const { revision } = await professionalCommand(store, access, harmReductionSupplyCatalogueDecider, {
          principal,
          context,
          streamId: harmReductionSupplyCatalogueStreamId(params.organisationId),
          command: { type: 'AddHarmReductionSupply', code: body.supplyCode, label: body.label, unit: body.unit },
          where,
        });
        return { status: 201, body: { supplyCode: body.supplyCode, revision } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/harm-reduction-supplies/:supplyCode/retirements',
      summary:
        'Retirer un matériel du catalogue, en disant pourquoi (il n’est plus distribué ; les passages passés le gardent)',
      tags: [TAG],
      params: supplyParams,
      body: z.object({ reason }),
      response: z.object({ supplyCode: z.string(), revision: z.int() }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = requireCatalogueAdministrator(principal);
        const { revision } = await professionalCommand(store, access, harmReductionSupplyCatalogueDecider, {
          principal,
          context,
          streamId: harmReductionSupplyCatalogueStreamId(params.organisationId),
          command: { type: 'RetireHarmReductionSupply', code: params.supplyCode, reason: body.reason },
          where,
        });
        return { body: { supplyCode: params.supplyCode, revision } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/facilities/:facilityId/visits',
      summary:
        'Enregistrer un passage au CAARUD : usager identifié ou passage anonyme, lieu, prestations, matériel remis, seringues récupérées, TROD',
      description:
        'Exactement l’un de `serviceUserId` (usager identifié, y compris sous pseudonyme) et `anonymous` (passage ' +
        'sans dossier : au plus le sexe et une tranche d’âge). Le passage d’un usager est une donnée sociale de son ' +
        'dossier (son équipe de prise en charge l’enregistre) ; un passage anonyme, par qui écrit des données ' +
        'sociales dans l’établissement.',
      tags: [TAG],
      status: 201,
      params: facilityParams,
      body: z.object({
        visitId: z.uuid(),
        serviceUserId: identifier.optional(),
        anonymous: anonymousTraits.optional(),
        ...visitFields,
      }),
      response: acceptedVisit,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        if ((body.serviceUserId === undefined) === (body.anonymous === undefined)) {
          throw new DomainRuleViolation(
            'VISIT_PERSON_REQUIRED',
            'Un passage est celui d’un usager identifié (serviceUserId) ou un passage anonyme (anonymous), l’un ou l’autre.',
          );
        }
        authorise(principal, params.facilityId, body.serviceUserId);
        const now = clock();
        const when = dayAndTime(body.occurredOn, body.occurredAt);
        const { revision } = await professionalCommand(store, access, visitDecider, {
          principal,
          context,
          streamId: visitStreamId(params.organisationId, body.visitId),
          command: {
            type: 'RecordVisit',
            visitId: body.visitId,
            facilityId: params.facilityId,
            ...(body.serviceUserId === undefined ? {} : { serviceUserId: body.serviceUserId }),
            ...(body.anonymous === undefined ? {} : { anonymous: body.anonymous }),
            occurredOn: when.occurredOn ?? parisDay.format(now),
            ...(when.occurredOn === undefined ? { occurredAt: now.toISOString() } : {}),
            ...(when.occurredAt === undefined ? {} : { occurredAt: when.occurredAt }),
            setting: body.setting,
            services: body.services ?? [],
            supplies: body.supplies ?? [],
            syringesCollected: body.syringesCollected ?? 0,
            rapidTests: body.rapidTests ?? [],
            catalogue: await catalogueOf(params.organisationId),
            today: parisDay.format(now),
            now: now.toISOString(),
          },
          where: {
            facilityId: params.facilityId,
            ...(body.serviceUserId === undefined ? {} : { serviceUserId: body.serviceUserId }),
          },
          expectedRevision: 'noStream',
        });
        return { status: 201, body: { visitId: body.visitId, revision }, revision };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/visits/:visitId/corrections',
      summary: 'Corriger un passage, en disant pourquoi ; chaque champ donné remplace l’ancien en entier (If-Match)',
      tags: [TAG],
      params: visitParams,
      ifMatch: 'required',
      body: z.object({
        reason,
        occurredOn: day.optional(),
        occurredAt: instant.optional(),
        setting: visitSettingSchema.optional(),
        services: visitFields.services,
        supplies: visitFields.supplies,
        syringesCollected: visitFields.syringesCollected,
        rapidTests: visitFields.rapidTests,
        anonymous: anonymousTraits.optional(),
      }),
      response: acceptedVisit,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const now = clock();
        const { occurredOn, occurredAt, ...fields } = body;
        return amend(
          principal,
          context,
          params.visitId,
          {
            type: 'CorrectVisit',
            ...fields,
            ...dayAndTime(occurredOn, occurredAt),
            catalogue: await catalogueOf(params.organisationId),
            today: parisDay.format(now),
            now: now.toISOString(),
          },
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/visits/:visitId/cancellations',
      summary: 'Annuler un passage saisi par erreur, en disant pourquoi (If-Match : la révision lue)',
      tags: [TAG],
      params: visitParams,
      ifMatch: 'required',
      body: z.object({ reason }),
      response: acceptedVisit,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return amend(
          principal,
          context,
          params.visitId,
          { type: 'CancelVisit', reason: body.reason },
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/facilities/:facilityId/syringe-collections',
      summary: 'Enregistrer des seringues récupérées hors passage (borne de collecte, pharmacie partenaire, ramassage)',
      tags: [TAG],
      status: 201,
      params: facilityParams,
      body: z.object({
        collectionId: z.uuid(),
        /** Today by default. */
        collectedOn: day.optional(),
        source: z.enum(SYRINGE_COLLECTION_SOURCES),
        quantity: z.int().min(1).max(MAX_SYRINGES_COLLECTED),
      }),
      response: acceptedCollection,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        requireSocialWriterIn(principal, params.facilityId);
        const today = parisDay.format(clock());
        const { revision } = await professionalCommand(store, access, syringeCollectionDecider, {
          principal,
          context,
          streamId: syringeCollectionStreamId(params.organisationId, body.collectionId),
          command: {
            type: 'RecordSyringeCollection',
            collectionId: body.collectionId,
            facilityId: params.facilityId,
            collectedOn: body.collectedOn ?? today,
            source: body.source,
            quantity: body.quantity,
            today,
          },
          where: { facilityId: params.facilityId },
          expectedRevision: 'noStream',
        });
        return { status: 201, body: { collectionId: body.collectionId, revision }, revision };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/syringe-collections/:collectionId/cancellations',
      summary: 'Annuler une collecte de seringues saisie par erreur, en disant pourquoi (If-Match : la révision lue)',
      tags: [TAG],
      params: collectionParams,
      ifMatch: 'required',
      body: z.object({ reason }),
      response: acceptedCollection,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const streamId = syringeCollectionStreamId(params.organisationId, params.collectionId);
        const state = foldEvents(
          syringeCollectionDecider,
          (await store.readStream(streamId)).map(
            (event) => ({ type: event.type, data: event.data }) as SyringeCollectionEvent,
          ),
        );
        if (state.status === 'none') throw new HttpProblem('not-found', 'Cette collecte n’existe pas.');
        requireSocialWriterIn(principal, state.collection.facilityId);
        const { revision } = await professionalCommand(store, access, syringeCollectionDecider, {
          principal,
          context,
          streamId,
          command: { type: 'CancelSyringeCollection', reason: body.reason },
          where: { facilityId: state.collection.facilityId },
          expectedRevision,
        });
        return { body: { collectionId: params.collectionId, revision }, revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/visits',
      summary: 'Les passages de l’usager dans un CAARUD, les plus récents d’abord (lecture tracée)',
      description:
        'Du jour `from` au jour `to` inclus, chacun facultatif. Les passages annulés sont listés comme tels.',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier, from: day.optional(), to: day.optional() }),
      response: z.object({ visits: z.array(visitSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const scope = { ...params, facilityId: query.facilityId };
        access.check(principal, 'read', { ...scope, sensitivity: 'social' });
        const visits = await visitsOfServiceUser(knex, visitsSchema, {
          ...scope,
          ...(query.from === undefined ? {} : { from: query.from }),
          ...(query.to === undefined ? {} : { to: query.to }),
        });
        await accessLog.recordReadBy(principal, context.correlationId, {
          serviceUserId: params.serviceUserId,
          facilityId: query.facilityId,
          resource: 'visits',
          sensitivities: ['social'],
          purpose: 'care',
        });
        return { body: { visits: visits.map((visit) => shown(visit, visit.serviceUserId)) } };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/visits',
      summary: 'Les passages d’un CAARUD sur un jour ou une période, et leurs totaux (le point du matin de l’équipe)',
      description:
        'Du jour `from` au jour `to` inclus (jours à Paris ; par défaut, aujourd’hui ; une année au plus). Les totaux ' +
        'laissent de côté les passages et collectes annulés ; les passages anonymes sont comptés à part. Un passage ' +
        'identifié ne nomme l’usager qu’à qui peut lire ses données sociales, et chaque usager ainsi nommé est tracé ' +
        'dans son journal des accès.',
      tags: [TAG],
      params: facilityParams,
      query: z.object({ from: day.optional(), to: day.optional() }),
      response: z.object({ visits: z.array(visitSchema), totals: totalsSchema }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        if (access.rolesIn(principal, params.facilityId).length === 0) {
          throw new HttpProblem('forbidden', 'Vous n’avez pas d’habilitation dans cet établissement.');
        }
        const where = { ...params, ...period(query) };
        const [visits, totals] = await Promise.all([
          visitsOfFacility(knex, visitsSchema, where),
          visitTotals(knex, visitsSchema, where),
        ]);
        const open = await access.openRecordsAmong(params.organisationId, visits, (visit) => visit.serviceUserId);
        const readable = new Set(
          open
            .map((visit) => visit.serviceUserId)
            .filter(
              (serviceUserId): serviceUserId is string =>
                serviceUserId !== null &&
                decideAccess(principal, 'read', {
                  organisationId: params.organisationId,
                  facilityId: params.facilityId,
                  serviceUserId,
                  sensitivity: 'social',
                }).allowed,
            ),
        );
        await accessLog.recordReadsBy(
          principal,
          context.correlationId,
          [...readable].map((serviceUserId) => ({
            serviceUserId,
            facilityId: params.facilityId,
            resource: 'visits',
            sensitivities: ['social'],
            purpose: 'care',
          })),
        );
        // an anonymous passage has no team: its results go to those who record passages here
        const recordsPassages = access
          .rolesIn(principal, params.facilityId)
          .some((role) => ACCESS_MATRIX.social[role].write !== 'never');
        const body = {
          visits: visits.map((visit) => {
            const named = visit.serviceUserId !== null && readable.has(visit.serviceUserId);
            const resultsShown = visit.serviceUserId === null ? recordsPassages : named;
            return shown(visit, named ? visit.serviceUserId : null, resultsShown);
          }),
          totals,
        };
        return { body };
      },
    }),
  ];
}
