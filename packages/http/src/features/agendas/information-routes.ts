import {
  type AgendaOwner,
  type InformationCommand,
  informationDecider,
  informationStreamId,
  informationSubject,
  type Principal,
} from '@dui-pds/domain';
import { handleCommand } from '@dui-pds/eventstore';
import { type InformationView, informationById, informationFor } from '@dui-pds/projections';
import { z } from 'zod';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';
import { type AgendasDependencies, agendaAccess } from './agenda-access.js';

const TAG = 'Informations';
const text = (max: number) => z.string().trim().min(1).max(max);
const professionalParams = organisationParams.extend({ professionalId: identifier });
const informationParams = organisationParams.extend({ informationId: z.uuid() });
const accepted = z.object({ informationId: z.uuid(), revision: z.int() });
const messageBody = { informationId: z.uuid(), facilityId: identifier, subject: text(200), text: text(5_000) };

const informationSchema = z.object({
  informationId: z.string(),
  facilityId: z.string(),
  senderId: z.string(),
  /** Null, with `text`, when it names a usager the reader may no longer read (`withheld`). */
  subject: z.string().nullable(),
  text: z.string().nullable(),
  serviceUserId: z.string().nullable(),
  withheld: z.boolean(),
  sentAt: z.string(),
  readAt: z.string().nullable(),
  revision: z.int(),
});

/**
 * Information to a professional (a message, optionally about a usager; read or unread) and to a
 * usager (read by them in the portal; listed here for staff). Administrative data: practical
 * coordination, never clinical content, which goes into a transmission or a note of its class.
 */
