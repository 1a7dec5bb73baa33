import {
  type AgendaFeedCommand,
  type AgendaOwner,
  agendaFeedDecider,
  agendaFeedStreamId,
  agendaItemDecider,
  agendaItemStreamId,
  agendaItemSubject,
  agendaOwnerSubject,
  PLANNED_EVENT_KINDS,
  type Principal,
} from '@dui-pds/domain';
import { foldStream, handleCommand } from '@dui-pds/eventstore';
import {
  agendaFeedByTokenHash,
  deathRecordedFor,
  habilitationsOf,
  type ProfessionalAgendaEntry,
  professionalAgenda,
  usagerAgenda,
} from '@dui-pds/projections';
import { z } from 'zod';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';
import {
  ADMINISTRATIVE,
  type AgendasDependencies,
  agendaAccess,
  feedSecretHash,
  newFeedSecret,
  originOf,
} from './agenda-access.js';
import { FEED_DAYS_AHEAD, FEED_DAYS_BEHIND, professionalAgendaIcs, usagerAgendaIcs } from './agenda-ics.js';
import { periodOf, periodQuery } from './agenda-period.js';

const TAG = 'Agendas';
const instant = z.iso.datetime({ offset: true });
const text = (max: number) => z.string().trim().min(1).max(max);
const professionalParams = organisationParams.extend({ professionalId: identifier });
const itemAccepted = z.object({ itemId: z.uuid(), revision: z.int() });
const feedIssued = z.object({
  feedId: z.uuid(),
  /** The secret URL: shown this once, kept nowhere in clear. */
  url: z.string(),
  revision: z.int(),
});
const feedRevoked = z.object({ revision: z.int() });
const MS_PER_DAY = 86_400_000;
/** What a secret looks like (`newFeedSecret`): anything else is not one, and is answered as unknown. */
const FEED_SECRET = /^[A-Za-z0-9_-]{43}$/;
/** Who may read a colleague's agenda, in the ESSMS where they hold this role: they organise the work. */
const AGENDA_READERS = new Set(['director', 'secretary']);

const entryFields = {
  source: z.enum(['planned-event', 'agenda-item']),
  id: z.string(),
  facilityId: z.string(),
  kind: z.enum([...PLANNED_EVENT_KINDS, 'agenda-item']),
  kindLabel: z.string(),
  title: z.string(),
  start: z.string(),
  end: z.string(),
  place: z.string().nullable(),
  status: z.enum(['planned', 'held', 'cancelled']),
  statusLabel: z.string(),
  revision: z.int(),
};
const usagerEntrySchema = z.object({ ...entryFields, attendance: z.enum(['present', 'absent']).nullable() });
const professionalEntrySchema = z.object({
  ...entryFields,
  role: z.enum(['organiser', 'participant', 'owner']),
  organiserId: z.string().nullable(),
  /** The usagers the reader may read; the others are only counted. */
  serviceUserIds: z.array(z.string()),
  otherServiceUsers: z.int(),
  professionalIds: z.array(z.string()),
  partners: z.array(z.string()),
  note: z.string().nullable(),
});

/**
 * The agendas: a professional's (the events they organise or take part in, their items) and a
 * usager's (the events they take part in, their items) over a period; items put into either; and
 * their iCalendar feeds at a revocable secret URL (`GET /ics/<secret>.ics`, outside the session:
 * the secret is the credential). A usager's feed is issued for one ESSMS, by staff who write the
 * usager's data there, and shows that ESSMS' entries only; each of its reads is traced.
 */
