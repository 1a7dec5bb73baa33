import {
  type AgendaOwner,
  type AgendaOwnerKind,
  agendaOwnerId,
  PLANNED_EVENT_KIND_LABELS,
  PLANNED_EVENT_STATUS_LABELS,
  type PlannedEventKind,
  type PlannedEventStatus,
} from '@dui-pds/domain';
import type { Knex } from 'knex';

/**
 * A period: days `YYYY-MM-DD` (Europe/Paris, both included), or ISO 8601 instants. Something is in
 * it when it overlaps it.
 */
export interface AgendaPeriod {
  from: string;
  to: string;
}

export type AgendaEntrySource = 'planned-event' | 'agenda-item';
export type AgendaEntryKind = PlannedEventKind | 'agenda-item';

export const AGENDA_ENTRY_KIND_LABELS: Readonly<Record<AgendaEntryKind, string>> = {
  ...PLANNED_EVENT_KIND_LABELS,
  'agenda-item': 'Note d’agenda',
};

export interface ParticipantView {
  kind: 'usager' | 'professional' | 'partner';
  /** The usager's or professional's id, the partner's name. */
  id: string;
  organiser: boolean;
  attendance: { status: 'present' } | { status: 'absent'; justified: boolean; reason: string | null } | null;
}

/** A planned event as it stands, with its participants in their order (the organiser first). */
export interface PlannedEventView {
  plannedEventId: string;
  facilityId: string;
  kind: PlannedEventKind;
  title: string;
  startsAt: string;
  endsAt: string;
  place: string | null;
  organiserId: string;
  accompanimentId: string | null;
  status: PlannedEventStatus;
  cancelReason: string | null;
  reschedulings: number;
  participants: ParticipantView[];
  /** The revision of the event's stream, for `If-Match`. */
  revision: number;
}

/** One line of a usager's agenda, French-ready: what the portal shows them. */
export interface UsagerAgendaEntry {
  source: AgendaEntrySource;
  /** The planned event's or the item's id. */
  id: string;
  facilityId: string;
  kind: AgendaEntryKind;
  /** « Rendez-vous », « Activité collective », « Sortie », « Note d’agenda ». */
  kindLabel: string;
  title: string;
  /** ISO 8601 instants, UTC. */
  start: string;
  end: string;
  place: string | null;
  /** An item still on is `planned`; a cancelled one `cancelled`. */
  status: PlannedEventStatus;
  /** « prévu », « a eu lieu », « annulé ». */
  statusLabel: string;
  /** Their own presence at an event once recorded. */
  attendance: 'present' | 'absent' | null;
  revision: number;
}

/** One line of a professional's agenda. */
export interface ProfessionalAgendaEntry extends Omit<UsagerAgendaEntry, 'attendance'> {
  /** Why it is in this agenda. */
  role: 'organiser' | 'participant' | 'owner';
  organiserId: string | null;
  /** The usagers taking part in an event, or the one an item is about. */
  serviceUserIds: string[];
  professionalIds: string[];
  partners: string[];
  note: string | null;
}

export interface InformationView {
  informationId: string;
  recipient: AgendaOwner;
  facilityId: string;
  senderId: string;
  subject: string;
  text: string;
  serviceUserId: string | null;
  sentAt: string;
  readAt: string | null;
  revision: number;
}

/** A live ICS feed, found by its secret's hash. */
export interface AgendaFeedView {
  organisationId: string;
  feedId: string;
  owner: AgendaOwner;
  facilityId: string | null;
  issuedAt: string;
}

interface PlannedEventRow {
  organisation_id: string;
  planned_event_id: string;
  facility_id: string;
  kind: PlannedEventKind;
  title: string;
  starts_at_utc: string;
  ends_at_utc: string;
  place: string | null;
  organiser_id: string;
  accompaniment_id: string | null;
  status: PlannedEventStatus;
  cancel_reason: string | null;
  reschedulings: number;
  revision: number;
}

interface ParticipantRow {
  planned_event_id: string;
  participant_kind: ParticipantView['kind'];
  participant_id: string;
  organiser: boolean;
  attendance: 'present' | 'absent' | null;
  justified: boolean | null;
  attendance_reason: string | null;
}

interface AgendaItemRow {
  item_id: string;
  owner_kind: AgendaOwnerKind;
  owner_id: string;
  facility_id: string;
  title: string;
  starts_at_utc: string;
  ends_at_utc: string;
  place: string | null;
  note: string | null;
  service_user_id: string | null;
  status: 'active' | 'cancelled';
  revision: number;
}