export function informationRoutes(deps: AgendasDependencies): RouteDefinition[] {
  const { store, knex, agendasSchema, access, clock } = deps;
  const agenda = agendaAccess(deps);

  const send = async (
    principal: Principal,
    context: RequestContext,
    recipient: AgendaOwner,
    body: {
      informationId: string;
      facilityId: string;
      subject: string;
      text: string;
      serviceUserId?: string | undefined;
    },
  ) => {
    const command: InformationCommand = {
      type: 'SendInformation',
      informationId: body.informationId,
      recipient,
      facilityId: body.facilityId,
      senderId: principal.professionalId,
      subject: body.subject,
      text: body.text,
      ...(body.serviceUserId === undefined ? {} : { serviceUserId: body.serviceUserId }),
      sentAt: clock().toISOString(),
    };
    const result = await handleCommand(store, informationDecider, {
      streamId: informationStreamId(principal.organisationId, body.informationId),
      commandId: access.commandId(principal, context),
      command,
      metadata: access.metadata(principal, context, {
        facilityId: body.facilityId,
        serviceUserId: informationSubject({ recipient, serviceUserId: body.serviceUserId }),
      }),
      expectedRevision: 'noStream',
    });
    const revision = result.nextExpectedRevision as number;
    return { status: 201, body: { informationId: body.informationId, revision }, revision };
  };

  const mark = async (
    principal: Principal,
    context: RequestContext,
    informationId: string,
    read: boolean,
    expectedRevision: number | undefined,
  ) => {
    const information = await informationById(knex, agendasSchema, {
      organisationId: principal.organisationId,
      informationId,
    });
    if (!information) throw new HttpProblem('not-found', 'Cette information n’existe pas.');
    const reader: AgendaOwner = { kind: 'professional', professionalId: principal.professionalId };
    const result = await handleCommand(store, informationDecider, {
      streamId: informationStreamId(principal.organisationId, informationId),
      commandId: access.commandId(principal, context),
      command: { type: read ? 'MarkInformationRead' : 'MarkInformationUnread', reader, at: clock().toISOString() },
      metadata: access.metadata(principal, context, {
        facilityId: information.facilityId,
        serviceUserId: informationSubject({
          recipient: information.recipient,
          serviceUserId: information.serviceUserId ?? undefined,
        }),
      }),
      ...(expectedRevision === undefined ? {} : { expectedRevision }),
    });
    const revision = result.nextExpectedRevision as number;
    return { body: { informationId, revision }, revision };
  };

  /**
   * A message about a usager the reader may no longer read, or whose record is closed (`open`
   * says whose are not), keeps its envelope, not its words.
   */
  const forReader = (principal: Principal, information: InformationView, open: ReadonlySet<string>) => {
    const withheld =
      information.serviceUserId !== null &&
      (!open.has(information.serviceUserId) ||
        !agenda.may(principal, 'read', information.facilityId, information.serviceUserId));
    const { recipient: _, ...rest } = information;
    return withheld ? { ...rest, subject: null, text: null, serviceUserId: null, withheld } : { ...rest, withheld };
  };

  return [
    defineCommand({
      path: '/organisations/:organisationId/professionals/:professionalId/information',
      summary: 'Envoyer une information à un professionnel, éventuellement au sujet d’un usager',
      description:
        'Au sujet d’un usager (`serviceUserId`), l’expéditeur doit pouvoir écrire ses données administratives, et ' +
        'le destinataire les lire, dans cet ESSMS.',
      tags: [TAG],
      status: 201,
      params: professionalParams,
      body: z.object({ ...messageBody, serviceUserId: identifier.optional() }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        agenda.requireRoleIn(principal, body.facilityId);
        const [recipient] = await agenda.requireColleagues(params.organisationId, [params.professionalId]);
        if (body.serviceUserId !== undefined) {
          agenda.check(principal, 'write', body.facilityId, body.serviceUserId);
          if (recipient !== undefined && !agenda.may(recipient, 'read', body.facilityId, body.serviceUserId)) {
            throw new HttpProblem(
              'domain-rule-violated',
              'Le destinataire n’a pas accès au dossier de cet usager dans cet établissement : l’information ne peut pas le nommer.',
              { extensions: { code: 'RECIPIENT_CANNOT_READ_USAGER' } },
            );
          }
        }
        return send(principal, context, { kind: 'professional', professionalId: params.professionalId }, body);
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/professionals/:professionalId/information',
      summary: 'Ses informations reçues, les plus récentes d’abord (`unread=true` : les non lues ; lecture tracée)',
      tags: [TAG],
      params: professionalParams,
      query: z.object({ unread: z.enum(['true', 'false']).optional() }),
      response: z.object({ information: z.array(informationSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        if (principal.professionalId !== params.professionalId) {
          throw new HttpProblem('forbidden', 'Seul son destinataire lit une information.');
        }
        const received = await informationFor(knex, agendasSchema, {
          organisationId: params.organisationId,
          recipient: { kind: 'professional', professionalId: params.professionalId },
          unreadOnly: query.unread === 'true',
        });
        const open = await agenda.openAmong(
          params.organisationId,
          received.flatMap((information) => (information.serviceUserId === null ? [] : [information.serviceUserId])),
        );
        const shown = received.map((information) => forReader(principal, information, open));
        await agenda.trace(
          principal,
          context,
          shown.flatMap((information) =>
            information.serviceUserId === null
              ? []
              : [{ serviceUserId: information.serviceUserId, facilityId: information.facilityId }],
          ),
          'information',
        );
        return { body: { information: shown } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/information/:informationId/readings',
      summary: 'Marquer lue une information reçue',
      tags: [TAG],
      params: informationParams,
      body: z.object({}),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return mark(principal, context, params.informationId, true, expectedRevision);
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/information/:informationId/unreadings',
      summary: 'Marquer non lue une information reçue',
      tags: [TAG],
      params: informationParams,
      body: z.object({}),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return mark(principal, context, params.informationId, false, expectedRevision);
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/information',
      summary: 'Envoyer une information à l’usager (il la lit dans son espace)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object(messageBody),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        agenda.check(principal, 'write', body.facilityId, params.serviceUserId);
        return send(principal, context, { kind: 'usager', serviceUserId: params.serviceUserId }, body);
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/information',
      summary:
        'Les informations envoyées à l’usager par un ESSMS, lues ou non, les plus récentes d’abord (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier }),
      response: z.object({ information: z.array(informationSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        agenda.check(principal, 'read', query.facilityId, params.serviceUserId);
        const sent = (
          await informationFor(knex, agendasSchema, {
            organisationId: params.organisationId,
            recipient: { kind: 'usager', serviceUserId: params.serviceUserId },
          })
        ).filter((information) => information.facilityId === query.facilityId);
        await agenda.trace(
          principal,
          context,
          [{ serviceUserId: params.serviceUserId, facilityId: query.facilityId }],
          'usager-information',
        );
        return {
          body: {
            information: sent.map(({ recipient: _, ...information }) => ({
              ...information,
              serviceUserId: params.serviceUserId,
              withheld: false,
            })),
          },
        };
      },
    }),
  ];
}
