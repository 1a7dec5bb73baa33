import {
  ACCESS_MATRIX,
  accessibleSensitivities,
  type HandoverCategory,
  handoverCategorySchema,
  handoverDecider,
  handoverSensitivity,
  handoverStreamId,
  type Principal,
  SENSITIVITY_CLASSES,
  type SensitivityClass,
  sensitivityClassSchema,
} from '@dui-pds/domain';
import { type EventStore, handleCommand } from '@dui-pds/eventstore';
import {
  type HandoverFeedEntry,
  type HandoverFeedPosition,
  type HandoverReadScope,
  handoverFeed,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { facilityParams, identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

/** The most handovers a feed answers, the newest. */
const FEED_LIMIT = 200;

const handoverParams = organisationParams.extend({ handoverId: z.uuid() });
const instant = z.iso.datetime({ offset: true });
const accepted = z.object({ handoverId: z.uuid(), revision: z.int() });

const handoverSchema = z.object({
  handoverId: z.uuid(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  category: handoverCategorySchema,
  sensitivity: sensitivityClassSchema,
  targetTeam: z.string(),
  text: z.string(),
  authorId: z.string(),
  occurredAt: z.string(),
  linkedEventId: z.string().nullable(),
  /** When it was last corrected; null while uncorrected. */
  correctedAt: z.string().nullable(),
  /** Who last corrected it, whose words its text now is (the author may not be); null while uncorrected. */
  correctedBy: z.string().nullable(),
  revision: z.int(),
  /** When the caller marked it read; null while unread by them. */
  readAt: z.string().nullable(),
});

interface HandoverRow {
  organisation_id: string;
  handover_id: string;
  facility_id: string | null;
  service_user_id: string;
  category: HandoverCategory | null;
  sensitivity: SensitivityClass | null;
  text: string | null;
}

export interface HandoversDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the handovers projection. */
  handoversSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * Handovers: record one about a usager for a team, correct it (If-Match), mark it read, and
 * read the feed of an ESSMS (per usager, per team, unread by me). Each handover's category
 * decides its sensitivity class, hence who may write and read it; the feed shows each caller
 * only what they may read of each usager, and traces one read per usager it shows.
 */
export function handoversRoutes(deps: HandoversDependencies): RouteDefinition[] {
  const { store, knex, handoversSchema, access, accessLog, clock } = deps;

  const findHandover = async (organisationId: string, handoverId: string): Promise<HandoverRow> => {
    const row = await knex
      .withSchema(handoversSchema)
      .from<HandoverRow>('handovers')
      .where({ organisation_id: organisationId, handover_id: handoverId })
      .first();
    // a handover of another tenant, or of a forgotten usager, is not there
    if (!row || row.facility_id === null || row.sensitivity === null || row.text === null) {
      throw new HttpProblem('not-found', 'Cette transmission n’existe pas.');
    }
    return row;
  };

  const traceReads = (
    principal: Principal,
    reads: { facilityId: string; serviceUserId: string; sensitivities: SensitivityClass[] }[],
    correlationId: string,
  ) =>
    accessLog.recordReads(
      reads.map((read) => ({
        organisationId: principal.organisationId,
        professionalId: principal.professionalId,
        correlationId,
        read: {
          serviceUserId: read.serviceUserId,
          facilityId: read.facilityId,
          roles: access.rolesIn(principal, read.facilityId),
          resource: 'handovers',
          sensitivities: read.sensitivities,
          purpose: 'care',
        },
      })),
    );

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/handovers',
      summary: 'Saisir une transmission sur l’usager, pour une équipe',
      tags: ['Transmissions'],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        handoverId: z.uuid(),
        facilityId: identifier,
        category: handoverCategorySchema,
        targetTeam: identifier,
        text: z.string().min(1).max(20_000),
        /** When what it tells happened; now by default. */
        occurredAt: instant.optional(),
        linkedEventId: z.uuid().optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'write', {
          ...params,
          facilityId: body.facilityId,
          sensitivity: handoverSensitivity(body.category),
        });
        const { occurredAt, linkedEventId, ...fields } = body;
        const result = await handleCommand(store, handoverDecider, {
          streamId: handoverStreamId(params.organisationId, body.handoverId),
          commandId: access.commandId(principal, context),
          command: {
            type: 'RecordHandover',
            ...fields,
            serviceUserId: params.serviceUserId,
            occurredAt: occurredAt ?? clock().toISOString(),
            ...(linkedEventId === undefined ? {} : { linkedEventId }),
          },
          metadata: access.metadata(principal, context, {
            facilityId: body.facilityId,
            serviceUserId: params.serviceUserId,
          }),
          expectedRevision: 'noStream',
        });
        const revision = result.nextExpectedRevision as number;
        return { status: 201, body: { handoverId: body.handoverId, revision }, revision };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/handovers/:handoverId/corrections',
      summary: 'Corriger une transmission, en disant pourquoi (If-Match : la révision lue)',
      tags: ['Transmissions'],
      params: handoverParams,
      ifMatch: 'required',
      body: z.object({ text: z.string().min(1).max(20_000), reason: z.string().min(1).max(1_000) }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const row = await findHandover(params.organisationId, params.handoverId);
        access.check(principal, 'write', partOf(row));
        const result = await handleCommand(store, handoverDecider, {
          streamId: handoverStreamId(params.organisationId, params.handoverId),
          commandId: access.commandId(principal, context),
          command: { type: 'CorrectHandover', ...body },
          metadata: access.metadata(principal, context, {
            facilityId: row.facility_id!,
            serviceUserId: row.service_user_id,
          }),
          expectedRevision,
        });
        const revision = result.nextExpectedRevision as number;
        return { body: { handoverId: params.handoverId, revision }, revision };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/handovers/:handoverId/reads',
      summary: 'Marquer une transmission comme lue par soi (sans effet si elle l’est déjà)',
      tags: ['Transmissions'],
      params: handoverParams,
      body: z.object({}),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const row = await findHandover(params.organisationId, params.handoverId);
        access.check(principal, 'read', partOf(row));
        const result = await handleCommand(store, handoverDecider, {
          streamId: handoverStreamId(params.organisationId, params.handoverId),
          commandId: access.commandId(principal, context),
          command: {
            type: 'MarkHandoverRead',
            professionalId: principal.professionalId,
            readAt: clock().toISOString(),
          },
          metadata: access.metadata(principal, context, {
            facilityId: row.facility_id!,
            serviceUserId: row.service_user_id,
          }),
        });
        const revision = result.nextExpectedRevision as number;
        return { body: { handoverId: params.handoverId, revision }, revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/handovers',
      summary:
        'Lire les transmissions d’un ESSMS que l’on est habilité à voir, les plus récentes d’abord (lecture tracée)',
      description:
        'Par usager (`serviceUserId`), par équipe destinataire (`targetTeam`), et `unread=true` pour les seules ' +
        'transmissions non lues par soi (celles que l’on a écrites ne le sont jamais) ; les 200 plus récentes ' +
        'que l’on peut lire. `correctedBy` nomme qui l’a corrigée en dernier (`correctedAt` : quand). Une ' +
        'lecture est tracée au journal des accès de chaque usager dont des transmissions sont montrées.',
      tags: ['Transmissions'],
      params: facilityParams,
      query: z.object({
        serviceUserId: identifier.optional(),
        targetTeam: identifier.optional(),
        unread: z.enum(['true', 'false']).optional(),
      }),
      response: z.object({ handovers: z.array(handoverSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId } = params;
        const rolesHere = access.rolesIn(principal, facilityId);
        const readable = new Map<string, SensitivityClass[]>();
        const readableFor = (serviceUserId: string) => {
          let sensitivities = readable.get(serviceUserId);
          if (sensitivities === undefined) {
            sensitivities = accessibleSensitivities(principal, 'read', { organisationId, facilityId, serviceUserId });
            readable.set(serviceUserId, sensitivities);
          }
          return sensitivities;
        };
        if (rolesHere.length === 0 || (query.serviceUserId && readableFor(query.serviceUserId).length === 0)) {
          // 403 with the policy's reason: no role in this ESSMS, or nothing of this usager open to the caller
          access.check(principal, 'read', {
            organisationId,
            facilityId,
            serviceUserId: query.serviceUserId ?? '',
            sensitivity: 'administrative',
          });
        }
        // The query reads only what the caller may read (their scope here), so that the limit
        // cuts a page of readable handovers. What is left out after it (the policy checked again
        // per usager, closed records) is made up from the next rows.
        const scope = readScope(principal, facilityId, readableFor);
        const shown: HandoverFeedEntry[] = [];
        let after: HandoverFeedPosition | undefined;
        for (;;) {
          const rows = await handoverFeed(knex, handoversSchema, {
            organisationId,
            facilityId,
            serviceUserId: query.serviceUserId,
            targetTeam: query.targetTeam,
            scope,
            unreadBy: query.unread === 'true' ? principal.professionalId : undefined,
            reader: principal.professionalId,
            limit: FEED_LIMIT,
            after,
          });
          shown.push(
            ...(await access.openRecordsAmong(
              organisationId,
              rows.filter((row) => readableFor(row.serviceUserId).includes(row.sensitivity)),
              (row) => row.serviceUserId,
            )),
          );
          const last = rows.at(-1);
          if (rows.length < FEED_LIMIT || shown.length >= FEED_LIMIT || last === undefined) break;
          after = { occurredAt: last.occurredAt, handoverId: last.handoverId };
        }
        shown.splice(FEED_LIMIT);

        const serviceUsers = new Set(shown.map((row) => row.serviceUserId));
        if (query.serviceUserId) serviceUsers.add(query.serviceUserId);
        await traceReads(
          principal,
          [...serviceUsers].map((serviceUserId) => ({
            facilityId,
            serviceUserId,
            sensitivities: readableFor(serviceUserId),
          })),
          context.correlationId,
        );
        return { body: { handovers: shown.map(toHandover) } };
      },
    }),
  ];
}

/**
 * What the principal may read of the handovers of one ESSMS, per class: the whole ESSMS where one
 * of their roles there reads the class `inFacility`, else the usagers of their care teams there
 * whose class the policy opens to them (`readableFor`: the care team, and for psychological
 * handovers the usager's allowance).
 */
function readScope(
  principal: Principal,
  facilityId: string,
  readableFor: (serviceUserId: string) => readonly SensitivityClass[],
): HandoverReadScope {
  const rolesHere = principal.roles.filter((grant) => grant.facilityId === facilityId).map((grant) => grant.role);
  const scope: Partial<Record<SensitivityClass, 'facility' | string[]>> = {};
  for (const sensitivity of SENSITIVITY_CLASSES) {
    if (rolesHere.some((role) => ACCESS_MATRIX[sensitivity][role].read === 'inFacility'))
      scope[sensitivity] = 'facility';
  }
  const teams = new Set(
    principal.careTeams.filter((team) => team.facilityId === facilityId).map((team) => team.serviceUserId),
  );
  for (const serviceUserId of teams) {
    for (const sensitivity of readableFor(serviceUserId)) {
      const readable = scope[sensitivity];
      if (readable === 'facility') continue;
      if (readable === undefined) scope[sensitivity] = [serviceUserId];
      else readable.push(serviceUserId);
    }
  }
  return scope;
}

function partOf(row: HandoverRow) {
  return {
    organisationId: row.organisation_id,
    facilityId: row.facility_id!,
    serviceUserId: row.service_user_id,
    sensitivity: row.sensitivity!,
  };
}

function toHandover(entry: HandoverFeedEntry): z.infer<typeof handoverSchema> {
  return { ...entry };
}