export function agendasRoutes(deps: AgendasDependencies): RouteDefinition[] {
  const { store, knex, agendasSchema, habilitationsSchema, accompanimentExitsSchema, access, accessLog, clock } = deps;
  const agenda = agendaAccess(deps);
  /** One answer for every feed that is not (or no longer) served: a calendar application only needs to stop. */
  const gone = () => new HttpProblem('not-found', 'Ce lien d’agenda n’existe pas ou a été révoqué.');

  const onlySelf = (principal: Principal, professionalId: string, what: string) => {
    if (principal.professionalId !== professionalId) {
      throw new HttpProblem('forbidden', `Seul le professionnel lui-même ${what}.`);
    }
  };

  const itemOf = async (organisationId: string, itemId: string) => {
    const item = await foldStream(store, agendaItemDecider, agendaItemStreamId(organisationId, itemId));
    if (item.status === 'none' || item.status === 'erased') {
      throw new HttpProblem('not-found', 'Cet élément d’agenda n’existe pas.');
    }
    return item;
  };

  const addItem = async (
    principal: Principal,
    context: RequestContext,
    owner: AgendaOwner,
    body: {
      itemId: string;
      facilityId: string;
      title: string;
      startsAt: string;
      endsAt: string;
      place?: string | undefined;
      note?: string | undefined;
      serviceUserId?: string | undefined;
    },
  ) => {
    const { itemId, facilityId, title, startsAt, endsAt, place, note, serviceUserId } = body;
    const result = await handleCommand(store, agendaItemDecider, {
      streamId: agendaItemStreamId(principal.organisationId, itemId),
      commandId: access.commandId(principal, context),
      command: {
        type: 'AddAgendaItem',
        itemId,
        owner,
        facilityId,
        title,
        startsAt,
        endsAt,
        ...(place === undefined ? {} : { place }),
        ...(note === undefined ? {} : { note }),
        ...(serviceUserId === undefined ? {} : { serviceUserId }),
        addedBy: principal.professionalId,
      },
      metadata: access.metadata(principal, context, {
        facilityId,
        serviceUserId: agendaItemSubject({ owner, serviceUserId }),
      }),
      expectedRevision: 'noStream',
    });
    const revision = result.nextExpectedRevision as number;
    return { status: 201, body: { itemId, revision }, revision };
  };

  const onFeed = async (
    principal: Principal,
    context: RequestContext,
    owner: AgendaOwner,
    facilityId: string | undefined,
    command: AgendaFeedCommand,
  ) =>
    handleCommand(store, agendaFeedDecider, {
      streamId: agendaFeedStreamId(principal.organisationId, owner),
      commandId: access.commandId(principal, context),
      command,
      metadata: access.metadata(principal, context, { facilityId, serviceUserId: agendaOwnerSubject(owner) }),
    });

  const issueFeed = async (
    principal: Principal,
    context: RequestContext,
    owner: AgendaOwner,
    feedId: string,
    facilityId?: string,
  ) => {
    const secret = newFeedSecret();
    const tokenHash = feedSecretHash(secret);
    const result = await onFeed(principal, context, owner, facilityId, {
      type: 'IssueAgendaFeed',
      feedId,
      owner,
      tokenHash,
      ...(facilityId === undefined ? {} : { facilityId }),
      issuedBy: principal.professionalId,
      issuedAt: clock().toISOString(),
    });
    const issued = result.events.find((event) => event.type === 'AgendaFeedIssued')?.data as
      | { tokenHash?: string }
      | undefined;
    if (issued?.tokenHash !== tokenHash) {
      // the same command ran before and its answer was lost: its secret was never kept, so it cannot be given again
      throw new HttpProblem(
        'conflict',
        'Ce lien a déjà été émis par une requête précédente portant la même clé d’idempotence, et il n’est conservé ' +
          'nulle part en clair : émettez-en un nouveau, avec une nouvelle clé.',
      );
    }
    const revision = result.nextExpectedRevision as number;
    return { status: 201, body: { feedId, url: `${originOf(context)}/ics/${secret}.ics`, revision }, revision };
  };

  const revokeFeed = async (principal: Principal, context: RequestContext, owner: AgendaOwner, facilityId?: string) => {
    const result = await onFeed(principal, context, owner, facilityId, {
      type: 'RevokeAgendaFeed',
      at: clock().toISOString(),
    });
    const revision = result.nextExpectedRevision as number;
    return { body: { revision }, revision };
  };

  /**
   * A professional's agenda as this reader may see it, and the usagers shown (for the trace). A
   * usager whose record is closed (archived or destroyed) is not shown, even to the professional
   * themselves: it is counted among the others.
   */
  const professionalAgendaFor = async (
    principal: Principal,
    professionalId: string,
    entries: ProfessionalAgendaEntry[],
  ) => {
    const self = principal.professionalId === professionalId;
    const open = await agenda.openAmong(
      principal.organisationId,
      entries.flatMap((entry) => entry.serviceUserIds),
    );
    const shown: { serviceUserId: string; facilityId: string }[] = [];
    const visible = entries.map((entry) => {
      const readable = entry.serviceUserIds.filter(
        (serviceUserId) =>
          open.has(serviceUserId) && (self || agenda.may(principal, 'read', entry.facilityId, serviceUserId)),
      );
      for (const serviceUserId of readable) shown.push({ serviceUserId, facilityId: entry.facilityId });
      return { ...entry, serviceUserIds: readable, otherServiceUsers: entry.serviceUserIds.length - readable.length };
    });
    return { visible, shown };
  };

  const feedWindow = () => {
    const now = clock();
    return {
      now,
      from: new Date(now.getTime() - FEED_DAYS_BEHIND * MS_PER_DAY).toISOString(),
      to: new Date(now.getTime() + FEED_DAYS_AHEAD * MS_PER_DAY).toISOString(),
    };
  };

  const itemBody = {
    itemId: z.uuid(),
    facilityId: identifier,
    title: text(200),
    startsAt: instant,
    endsAt: instant,
    place: text(200).optional(),
    note: text(2_000).optional(),
  };

  return [
    defineQuery({
      path: '/organisations/:organisationId/professionals/:professionalId/agenda',
      summary: 'L’agenda d’un professionnel sur une période : événements organisés ou suivis, éléments d’agenda',
      description:
        'Du jour `from` au jour `to` inclus (jours à Paris ; par défaut d’aujourd’hui à 30 jours). Le professionnel ' +
        'lit le sien ; la direction et le secrétariat lisent celui d’un collègue, pour les ESSMS où ils tiennent ce ' +
        'rôle, sans les usagers qu’ils ne peuvent pas lire (comptés dans `otherServiceUsers`). Lecture tracée ' +
        'pour chaque usager montré.',
      tags: [TAG],
      params: professionalParams,
      query: periodQuery,
      response: z.object({ entries: z.array(professionalEntrySchema) }),
      problems: ['forbidden', 'validation-failed'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const self = principal.professionalId === params.professionalId;
        const organisedHere = new Set(
          principal.roles.filter((grant) => AGENDA_READERS.has(grant.role)).map((grant) => grant.facilityId),
        );
        if (!self && organisedHere.size === 0) {
          throw new HttpProblem(
            'forbidden',
            'Seuls le professionnel lui-même, la direction et le secrétariat de son établissement lisent son agenda.',
          );
        }
        const entries = (
          await professionalAgenda(knex, agendasSchema, {
            organisationId: params.organisationId,
            professionalId: params.professionalId,
            ...periodOf(query, clock()),
          })
        ).filter((entry) => self || organisedHere.has(entry.facilityId));
        const { visible, shown } = await professionalAgendaFor(principal, params.professionalId, entries);
        await agenda.trace(principal, context, shown, 'professional-agenda');
        return { body: { entries: visible } };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/agenda',
      summary: 'L’agenda d’un usager sur une période : les événements où il est attendu, ses éléments d’agenda',
      description:
        'Du jour `from` au jour `to` inclus (jours à Paris ; par défaut d’aujourd’hui à 30 jours), dans les ESSMS ' +
        'où le lecteur peut lire les données administratives de l’usager. Lecture tracée.',
      tags: [TAG],
      params: serviceUserParams,
      query: periodQuery,
      response: z.object({ entries: z.array(usagerEntrySchema) }),
      problems: ['forbidden', 'validation-failed'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const facilities = [...new Set(principal.roles.map((grant) => grant.facilityId))];
        const readable = facilities.filter((facilityId) =>
          agenda.may(principal, 'read', facilityId, params.serviceUserId),
        );
        if (readable.length === 0) {
          agenda.check(principal, 'read', facilities[0] ?? '', params.serviceUserId);
        }
        const entries = (
          await usagerAgenda(knex, agendasSchema, {
            organisationId: params.organisationId,
            serviceUserId: params.serviceUserId,
            ...periodOf(query, clock()),
          })
        ).filter((entry) => readable.includes(entry.facilityId));
        await agenda.trace(
          principal,
          context,
          readable.map((facilityId) => ({ serviceUserId: params.serviceUserId, facilityId })),
          'usager-agenda',
        );
        return { body: { entries } };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/professionals/:professionalId/agenda-items',
      summary: 'Mettre un élément dans l’agenda d’un professionnel (le sien ou celui d’un collègue)',
      description:
        'Il peut nommer l’usager qu’il concerne (`serviceUserId`) : l’auteur doit alors pouvoir écrire ses données ' +
        'administratives, et le destinataire les lire, dans cet ESSMS.',
      tags: [TAG],
      status: 201,
      params: professionalParams,
      body: z.object({ ...itemBody, serviceUserId: identifier.optional() }),
      response: itemAccepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        agenda.requireRoleIn(principal, body.facilityId);
        const [owner] = await agenda.requireColleagues(params.organisationId, [params.professionalId]);
        if (body.serviceUserId !== undefined) {
          agenda.check(principal, 'write', body.facilityId, body.serviceUserId);
          if (owner !== undefined && !agenda.may(owner, 'read', body.facilityId, body.serviceUserId)) {
            throw new HttpProblem(
              'domain-rule-violated',
              'Ce professionnel n’a pas accès au dossier de cet usager dans cet établissement : l’élément ne peut pas le nommer.',
              { extensions: { code: 'OWNER_CANNOT_READ_USAGER' } },
            );
          }
        }
        return addItem(principal, context, { kind: 'professional', professionalId: params.professionalId }, body);
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/agenda-items',
      summary: 'Mettre un élément dans l’agenda d’un usager (audience, rendez-vous extérieur, rappel)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object(itemBody),
      response: itemAccepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        agenda.check(principal, 'write', body.facilityId, params.serviceUserId);
        return addItem(principal, context, { kind: 'usager', serviceUserId: params.serviceUserId }, body);
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/agenda-items/:itemId/cancellations',
      summary: 'Annuler un élément d’agenda (il reste, marqué annulé)',
      description:
        'Par le professionnel dont c’est l’agenda ou qui l’y a mis ; dans l’agenda d’un usager, par qui peut ' +
        'écrire ses données administratives.',
      tags: [TAG],
      params: organisationParams.extend({ itemId: z.uuid() }),
      body: z.object({ reason: text(1_000).optional() }),
      response: itemAccepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const item = await itemOf(params.organisationId, params.itemId);
        if (item.owner.kind === 'usager') {
          agenda.check(principal, 'write', item.facilityId, item.owner.serviceUserId);
        } else if (
          principal.professionalId !== item.owner.professionalId &&
          principal.professionalId !== item.addedBy
        ) {
          throw new HttpProblem(
            'forbidden',
            'Seuls le professionnel dont c’est l’agenda et celui qui y a mis cet élément l’annulent.',
          );
        }
        const result = await handleCommand(store, agendaItemDecider, {
          streamId: agendaItemStreamId(params.organisationId, params.itemId),
          commandId: access.commandId(principal, context),
          command: { type: 'CancelAgendaItem', ...(body.reason === undefined ? {} : { reason: body.reason }) },
          metadata: access.metadata(principal, context, {
            facilityId: item.facilityId,
            serviceUserId: agendaItemSubject(item),
          }),
          ...(expectedRevision === undefined ? {} : { expectedRevision }),
        });
        const revision = result.nextExpectedRevision as number;
        return { body: { itemId: params.itemId, revision }, revision };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/professionals/:professionalId/agenda-feeds',
      summary: 'Émettre le lien secret d’abonnement (ICS) à son agenda ; il remplace le précédent',
      description:
        'Répond l’URL `…/ics/<secret>.ics`, montrée cette seule fois : seul son condensat (SHA-256) est conservé. ' +
        'Le flux est minimisé : ce qui concerne un usager n’y porte ni nom, ni intitulé, ni lieu, seulement sa ' +
        'nature, ses heures et un lien vers le DUI.',
      tags: [TAG],
      status: 201,
      params: professionalParams,
      body: z.object({ feedId: z.uuid() }),
      response: feedIssued,
      problems: ['forbidden', 'conflict', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        onlySelf(principal, params.professionalId, 'émet le lien de son agenda');
        return issueFeed(
          principal,
          context,
          { kind: 'professional', professionalId: params.professionalId },
          body.feedId,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/professionals/:professionalId/agenda-feed-revocations',
      summary: 'Révoquer le lien secret d’abonnement à son agenda (il répond ensuite 404)',
      tags: [TAG],
      params: professionalParams,
      body: z.object({}),
      response: feedRevoked,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        onlySelf(principal, params.professionalId, 'révoque le lien de son agenda');
        return revokeFeed(principal, context, { kind: 'professional', professionalId: params.professionalId });
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/agenda-feeds',
      summary: 'Émettre, pour l’usager, le lien secret d’abonnement (ICS) à son agenda ; il remplace le précédent',
      description:
        'Répond l’URL `…/ics/<secret>.ics`, à remettre à l’usager, montrée cette seule fois. Le flux ne montre que ' +
        'les événements et éléments d’agenda de cet ESSMS (`facilityId`).',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({ feedId: z.uuid(), facilityId: identifier }),
      response: feedIssued,
      problems: ['forbidden', 'conflict', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        agenda.check(principal, 'write', body.facilityId, params.serviceUserId);
        return issueFeed(
          principal,
          context,
          { kind: 'usager', serviceUserId: params.serviceUserId },
          body.feedId,
          body.facilityId,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/agenda-feed-revocations',
      summary: 'Révoquer le lien secret d’abonnement à l’agenda de l’usager (il répond ensuite 404)',
      tags: [TAG],
      params: serviceUserParams,
      body: z.object({ facilityId: identifier }),
      response: feedRevoked,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        agenda.check(principal, 'write', body.facilityId, params.serviceUserId);
        return revokeFeed(principal, context, { kind: 'usager', serviceUserId: params.serviceUserId }, body.facilityId);
      },
    }),

    defineQuery({
      path: '/ics/:secret.ics',
      summary: 'Un agenda au format iCalendar (RFC 5545), à son lien secret : sans session, le secret en tient lieu',
      description:
        'D’un mois en arrière à un an devant. Un lien inconnu, remplacé ou révoqué répond 404. Celui d’un usager ne ' +
        'montre que ce qui relève de l’ESSMS pour lequel il a été émis, et chaque lecture en est tracée au journal ' +
        'des accès de l’usager (ressource `usager-agenda-ics`, motif `usager-ics-feed`).',
      tags: [TAG],
      params: z.object({ secret: z.string().min(1).max(200) }),
      produces: 'text/calendar',
      response: z.custom<Buffer>(),
      problems: ['not-found'],
      async handler({ params, context }) {
        const feed = FEED_SECRET.test(params.secret)
          ? await agendaFeedByTokenHash(knex, agendasSchema, feedSecretHash(params.secret))
          : undefined;
        if (feed === undefined) throw gone();
        const { now, from, to } = feedWindow();
        const { organisationId, owner } = feed;
        let calendar: string;
        if (owner.kind === 'professional') {
          // a professional who left the organisation (no role left in it) takes no agenda along
          const held = await habilitationsOf(knex, habilitationsSchema, organisationId, owner.professionalId);
          if (held.roles.length === 0) throw gone();
          const entries = await professionalAgenda(knex, agendasSchema, {
            organisationId,
            professionalId: owner.professionalId,
            from,
            to,
          });
          const origin = originOf(context);
          const organisation = encodeURIComponent(organisationId);
          calendar = professionalAgendaIcs(entries, {
            now,
            linkTo: (entry) =>
              entry.source === 'planned-event'
                ? `${origin}/organisations/${organisation}/planned-events/${entry.id}`
                : `${origin}/organisations/${organisation}/professionals/${encodeURIComponent(owner.professionalId)}/agenda`,
          });
        } else {
          // issued for one ESSMS, by staff who write the usager's data there: it shows that ESSMS' entries only
          const { facilityId } = feed;
          if (facilityId === null) throw gone();
          // an archived or destroyed record, or a usager who died, has no agenda to follow any more
          const open = await access.openRecordsAmong(organisationId, [owner], (held) => held.serviceUserId);
          if (open.length === 0) throw gone();
          if (await deathRecordedFor(knex, accompanimentExitsSchema, { organisationId, ...owner })) throw gone();
          const entries = await usagerAgenda(knex, agendasSchema, {
            organisationId,
            serviceUserId: owner.serviceUserId,
            facilityId,
            from,
            to,
          });
          calendar = usagerAgendaIcs(entries, { now });
          // a read of the usager's record, traced before the answer leaves; no professional reads it, so it is
          // recorded as the portal's reads are, its actor the feed (by its id: never the secret, nor its hash)
          await accessLog.recordPortalRead({
            organisationId,
            accountId: `agenda-feed:${feed.feedId}`,
            correlationId: context.correlationId,
            read: {
              serviceUserId: owner.serviceUserId,
              facilityId,
              roles: ['usager'],
              resource: 'usager-agenda-ics',
              sensitivities: [ADMINISTRATIVE],
              purpose: 'usager-ics-feed',
            },
          });
        }
        return {
          body: Buffer.from(calendar, 'utf8'),
          headers: { 'Content-Disposition': 'inline; filename="agenda.ics"' },
        };
      },
    }),
  ];
}
