import {
  DomainRuleViolation,
  type EventParticipant,
  MAX_EVENT_PARTNERS,
  MAX_EVENT_PROFESSIONALS,
  MAX_EVENT_USAGERS,
  PLANNED_EVENT_KINDS,
  type PlannedEventCommand,
  type Principal,
  plannedEventDecider,
  plannedEventStreamId,
  plannedEventSubject,
} from '@dui-pds/domain';
import { handleCommand } from '@dui-pds/eventstore';
import {
  type ParticipantView,
  type PlannedEventView,
  plannedEventById,
  plannedEventsOfFacility,
} from '@dui-pds/projections';
import { z } from 'zod';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { refuseActAfterExit } from '../accompaniment-end.js';
import { parisDay } from '../paris-day.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams } from '../route-parameters.js';
import { type AgendaAccess, type AgendasDependencies, agendaAccess } from './agenda-access.js';
import { periodOf, periodQuery } from './agenda-period.js';

const TAG = 'Événements planifiés';
const instant = z.iso.datetime({ offset: true });
const text = (max: number) => z.string().trim().min(1).max(max);
const eventParams = organisationParams.extend({ plannedEventId: z.uuid() });
const accepted = z.object({ plannedEventId: z.uuid(), revision: z.int() });

const participantBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('usager'), serviceUserId: identifier }),
  z.object({ kind: z.literal('professional'), professionalId: identifier }),
  z.object({ kind: z.literal('partner'), name: text(200) }),
]);

const participantView = z.object({
  kind: z.enum(['usager', 'professional', 'partner']),
  /** Null for a usager the reader may not read: counted, not named. */
  id: z.string().nullable(),
  organiser: z.boolean(),
  attendance: z
    .union([
      z.object({ status: z.literal('present') }),
      z.object({ status: z.literal('absent'), justified: z.boolean(), reason: z.string().nullable() }),
    ])
    .nullable(),
});
export const plannedEventViewSchema = z.object({
  plannedEventId: z.string(),
  facilityId: z.string(),
  kind: z.enum(PLANNED_EVENT_KINDS),
  title: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  place: z.string().nullable(),
  organiserId: z.string(),
  accompanimentId: z.string().nullable(),
  status: z.enum(['planned', 'held', 'cancelled']),
  cancelReason: z.string().nullable(),
  reschedulings: z.int(),
  participants: z.array(participantView),
  revision: z.int(),
});

/** Whether the caller organises or takes part in the event: they see who comes. */
function involved(principal: Principal, event: PlannedEventView): boolean {
  return event.participants.some(
    (participant) => participant.kind === 'professional' && participant.id === principal.professionalId,
  );
}

/** A planned event as a reader sees it: a usager they may not read has no id. */
export type ReaderEventView = Omit<PlannedEventView, 'participants'> & {
  participants: (Omit<ParticipantView, 'id'> & { id: string | null })[];
};

/**
 * The event as this reader may see it: every usager they may read (or, organising or taking
 * part, every usager who comes), the others counted without their id, as is a usager whose
 * record is closed (`open` says whose are not). Answers the usagers shown, for the trace.
 */
export function eventForReader(
  principal: Principal,
  event: PlannedEventView,
  agenda: AgendaAccess,
  open: ReadonlySet<string>,
): { view: ReaderEventView; shown: { serviceUserId: string; facilityId: string }[] } {
  const insider = involved(principal, event);
  const shown: { serviceUserId: string; facilityId: string }[] = [];
  const participants = event.participants.map((participant): ReaderEventView['participants'][number] => {
    if (participant.kind !== 'usager') return participant;
    if (open.has(participant.id) && (insider || agenda.may(principal, 'read', event.facilityId, participant.id))) {
      shown.push({ serviceUserId: participant.id, facilityId: event.facilityId });
      return participant;
    }
    return { ...participant, id: null, attendance: null };
  });
  return { view: { ...event, participants }, shown };
}

