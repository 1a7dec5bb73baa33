import {
  type InfectiousWasteCommand,
  infectiousWasteDecider,
  infectiousWasteStreamId,
  MAX_COLLECTION_WEIGHT_KG,
  MAX_CONTAINER_VOLUME_LITRES,
  MAX_CONTAINER_WEIGHT_KG,
  MAX_CONTAINERS_PER_COLLECTION,
  type Principal,
  wasteContainerKindSchema,
} from '@dui-pds/domain';
import { type EventStore, handleCommand } from '@dui-pds/eventstore';
import { infectiousWasteAlertsOf, infectiousWasteLedgerOf } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { facilityParams, type identifier } from '../route-parameters.js';
import { mayHandleInfectiousWaste } from './infectious-waste-access.js';

const TAGS = ['DASRI'];
const instant = z.iso.datetime({ offset: true });
const containerParams = facilityParams.extend({ containerId: z.uuid() });
const collectionParams = facilityParams.extend({ collectionId: z.uuid() });
const accepted = z.object({ revision: z.int() });
const duration = z.object({ unit: z.enum(['hours', 'days', 'months']), amount: z.int() });
const storageLimitSchema = z.object({
  band: z.enum(['over-100-kg-a-week', 'over-15-kg-a-month', 'over-5-kg-a-month', 'up-to-5-kg-a-month']),
  duration,
  lead: duration,
  label: z.string(),
  bandLabel: z.string(),
});

export interface InfectiousWasteDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the infectious_waste projection. */
  infectiousWasteSchema: string;
  access: ProfessionalAccess;
  clock: () => Date;
}

/**
 * The DASRI of an ESSMS: containers started and closed, collections, tracking slips returned, the
 * register of them and the alerts (storage time, slips not back). Facility-level data, for the
 * roles of `INFECTIOUS_WASTE_ROLES` in that ESSMS (`infectious-waste-access.ts`).
 */
