import {
  type ExchangeCommand,
  exchangeChannelSchema,
  exchangeDecider,
  exchangeDirectionSchema,
  exchangeStreamId,
  MAX_EXCHANGE_PARTNERS,
  MAX_EXCHANGE_SUMMARY_LENGTH,
  type Principal,
  type SensitivityClass,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import { type ExchangeView, exchangeById, exchangesOf } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { partnersFromDirectory } from '../directory/directory-partners.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

const TAG = 'Échanges';
/** What was said with the usager and their partners (SPIP, GP, family): social data. */
const SENSITIVITY: SensitivityClass = 'social';
const instant = z.iso.datetime({ offset: true });
const day = z.iso.date();
const exchangeParams = organisationParams.extend({ exchangeId: z.uuid() });
const accepted = z.object({ exchangeId: z.uuid(), revision: z.int() });
const summary = z.string().trim().min(1).max(MAX_EXCHANGE_SUMMARY_LENGTH);
const partnerEntryIds = z.array(z.uuid()).max(MAX_EXCHANGE_PARTNERS);
const exchangeSchema = z.object({
  exchangeId: z.uuid(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  channel: exchangeChannelSchema,
  direction: exchangeDirectionSchema,
  occurredAt: z.string(),
  recordedBy: z.string(),
  withUsager: z.boolean(),
  partners: z.array(z.object({ entryId: z.string(), name: z.string() })),
  summary: z.string(),
  corrections: z.array(
    z.object({
      reason: z.string(),
      correctedAt: z.string(),
      correctedBy: z.string(),
      changes: z.record(z.string(), z.unknown()),
    }),
  ),
  revision: z.int(),
});

export interface ExchangesDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schemas of the exchanges and directory projections. */
  exchangesSchema: string;
  directorySchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * The exchanges with the usager and their partners (phone, e-mail, meeting, letter, video): who,
 * when, with whom, which way, what was said; corrected with a reason; listed per usager. The
 * partners are entries of the usager's directory in that ESSMS.
 */
export function exchangesRoutes(deps: ExchangesDependencies): RouteDefinition[] {
  const { store, knex, exchangesSchema, directorySchema, access, accessLog, clock } = deps;

  const findExchange = async (organisationId: string, exchangeId: string): Promise<ExchangeView> => {
    const exchange = await exchangeById(knex, exchangesSchema, { organisationId, exchangeId });
    if (!exchange) throw new HttpProblem('not-found', 'Cet échange n’existe pas.');
    return exchange;
  };

  const decide = async (
    principal: Principal,
    context: RequestContext,
    where: { facilityId: string; serviceUserId: string },
    exchangeId: string,
    command: ExchangeCommand,
    expectedRevision?: number | 'noStream',
  ) => {
    const { revision } = await professionalCommand(store, access, exchangeDecider, {
      principal,
      context,
      streamId: exchangeStreamId(principal.organisationId, exchangeId),
      command,
      where,
      expectedRevision,
    });
    return { body: { exchangeId, revision }, revision };
  };

  const traceRead = (
    principal: Principal,
    context: RequestContext,
    read: { facilityId: string; serviceUserId: string; resource: string },
  ) =>
    accessLog.recordRead({
      organisationId: principal.organisationId,
      professionalId: principal.professionalId,
      correlationId: context.correlationId,
      read: {
        ...read,
        roles: access.rolesIn(principal, read.facilityId),
        sensitivities: [SENSITIVITY],
        purpose: 'care',
      },
    });

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/exchanges',
      summary: 'Tracer un échange avec l’usager et/ou ses partenaires (canal, sens, moment, résumé)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        exchangeId: z.uuid(),
        facilityId: identifier,
        channel: exchangeChannelSchema,
        direction: exchangeDirectionSchema,
        /** When it happened; now by default. */
        occurredAt: instant.optional(),
        withUsager: z.boolean(),
        /** Entries of the usager's directory in this ESSMS. */
        partnerEntryIds: partnerEntryIds.optional(),
        summary,
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'write', { organisationId: params.organisationId, ...where, sensitivity: SENSITIVITY });
        const partners = await partnersFromDirectory(knex, directorySchema, {
          organisationId: params.organisationId,
          ...where,
          entryIds: body.partnerEntryIds ?? [],
        });
        const now = clock().toISOString();
        const answer = await decide(
          principal,
          context,
          where,
          body.exchangeId,
          {
            type: 'RecordExchange',
            now,
            exchangeId: body.exchangeId,
            ...where,
            channel: body.channel,
            direction: body.direction,
            occurredAt: body.occurredAt ?? now,
            recordedBy: principal.professionalId,
            withUsager: body.withUsager,
            partners,
            summary: body.summary,
          },
          'noStream',
        );
        return { ...answer, status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/exchanges/:exchangeId/corrections',
      summary: 'Corriger un échange, en disant pourquoi (canal, sens, moment, interlocuteurs, résumé)',
      tags: [TAG],
      params: exchangeParams,
      body: z.object({
        reason: z.string().trim().min(1).max(1_000),
        channel: exchangeChannelSchema.optional(),
        direction: exchangeDirectionSchema.optional(),
        occurredAt: instant.optional(),
        withUsager: z.boolean().optional(),
        partnerEntryIds: partnerEntryIds.optional(),
        summary: summary.optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const exchange = await findExchange(params.organisationId, params.exchangeId);
        const where = { facilityId: exchange.facilityId, serviceUserId: exchange.serviceUserId };
        access.check(principal, 'write', { organisationId: params.organisationId, ...where, sensitivity: SENSITIVITY });
        const { partnerEntryIds: entryIds, ...changes } = body;
        const partners =
          entryIds === undefined
            ? undefined
            : await partnersFromDirectory(knex, directorySchema, {
                organisationId: params.organisationId,
                ...where,
                entryIds,
                // a partner removed from the directory since stays on the exchanges that named them
                allowRemoved: new Set(exchange.partners.map((partner) => partner.entryId)),
              });
        return decide(
          principal,
          context,
          where,
          exchange.exchangeId,
          {
            type: 'CorrectExchange',
            now: clock().toISOString(),
            ...changes,
            ...(partners === undefined ? {} : { partners }),
          },
          expectedRevision,
        );
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/exchanges',
      summary:
        'Les échanges tracés avec l’usager et ses partenaires dans un ESSMS, le plus récent d’abord (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier, from: day.optional(), to: day.optional() }),
      response: z.object({ exchanges: z.array(exchangeSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: query.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'read', { organisationId: params.organisationId, ...where, sensitivity: SENSITIVITY });
        const exchanges = await exchangesOf(knex, exchangesSchema, {
          organisationId: params.organisationId,
          ...where,
          ...(query.from === undefined ? {} : { from: query.from }),
          ...(query.to === undefined ? {} : { to: query.to }),
        });
        await traceRead(principal, context, { ...where, resource: 'exchanges' });
        return { body: { exchanges } };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/exchanges/:exchangeId',
      summary: 'Un échange, avec ses corrections (lecture tracée)',
      tags: [TAG],
      params: exchangeParams,
      response: exchangeSchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const exchange = await findExchange(params.organisationId, params.exchangeId);
        const where = { facilityId: exchange.facilityId, serviceUserId: exchange.serviceUserId };
        access.check(principal, 'read', { organisationId: params.organisationId, ...where, sensitivity: SENSITIVITY });
        await traceRead(principal, context, { ...where, resource: 'exchange' });
        return { body: exchange, revision: exchange.revision };
      },
    }),
  ];
}