/**
 * Planned events (appointments, collective activities, outings): plan, reschedule, cancel, say
 * held, the presence or absence of each participant; read one, and an ESSMS' events of a period.
 *
 * Who may act on an event: its organiser, or whoever holds a role in its ESSMS and may write the
 * administrative data of every usager taking part (the secretariat, the care team). A usager's
 * presence may also be recorded by whoever may write that usager's administrative data.
 */
export function plannedEventsRoutes(deps: AgendasDependencies): RouteDefinition[] {
  const { store, knex, agendasSchema, accompanimentExitsSchema, access, clock } = deps;
  const agenda = agendaAccess(deps);

  const findEvent = async (organisationId: string, plannedEventId: string) => {
    const event = await plannedEventById(knex, agendasSchema, { organisationId, plannedEventId });
    // an event of another tenant, or the appointment of a forgotten usager, is not there
    if (!event) throw new HttpProblem('not-found', 'Cet événement planifié n’existe pas.');
    return event;
  };

  const usagersOf = (event: PlannedEventView) =>
    event.participants.filter((participant) => participant.kind === 'usager').map((participant) => participant.id);

  const requireManager = (principal: Principal, event: PlannedEventView) => {
    if (event.organiserId === principal.professionalId) return;
    agenda.requireRoleIn(principal, event.facilityId);
    for (const serviceUserId of usagersOf(event)) agenda.check(principal, 'write', event.facilityId, serviceUserId);
  };

  const decide = async (
    principal: Principal,
    context: RequestContext,
    event: PlannedEventView,
    command: PlannedEventCommand,
    expectedRevision: number | undefined,
    serviceUserId = plannedEventSubject({ kind: event.kind, serviceUserIds: usagersOf(event) }),
  ) => {
    const { revision } = await professionalCommand(store, access, plannedEventDecider, {
      principal,
      context,
      streamId: plannedEventStreamId(principal.organisationId, event.plannedEventId),
      command,
      where: { facilityId: event.facilityId, serviceUserId },
      expectedRevision,
    });
    return { body: { plannedEventId: event.plannedEventId, revision }, revision };
  };

  const onEvent = async (
    params: { organisationId: string; plannedEventId: string },
    context: RequestContext,
    expectedRevision: number | undefined,
    command: PlannedEventCommand,
    beforeDeciding?: (event: PlannedEventView) => Promise<void>,
  ) => {
    const principal = await access.principal(context, params.organisationId);
    const event = await findEvent(params.organisationId, params.plannedEventId);
    requireManager(principal, event);
    await beforeDeciding?.(event);
    return decide(principal, context, event, command, expectedRevision);
  };

  /** An event of an accompaniment is not planned (nor moved) to a day past its exit. */
  const refuseAfterExit = async (organisationId: string, accompanimentId: string | null, startsAt: string) => {
    if (accompanimentId === null) return;
    const day = parisDay.format(new Date(startsAt));
    await refuseActAfterExit(knex, accompanimentExitsSchema, { organisationId, accompanimentId }, day, 'planned-event');
  };

  return [
    defineCommand({
      path: '/organisations/:organisationId/planned-events',
      summary: 'Planifier un rendez-vous, une activité collective ou une sortie, avec ses participants',
      description:
        'Un rendez-vous concerne un usager et un seul ; une activité collective ou une sortie, de 0 à ' +
        `${MAX_EVENT_USAGERS} usagers. Participent aussi des professionnels de l’organisme (` +
        `${MAX_EVENT_PROFESSIONALS} au plus) et des partenaires nommés en clair (${MAX_EVENT_PARTNERS} au plus). ` +
        'L’organisateur est l’appelant par défaut. Le lien à un accompagnement n’est possible qu’avec un usager.',
      tags: [TAG],
      status: 201,
      params: organisationParams,
      body: z.object({
        plannedEventId: z.uuid(),
        facilityId: identifier,
        kind: z.enum(PLANNED_EVENT_KINDS),
        title: text(200),
        startsAt: instant,
        endsAt: instant,
        place: text(200).optional(),
        organiserId: identifier.optional(),
        serviceUserIds: z.array(identifier).max(MAX_EVENT_USAGERS).optional(),
        professionalIds: z.array(identifier).max(MAX_EVENT_PROFESSIONALS).optional(),
        partners: z.array(text(200)).max(MAX_EVENT_PARTNERS).optional(),
        accompanimentId: identifier.optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ body, params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const serviceUserIds = body.serviceUserIds ?? [];
        agenda.requireRoleIn(principal, body.facilityId);
        for (const serviceUserId of serviceUserIds) agenda.check(principal, 'write', body.facilityId, serviceUserId);
        const organiserId = body.organiserId ?? principal.professionalId;
        await agenda.requireColleagues(params.organisationId, [organiserId, ...(body.professionalIds ?? [])]);
        await refuseAfterExit(params.organisationId, body.accompanimentId ?? null, body.startsAt);
        const command: PlannedEventCommand = {
          type: 'SchedulePlannedEvent',
          plannedEventId: body.plannedEventId,
          facilityId: body.facilityId,
          kind: body.kind,
          title: body.title,
          startsAt: body.startsAt,
          endsAt: body.endsAt,
          ...(body.place === undefined ? {} : { place: body.place }),
          organiserId,
          serviceUserIds,
          professionalIds: body.professionalIds ?? [],
          partners: body.partners ?? [],
          ...(body.accompanimentId === undefined ? {} : { accompanimentId: body.accompanimentId }),
          now: clock().toISOString(),
        };
        const subject = plannedEventSubject({ kind: body.kind, serviceUserIds });
        const result = await handleCommand(store, plannedEventDecider, {
          streamId: plannedEventStreamId(params.organisationId, body.plannedEventId),
          commandId: access.commandId(principal, context),
          command,
          metadata: access.metadata(principal, context, { facilityId: body.facilityId, serviceUserId: subject }),
          expectedRevision: 'noStream',
        });
        const revision = result.nextExpectedRevision as number;
        return { status: 201, body: { plannedEventId: body.plannedEventId, revision }, revision };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/planned-events/:plannedEventId/reschedulings',
      summary: 'Déplacer un événement planifié (nouvelles heures, nouveau lieu, motif)',
      tags: [TAG],
      params: eventParams,
      body: z.object({
        startsAt: instant,
        endsAt: instant,
        place: text(200).optional(),
        reason: text(1_000).optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, body, expectedRevision, context }) =>
        onEvent(
          params,
          context,
          expectedRevision,
          {
            type: 'ReschedulePlannedEvent',
            startsAt: body.startsAt,
            endsAt: body.endsAt,
            ...(body.place === undefined ? {} : { place: body.place }),
            ...(body.reason === undefined ? {} : { reason: body.reason }),
            now: clock().toISOString(),
          },
          (event) => refuseAfterExit(params.organisationId, event.accompanimentId, body.startsAt),
        ),
    }),

    defineCommand({
      path: '/organisations/:organisationId/planned-events/:plannedEventId/cancellations',
      summary: 'Annuler un événement planifié, en disant pourquoi',
      tags: [TAG],
      params: eventParams,
      body: z.object({ reason: text(1_000) }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, body, expectedRevision, context }) =>
        onEvent(params, context, expectedRevision, { type: 'CancelPlannedEvent', reason: body.reason }),
    }),

    defineCommand({
      path: '/organisations/:organisationId/planned-events/:plannedEventId/completions',
      summary: 'Noter qu’un événement planifié a eu lieu (une fois commencé)',
      tags: [TAG],
      params: eventParams,
      body: z.object({}),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      handler: ({ params, expectedRevision, context }) =>
        onEvent(params, context, expectedRevision, { type: 'RecordPlannedEventHeld', now: clock().toISOString() }),
    }),

    defineCommand({
      path: '/organisations/:organisationId/planned-events/:plannedEventId/attendances',
      summary: 'Noter la présence ou l’absence (justifiée ou non, motif) d’un participant à l’événement',
      description:
        'Une fois l’événement tenu. Noter à nouveau la présence d’un participant la corrige : ' +
        '`correctionReason` est alors obligatoire. La présence d’un usager à un événement n’est pas sa présence ' +
        'dans l’établissement ce jour-là (« Présences et absences »).',
      tags: [TAG],
      params: eventParams,
      body: z.object({
        participant: participantBody,
        status: z.enum(['present', 'absent']),
        justified: z.boolean().optional(),
        reason: text(1_000).optional(),
        correctionReason: text(1_000).optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const event = await findEvent(params.organisationId, params.plannedEventId);
        const participant = body.participant as EventParticipant;
        if (participant.kind === 'usager' && event.organiserId !== principal.professionalId) {
          agenda.check(principal, 'write', event.facilityId, participant.serviceUserId);
        } else {
          requireManager(principal, event);
        }
        if (body.status === 'present' && (body.justified !== undefined || body.reason !== undefined)) {
          throw new DomainRuleViolation(
            'PRESENCE_TAKES_NO_REASON',
            'Une présence ne se justifie pas : justification et motif ne concernent qu’une absence.',
          );
        }
        // a usager's presence at a collective event is theirs: encrypted with their key
        const subject =
          plannedEventSubject({ kind: event.kind, serviceUserIds: usagersOf(event) }) ??
          (participant.kind === 'usager' ? participant.serviceUserId : undefined);
        return decide(
          principal,
          context,
          event,
          {
            type: 'RecordPlannedEventAttendance',
            participant,
            attendance:
              body.status === 'present'
                ? { status: 'present' }
                : {
                    status: 'absent',
                    justified: body.justified ?? false,
                    ...(body.reason === undefined ? {} : { reason: body.reason }),
                  },
            ...(body.correctionReason === undefined ? {} : { correctionReason: body.correctionReason }),
          },
          expectedRevision,
          subject,
        );
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/planned-events/:plannedEventId',
      summary: 'Lire un événement planifié, ses participants et leurs présences (ETag : sa révision ; lecture tracée)',
      description:
        'Les usagers que le lecteur ne peut pas lire sont comptés sans être nommés (`id` nul), sauf pour ' +
        'l’organisateur et les professionnels qui participent.',
      tags: [TAG],
      params: eventParams,
      response: plannedEventViewSchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const event = await findEvent(params.organisationId, params.plannedEventId);
        if (!involved(principal, event)) agenda.requireRoleIn(principal, event.facilityId);
        const open = await agenda.openAmong(params.organisationId, usagersOf(event));
        const { view, shown } = eventForReader(principal, event, agenda, open);
        await agenda.trace(principal, context, shown, 'planned-event');
        return { body: view, revision: event.revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/planned-events',
      summary: 'Les événements planifiés d’un ESSMS sur une période, les plus proches d’abord (lecture tracée)',
      description:
        'Du jour `from` au jour `to` inclus (jours à Paris ; par défaut d’aujourd’hui à 30 jours), annulés ' +
        'compris. Les usagers que le lecteur ne peut pas lire sont comptés sans être nommés.',
      tags: [TAG],
      params: organisationParams.extend({ facilityId: identifier }),
      query: periodQuery,
      response: z.object({ plannedEvents: z.array(plannedEventViewSchema) }),
      problems: ['forbidden', 'validation-failed'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        agenda.requireRoleIn(principal, params.facilityId);
        const events = await plannedEventsOfFacility(knex, agendasSchema, {
          organisationId: params.organisationId,
          facilityId: params.facilityId,
          ...periodOf(query, clock()),
        });
        const open = await agenda.openAmong(params.organisationId, events.flatMap(usagersOf));
        const readable = events.map((event) => eventForReader(principal, event, agenda, open));
        await agenda.trace(
          principal,
          context,
          readable.flatMap((entry) => entry.shown),
          'planned-events',
        );
        return { body: { plannedEvents: readable.map((entry) => entry.view) } };
      },
    }),
  ];
}