export function infectiousWasteRoutes(deps: InfectiousWasteDependencies): RouteDefinition[] {
  const { store, knex, infectiousWasteSchema, access, clock } = deps;

  const allowedPrincipal = async (
    context: Parameters<ProfessionalAccess['principal']>[0],
    where: { organisationId: string; facilityId: string },
  ): Promise<Principal> => {
    const principal = await access.principal(context, where.organisationId);
    const answer = mayHandleInfectiousWaste(principal, where);
    if (!answer.allowed) {
      throw new HttpProblem('forbidden', answer.message, { extensions: { reason: 'roleForInfectiousWaste' } });
    }
    return principal;
  };

  /** One command on the ESSMS' stream, for a principal allowed there. */
  const command = <
    Params extends z.ZodObject<{ organisationId: typeof identifier; facilityId: typeof identifier }>,
    Body extends z.ZodObject,
  >(definition: {
    path: string;
    summary: string;
    created?: boolean;
    params: Params;
    body: Body;
    toCommand: (params: z.output<Params>, body: z.output<Body>, now: string) => InfectiousWasteCommand;
  }) =>
    defineCommand({
      path: `/organisations/:organisationId/facilities/:facilityId/infectious-waste/${definition.path}`,
      summary: definition.summary,
      tags: TAGS,
      ...(definition.created ? { status: 201 } : {}),
      params: definition.params,
      body: definition.body,
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const where = { organisationId: params.organisationId, facilityId: params.facilityId };
        const principal = await allowedPrincipal(context, where);
        const result = await handleCommand(store, infectiousWasteDecider, {
          streamId: infectiousWasteStreamId(where.organisationId, where.facilityId),
          commandId: access.commandId(principal, context),
          command: definition.toCommand(params, body, clock().toISOString()),
          metadata: access.metadata(principal, context, { facilityId: where.facilityId }),
          ...(expectedRevision === undefined ? {} : { expectedRevision }),
        });
        const revision = result.nextExpectedRevision as number;
        return { body: { revision }, revision };
      },
    });

  return [
    command({
      path: 'containers',
      summary: 'Mettre en service un conteneur de DASRI (type, volume)',
      created: true,
      params: facilityParams,
      body: z.object({
        containerId: z.uuid(),
        kind: wasteContainerKindSchema,
        volumeLitres: z.number().positive().max(MAX_CONTAINER_VOLUME_LITRES),
        startedAt: instant.optional(),
      }),
      toCommand: ({ facilityId }, { startedAt, ...body }, now) => ({
        type: 'StartWasteContainer',
        facilityId,
        ...body,
        startedAt: startedAt ?? now,
      }),
    }),
    command({
      path: 'containers/:containerId/closures',
      summary: 'Fermer définitivement un conteneur de DASRI (avec son poids s’il est connu)',
      params: containerParams,
      body: z.object({
        closedAt: instant.optional(),
        weightKg: z.number().positive().max(MAX_CONTAINER_WEIGHT_KG).optional(),
      }),
      toCommand: ({ facilityId, containerId }, { closedAt, weightKg }, now) => ({
        type: 'CloseWasteContainer',
        facilityId,
        containerId,
        closedAt: closedAt ?? now,
        ...(weightKg === undefined ? {} : { weightKg }),
      }),
    }),
    command({
      path: 'collections',
      summary:
        'Enregistrer une collecte de DASRI (date, poids, conteneurs, prestataire, numéro du bordereau de suivi CERFA 11351)',
      created: true,
      params: facilityParams,
      body: z.object({
        collectionId: z.uuid(),
        collectedAt: instant.optional(),
        weightKg: z.number().positive().max(MAX_COLLECTION_WEIGHT_KG),
        containerIds: z.array(z.uuid()).min(1).max(MAX_CONTAINERS_PER_COLLECTION),
        collector: z.string().trim().min(1).max(200),
        trackingSlipNumber: z.string().trim().min(1).max(100).optional(),
      }),
      toCommand: ({ facilityId }, { collectedAt, trackingSlipNumber, ...body }, now) => ({
        type: 'RecordInfectiousWasteCollection',
        facilityId,
        ...body,
        collectedAt: collectedAt ?? now,
        ...(trackingSlipNumber === undefined ? {} : { trackingSlipNumber }),
      }),
    }),
    command({
      path: 'collections/:collectionId/tracking-slip-returns',
      summary: 'Enregistrer le retour du bordereau de suivi signé par l’installation de traitement',
      params: collectionParams,
      body: z.object({ returnedAt: instant.optional() }),
      toCommand: ({ facilityId, collectionId }, { returnedAt }, now) => ({
        type: 'RecordTrackingSlipReturn',
        facilityId,
        collectionId,
        returnedAt: returnedAt ?? now,
      }),
    }),
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/infectious-waste',
      summary: 'Le registre des DASRI d’un ESSMS : conteneurs, collectes, bordereaux (le plus ancien d’abord)',
      tags: TAGS,
      params: facilityParams,
      response: z.object({
        facilityId: z.string(),
        activeSince: z.string().nullable(),
        containers: z.array(
          z.object({
            containerId: z.string(),
            kind: wasteContainerKindSchema,
            volumeLitres: z.number(),
            startedAt: z.string(),
            closedAt: z.string().nullable(),
            weightKg: z.number().nullable(),
            collectionId: z.string().nullable(),
          }),
        ),
        collections: z.array(
          z.object({
            collectionId: z.string(),
            collectedAt: z.string(),
            weightKg: z.number(),
            containerIds: z.array(z.string()),
            collector: z.string(),
            trackingSlipNumber: z.string().nullable(),
            slipReturnBy: z.string().nullable(),
            slipReturnedAt: z.string().nullable(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        const where = { organisationId: params.organisationId, facilityId: params.facilityId };
        await allowedPrincipal(context, where);
        const ledger = await infectiousWasteLedgerOf(knex, infectiousWasteSchema, where);
        if (ledger === undefined) {
          return { body: { facilityId: where.facilityId, activeSince: null, containers: [], collections: [] } };
        }
        const { revision, ...body } = ledger;
        return { body, revision };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/infectious-waste/alerts',
      summary:
        'Les alertes DASRI d’un ESSMS : conteneur le plus ancien proche ou au-delà de la durée maximale d’entreposage, bordereaux non retournés sous un mois',
      tags: TAGS,
      params: facilityParams,
      query: z.object({ now: instant.optional() }),
      response: z.object({
        rollingMonthlyAverageKg: z.number(),
        storageLimit: storageLimitSchema,
        alerts: z.array(
          z.discriminatedUnion('kind', [
            z.object({
              kind: z.enum(['container-due-soon', 'container-overdue']),
              containerId: z.string(),
              startedAt: z.string(),
              deadline: z.string(),
              limit: storageLimitSchema,
              rollingMonthlyAverageKg: z.number(),
            }),
            z.object({
              kind: z.literal('tracking-slip-not-returned'),
              collectionId: z.string(),
              collectedAt: z.string(),
              trackingSlipNumber: z.string(),
              returnBy: z.string(),
            }),
          ]),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const where = { organisationId: params.organisationId, facilityId: params.facilityId };
        await allowedPrincipal(context, where);
        const now = query.now ?? clock().toISOString();
        return { body: await infectiousWasteAlertsOf(knex, infectiousWasteSchema, { ...where, now }) };
      },
    }),
  ];
}