interface InformationRow {
  information_id: string;
  recipient_kind: AgendaOwnerKind;
  recipient_id: string;
  facility_id: string;
  sender_id: string;
  subject: string;
  text: string;
  service_user_id: string | null;
  sent_at: string;
  read_at: string | null;
  revision: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Restricts a query on a table with `starts_*`/`ends_*` columns to what overlaps the period. */
function overlapping(query: Knex.QueryBuilder, period: AgendaPeriod, prefix = ''): Knex.QueryBuilder {
  if (DAY.test(period.from) && DAY.test(period.to)) {
    return query.where(`${prefix}starts_on`, '<=', period.to).andWhere(`${prefix}ends_on`, '>=', period.from);
  }
  const from = DAY.test(period.from) ? parisMidnight(period.from) : new Date(period.from);
  const to = DAY.test(period.to) ? new Date(parisMidnight(period.to).getTime() + 86_400_000) : new Date(period.to);
  return query
    .where(`${prefix}starts_at_utc`, '<', to.toISOString())
    .andWhere(`${prefix}ends_at_utc`, '>', from.toISOString());
}

const parisHour = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' });

/** The instant a day starts in Paris: UTC midnight, less the hours Paris is ahead then (1 or 2). */
function parisMidnight(day: string): Date {
  const utcMidnight = new Date(`${day}T00:00:00Z`);
  return new Date(utcMidnight.getTime() - Number(parisHour.format(utcMidnight)) * 3_600_000);
}

function attendanceOf(row: ParticipantRow): ParticipantView['attendance'] {
  if (row.attendance === 'present') return { status: 'present' };
  if (row.attendance === 'absent') {
    return { status: 'absent', justified: row.justified === true, reason: row.attendance_reason };
  }
  return null;
}

async function participantsByEvent(
  db: Knex,
  readSchema: string,
  organisationId: string,
  plannedEventIds: readonly string[],
): Promise<Map<string, ParticipantRow[]>> {
  const byEvent = new Map<string, ParticipantRow[]>();
  if (plannedEventIds.length === 0) return byEvent;
  const rows = (await db
    .withSchema(readSchema)
    .from('planned_event_participants')
    .where('organisation_id', organisationId)
    .whereIn('planned_event_id', [...plannedEventIds])
    .orderBy(['planned_event_id', 'position'])) as ParticipantRow[];
  for (const row of rows) {
    const list = byEvent.get(row.planned_event_id) ?? [];
    list.push(row);
    byEvent.set(row.planned_event_id, list);
  }
  return byEvent;
}

function toPlannedEvent(row: PlannedEventRow, participants: readonly ParticipantRow[]): PlannedEventView {
  return {
    plannedEventId: row.planned_event_id,
    facilityId: row.facility_id,
    kind: row.kind,
    title: row.title,
    startsAt: row.starts_at_utc,
    endsAt: row.ends_at_utc,
    place: row.place,
    organiserId: row.organiser_id,
    accompanimentId: row.accompaniment_id,
    status: row.status,
    cancelReason: row.cancel_reason,
    reschedulings: Number(row.reschedulings),
    participants: participants.map((participant) => ({
      kind: participant.participant_kind,
      id: participant.participant_id,
      organiser: participant.organiser,
      attendance: attendanceOf(participant),
    })),
    revision: Number(row.revision),
  };
}

async function plannedEventViews(
  db: Knex,
  readSchema: string,
  organisationId: string,
  rows: readonly PlannedEventRow[],
): Promise<PlannedEventView[]> {
  const participants = await participantsByEvent(
    db,
    readSchema,
    organisationId,
    rows.map((row) => row.planned_event_id),
  );
  return rows.map((row) => toPlannedEvent(row, participants.get(row.planned_event_id) ?? []));
}

/** One planned event; undefined when there is none under this id here (or its usager was forgotten). */
export async function plannedEventById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; plannedEventId: string },
): Promise<PlannedEventView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('planned_events')
    .where({ organisation_id: where.organisationId, planned_event_id: where.plannedEventId })
    .first()) as PlannedEventRow | undefined;
  if (row === undefined) return undefined;
  const [view] = await plannedEventViews(db, readSchema, where.organisationId, [row]);
  return view;
}

/** The planned events of one ESSMS over a period, soonest first, cancelled ones included. */
export async function plannedEventsOfFacility(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string } & AgendaPeriod,
): Promise<PlannedEventView[]> {
  const query = db
    .withSchema(readSchema)
    .from('planned_events')
    .where({ organisation_id: where.organisationId, facility_id: where.facilityId });
  const rows = (await overlapping(query, where).orderBy(['starts_at_utc', 'planned_event_id'])) as PlannedEventRow[];
  return plannedEventViews(db, readSchema, where.organisationId, rows);
}

/**
 * The events a participant (usager or professional) takes part in over a period, with all their
 * participants; only those of one ESSMS when `facilityId` is given.
 */
async function eventsOfParticipant(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; kind: 'usager' | 'professional'; id: string; facilityId?: string } & AgendaPeriod,
): Promise<PlannedEventView[]> {
  const query = db
    .withSchema(readSchema)
    .select('e.*')
    .from('planned_events as e')
    .join('planned_event_participants as p', function () {
      this.on('p.organisation_id', 'e.organisation_id').andOn('p.planned_event_id', 'e.planned_event_id');
    })
    .where({
      'e.organisation_id': where.organisationId,
      'p.participant_kind': where.kind,
      'p.participant_id': where.id,
    });
  if (where.facilityId !== undefined) query.andWhere('e.facility_id', where.facilityId);
  const rows = (await overlapping(query, where, 'e.').orderBy([
    'e.starts_at_utc',
    'e.planned_event_id',
  ])) as PlannedEventRow[];
  return plannedEventViews(db, readSchema, where.organisationId, rows);
}

/** The items of an agenda over a period; only those of one ESSMS when `facilityId` is given. */
async function itemsOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; owner: AgendaOwner; facilityId?: string } & AgendaPeriod,
): Promise<AgendaItemRow[]> {
  const query = db
    .withSchema(readSchema)
    .from('agenda_items')
    .where({
      organisation_id: where.organisationId,
      owner_kind: where.owner.kind,
      owner_id: agendaOwnerId(where.owner),
    });
  if (where.facilityId !== undefined) query.andWhere('facility_id', where.facilityId);
  return (await overlapping(query, where).orderBy(['starts_at_utc', 'item_id'])) as AgendaItemRow[];
}

function itemStatus(row: AgendaItemRow): PlannedEventStatus {
  return row.status === 'cancelled' ? 'cancelled' : 'planned';
}

const byStart = <T extends { start: string; id: string }>(a: T, b: T) =>
  a.start < b.start ? -1 : a.start > b.start ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * A usager's agenda over a period, soonest first: the planned events they take part in and the
 * items put into their agenda, cancelled ones included (marked so). It names no other person: not
 * the other usagers of a collective event, not the professionals. What the usager portal shows.
 *
 * With `facilityId`, only what belongs to that ESSMS (the planned event's or the item's own
 * ESSMS), selected by the query: what a usager's ICS feed, issued for one ESSMS, shows.
 */
export async function usagerAgenda(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId?: string } & AgendaPeriod,
): Promise<UsagerAgendaEntry[]> {
  const { organisationId, serviceUserId, facilityId, from, to } = where;
  const inFacility = facilityId === undefined ? {} : { facilityId };
  const events = await eventsOfParticipant(db, readSchema, {
    organisationId,
    kind: 'usager',
    id: serviceUserId,
    ...inFacility,
    from,
    to,
  });
  const items = await itemsOf(db, readSchema, {
    organisationId,
    owner: { kind: 'usager', serviceUserId },
    ...inFacility,
    from,
    to,
  });
  return [
    ...events.map((event): UsagerAgendaEntry => {
      const own = event.participants.find(
        (participant) => participant.kind === 'usager' && participant.id === serviceUserId,
      );
      return {
        source: 'planned-event',
        id: event.plannedEventId,
        facilityId: event.facilityId,
        kind: event.kind,
        kindLabel: AGENDA_ENTRY_KIND_LABELS[event.kind],
        title: event.title,
        start: event.startsAt,
        end: event.endsAt,
        place: event.place,
        status: event.status,
        statusLabel: PLANNED_EVENT_STATUS_LABELS[event.status],
        attendance: own?.attendance?.status ?? null,
        revision: event.revision,
      };
    }),
    ...items.map(
      (item): UsagerAgendaEntry => ({
        source: 'agenda-item',
        id: item.item_id,
        facilityId: item.facility_id,
        kind: 'agenda-item',
        kindLabel: AGENDA_ENTRY_KIND_LABELS['agenda-item'],
        title: item.title,
        start: item.starts_at_utc,
        end: item.ends_at_utc,
        place: item.place,
        status: itemStatus(item),
        statusLabel: PLANNED_EVENT_STATUS_LABELS[itemStatus(item)],
        attendance: null,
        revision: Number(item.revision),
      }),
    ),
  ].sort(byStart);
}

/**
 * A professional's agenda over a period, soonest first: the planned events they organise or take
 * part in (with every participant: the shell hides the usagers the reader may not read) and the
 * items put into their agenda.
 */
export async function professionalAgenda(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; professionalId: string } & AgendaPeriod,
): Promise<ProfessionalAgendaEntry[]> {
  const { organisationId, professionalId, from, to } = where;
  const events = await eventsOfParticipant(db, readSchema, {
    organisationId,
    kind: 'professional',
    id: professionalId,
    from,
    to,
  });
  const items = await itemsOf(db, readSchema, {
    organisationId,
    owner: { kind: 'professional', professionalId },
    from,
    to,
  });
  const idsOf = (event: PlannedEventView, kind: ParticipantView['kind']) =>
    event.participants
      .filter((participant) => participant.kind === kind && !participant.organiser)
      .map((participant) => participant.id);
  return [
    ...events.map(
      (event): ProfessionalAgendaEntry => ({
        source: 'planned-event',
        id: event.plannedEventId,
        facilityId: event.facilityId,
        kind: event.kind,
        kindLabel: AGENDA_ENTRY_KIND_LABELS[event.kind],
        title: event.title,
        start: event.startsAt,
        end: event.endsAt,
        place: event.place,
        status: event.status,
        statusLabel: PLANNED_EVENT_STATUS_LABELS[event.status],
        revision: event.revision,
        role: event.organiserId === professionalId ? 'organiser' : 'participant',
        organiserId: event.organiserId,
        serviceUserIds: idsOf(event, 'usager'),
        professionalIds: idsOf(event, 'professional'),
        partners: idsOf(event, 'partner'),
        note: null,
      }),
    ),
    ...items.map(
      (item): ProfessionalAgendaEntry => ({
        source: 'agenda-item',
        id: item.item_id,
        facilityId: item.facility_id,
        kind: 'agenda-item',
        kindLabel: AGENDA_ENTRY_KIND_LABELS['agenda-item'],
        title: item.title,
        start: item.starts_at_utc,
        end: item.ends_at_utc,
        place: item.place,
        status: itemStatus(item),
        statusLabel: PLANNED_EVENT_STATUS_LABELS[itemStatus(item)],
        revision: Number(item.revision),
        role: 'owner',
        organiserId: null,
        serviceUserIds: item.service_user_id === null ? [] : [item.service_user_id],
        professionalIds: [],
        partners: [],
        note: item.note,
      }),
    ),
  ].sort(byStart);
}

function toInformation(row: InformationRow): InformationView {
  return {
    informationId: row.information_id,
    recipient:
      row.recipient_kind === 'professional'
        ? { kind: 'professional', professionalId: row.recipient_id }
        : { kind: 'usager', serviceUserId: row.recipient_id },
    facilityId: row.facility_id,
    senderId: row.sender_id,
    subject: row.subject,
    text: row.text,
    serviceUserId: row.service_user_id,
    sentAt: row.sent_at,
    readAt: row.read_at,
    revision: Number(row.revision),
  };
}

/** The information sent to a professional or a usager, the latest first; only the unread ones on demand. */
export async function informationFor(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; recipient: AgendaOwner; unreadOnly?: boolean },
): Promise<InformationView[]> {
  const query = db
    .withSchema(readSchema)
    .from('information')
    .where({
      organisation_id: where.organisationId,
      recipient_kind: where.recipient.kind,
      recipient_id: agendaOwnerId(where.recipient),
    });
  if (where.unreadOnly) query.whereNull('read_at');
  const rows = (await query.orderBy([
    { column: 'sent_at', order: 'desc' },
    { column: 'information_id', order: 'asc' },
  ])) as InformationRow[];
  return rows.map(toInformation);
}

/** One information; undefined when there is none under this id here (or its usager was forgotten). */
export async function informationById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; informationId: string },
): Promise<InformationView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('information')
    .where({ organisation_id: where.organisationId, information_id: where.informationId })
    .first()) as InformationRow | undefined;
  return row === undefined ? undefined : toInformation(row);
}

/**
 * The live feed whose secret hashes to `tokenHash`, in any organisation (the secret URL names none:
 * the secret is the credential); undefined when unknown, revoked or replaced.
 */
export async function agendaFeedByTokenHash(
  db: Knex,
  readSchema: string,
  tokenHash: string,
): Promise<AgendaFeedView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('agenda_feeds')
    .where({ token_hash: tokenHash })
    .whereNull('revoked_at')
    .first()) as
    | {
        organisation_id: string;
        feed_id: string;
        owner_kind: AgendaOwnerKind;
        owner_id: string;
        facility_id: string | null;
        issued_at: string;
      }
    | undefined;
  if (row === undefined) return undefined;
  return {
    organisationId: row.organisation_id,
    feedId: row.feed_id,
    owner:
      row.owner_kind === 'professional'
        ? { kind: 'professional', professionalId: row.owner_id }
        : { kind: 'usager', serviceUserId: row.owner_id },
    facilityId: row.facility_id,
    issuedAt: row.issued_at,
  };
}
