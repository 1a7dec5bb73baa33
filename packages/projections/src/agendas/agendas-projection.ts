import {
  type AgendaFeedEventType,
  type AgendaFeedIssued,
  type AgendaFeedRevoked,
  type AgendaItemAdded,
  type AgendaItemCancelled,
  type AgendaItemEventType,
  agendaOwnerId,
  type DestructionReportEventType,
  type EventParticipant,
  type InformationEventType,
  type InformationRead,
  type InformationSent,
  type PlannedEventAttendanceRecorded,
  type PlannedEventCancelled,
  type PlannedEventEventType,
  type PlannedEventRescheduled,
  type PlannedEventScheduled,
  participantsOf,
  type RecordDestroyed,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection, type ProjectionContext, type ServiceUserRows } from '../projection.js';

const handled: readonly (
  | PlannedEventEventType
  | AgendaItemEventType
  | InformationEventType
  | AgendaFeedEventType
  | DestructionReportEventType
)[] = [
  'PlannedEventScheduled',
  'PlannedEventRescheduled',
  'PlannedEventCancelled',
  'PlannedEventHeld',
  'PlannedEventAttendanceRecorded',
  'PlannedEventAttendanceCorrected',
  'AgendaItemAdded',
  'AgendaItemCancelled',
  'InformationSent',
  'InformationRead',
  'InformationMarkedUnread',
  'AgendaFeedIssued',
  'AgendaFeedRevoked',
  'RecordDestroyed',
];

const parisDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });

/**
 * When something happens, as UTC instants that sort as text, and the days it covers in Paris (the
 * day staff and usagers live in): what period queries compare. An end at midnight does not spill
 * into the next day.
 */
export function timesOf(startsAt: string, endsAt: string) {
  const start = new Date(startsAt);
  const end = new Date(endsAt);
  return {
    starts_at_utc: start.toISOString(),
    ends_at_utc: end.toISOString(),
    starts_on: parisDay.format(start),
    ends_on: parisDay.format(new Date(Math.max(start.getTime(), end.getTime() - 1))),
  };
}

/**
 * The agendas: planned events with their participants and the presences at them, the items put
 * into a professional's or a usager's agenda, the information sent to them (read or not), and the
 * ICS feeds (only the secret's hash). A professional's agenda is the events they organise or take
 * part in and their items; a usager's, the events they take part in and their items
 * (`professionalAgenda`, `usagerAgenda`).
 *
 * A forgotten usager's appointments, items, information and feed leave the model; at a collective
 * event, what was recorded of their presence goes. Their pseudonymous id stays in the event's
 * unencrypted record: once their record is destroyed (`RecordDestroyed`, in clear) it leaves the
 * event's participants, and so does the stay it was linked to, while the event stays the ESSMS's.
 * The end of retention deletes all of it at once (`purgeServiceUser`): a rebuild afterwards comes
 * to the same rows.
 */
export const agendasProjection = defineProjection({
  name: 'agendas',
  // 2: a destroyed record's participations leave collective events
  version: 2,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('planned_events', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('planned_event_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('kind').notNullable();
      table.text('title').notNullable();
      table.text('starts_at_utc').notNullable();
      table.text('ends_at_utc').notNullable();
      table.text('starts_on').notNullable();
      table.text('ends_on').notNullable();
      table.text('place');
      table.text('organiser_id').notNullable();
      table.text('accompaniment_id');
      table.text('status').notNullable();
      table.text('cancel_reason');
      table.integer('reschedulings').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'planned_event_id']);
      table.index(['organisation_id', 'facility_id', 'starts_on']);
    });
    await db.schema.withSchema(schema).createTable('planned_event_participants', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('planned_event_id').notNullable();
      table.integer('position').notNullable();
      table.text('participant_kind').notNullable();
      table.text('participant_id').notNullable();
      table.boolean('organiser').notNullable();
      table.text('attendance');
      table.boolean('justified');
      table.text('attendance_reason');
      table.primary(['organisation_id', 'planned_event_id', 'participant_kind', 'participant_id']);
      table.index(['organisation_id', 'participant_kind', 'participant_id']);
    });
    await db.schema.withSchema(schema).createTable('agenda_items', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('item_id').notNullable();
      table.text('owner_kind').notNullable();
      table.text('owner_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('title').notNullable();
      table.text('starts_at_utc').notNullable();
      table.text('ends_at_utc').notNullable();
      table.text('starts_on').notNullable();
      table.text('ends_on').notNullable();
      table.text('place');
      table.text('note');
      table.text('service_user_id');
      table.text('added_by').notNullable();
      table.text('status').notNullable();
      table.text('cancel_reason');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'item_id']);
      table.index(['organisation_id', 'owner_kind', 'owner_id', 'starts_on']);
    });
    await db.schema.withSchema(schema).createTable('information', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('information_id').notNullable();
      table.text('recipient_kind').notNullable();
      table.text('recipient_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('sender_id').notNullable();
      table.text('subject').notNullable();
      table.text('text').notNullable();
      table.text('service_user_id');
      table.text('sent_at').notNullable();
      table.text('read_at');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'information_id']);
      table.index(['organisation_id', 'recipient_kind', 'recipient_id', 'sent_at']);
    });
    await db.schema.withSchema(schema).createTable('agenda_feeds', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('feed_id').notNullable();
      table.text('owner_kind').notNullable();
      table.text('owner_id').notNullable();
      table.text('facility_id');
      table.text('token_hash').notNullable().unique();
      table.text('issued_by').notNullable();
      table.text('issued_at').notNullable();
      table.text('revoked_at');
      table.text('revoke_reason');
      table.primary(['organisation_id', 'feed_id']);
      table.index(['organisation_id', 'owner_kind', 'owner_id']);
    });
  },
  async evolve(event, context) {
    const organisationId = event.metadata.organisationId;
    const lastSegment = event.streamId.split('/').at(-1) ?? event.streamId;
    switch (event.type as (typeof handled)[number]) {
      case 'PlannedEventScheduled':
      case 'PlannedEventRescheduled':
      case 'PlannedEventCancelled':
      case 'PlannedEventHeld':
      case 'PlannedEventAttendanceRecorded':
      case 'PlannedEventAttendanceCorrected':
        return plannedEvent(event, context, organisationId, lastSegment);
      case 'AgendaItemAdded':
      case 'AgendaItemCancelled':
        return agendaItem(event, context, organisationId, lastSegment);
      case 'InformationSent':
      case 'InformationRead':
      case 'InformationMarkedUnread':
        return information(event, context, organisationId, lastSegment);
      case 'AgendaFeedIssued':
      case 'AgendaFeedRevoked':
        return agendaFeed(event, context, organisationId);
      case 'RecordDestroyed': {
        const { serviceUserId } = event.data as RecordDestroyed;
        await leaveCollectiveEvents(context, { organisationId, serviceUserId });
        return;
      }
    }
  },
  async purgeServiceUser(context, where) {
    const { table } = context;
    const { organisationId, serviceUserId } = where;
    const ofOrganisation = (name: string) => table(name).where('organisation_id', organisationId);
    // an appointment is its usager's: it goes whole
    const appointments = (
      await ofOrganisation('planned_events')
        .select('planned_event_id')
        .where('kind', 'appointment')
        .whereIn('planned_event_id', participations(context, where))
    ).map((row: { planned_event_id: string }) => row.planned_event_id);
    const appointmentParticipants = await ofOrganisation('planned_event_participants')
      .whereIn('planned_event_id', appointments)
      .delete();
    const plannedEvents = await ofOrganisation('planned_events').whereIn('planned_event_id', appointments).delete();
    const theirs = (name: string, kind: string, id: string) =>
      ofOrganisation(name)
        .where({ [kind]: 'usager', [id]: serviceUserId })
        .delete();
    return {
      planned_events: plannedEvents,
      planned_event_participants: appointmentParticipants + (await leaveCollectiveEvents(context, where)),
      agenda_items: await theirs('agenda_items', 'owner_kind', 'owner_id'),
      information: await theirs('information', 'recipient_kind', 'recipient_id'),
      agenda_feeds: await theirs('agenda_feeds', 'owner_kind', 'owner_id'),
    };
  },
});

/** The planned events a usager takes part in, as a subquery. */
function participations({ table }: ProjectionContext, where: ServiceUserRows) {
  return table('planned_event_participants').select('planned_event_id').where({
    organisation_id: where.organisationId,
    participant_kind: 'usager',
    participant_id: where.serviceUserId,
  });
}

/**
 * A usager whose record is destroyed leaves the collective events they took part in, with the stay
 * an event was linked to (only an event with one usager takes one: it was theirs). The events stay,
 * with their other participants and the presences recorded of them. Answers the participations deleted.
 */
async function leaveCollectiveEvents(context: ProjectionContext, where: ServiceUserRows): Promise<number> {
  await context
    .table('planned_events')
    .where('organisation_id', where.organisationId)
    .whereNotNull('accompaniment_id')
    .whereIn('planned_event_id', participations(context, where))
    .update({ accompaniment_id: null });
  return context
    .table('planned_event_participants')
    .where({ organisation_id: where.organisationId, participant_kind: 'usager', participant_id: where.serviceUserId })
    .delete();
}

async function plannedEvent(
  event: RecordedEvent,
  { table }: ProjectionContext,
  organisationId: string,
  plannedEventId: string,
): Promise<void> {
  const key = { organisation_id: organisationId, planned_event_id: plannedEventId };
  const row = () => table('planned_events').where(key);
  if (isErased(event.data)) {
    if (event.type === 'PlannedEventAttendanceRecorded' || event.type === 'PlannedEventAttendanceCorrected') {
      // a usager of a collective event forgotten: what was said of their presence goes with them
      await table('planned_event_participants')
        .where({ ...key, participant_kind: 'usager', participant_id: event.data.serviceUserId })
        .update({ attendance: null, justified: null, attendance_reason: null });
      return;
    }
    // an appointment is its usager's: it goes whole
    await table('planned_event_participants').where(key).delete();
    await row().delete();
    return;
  }
  switch (event.type as PlannedEventEventType) {
    case 'PlannedEventScheduled': {
      const data = event.data as PlannedEventScheduled;
      await table('planned_events')
        .insert({
          ...key,
          facility_id: data.facilityId,
          kind: data.kind,
          title: data.title,
          ...timesOf(data.startsAt, data.endsAt),
          place: data.place ?? null,
          organiser_id: data.organiserId,
          accompaniment_id: data.accompanimentId ?? null,
          status: 'planned',
          cancel_reason: null,
          reschedulings: 0,
          revision: event.streamRevision,
        })
        .onConflict(['organisation_id', 'planned_event_id'])
        .ignore();
      const participants = participantsOf(data).map((participant, position) => ({
        ...key,
        position,
        ...participantColumns(participant),
        organiser: position === 0,
        attendance: null,
        justified: null,
        attendance_reason: null,
      }));
      await table('planned_event_participants')
        .insert(participants)
        .onConflict(['organisation_id', 'planned_event_id', 'participant_kind', 'participant_id'])
        .ignore();
      return;
    }
    case 'PlannedEventRescheduled': {
      const data = event.data as PlannedEventRescheduled;
      await row()
        .update({
          ...timesOf(data.startsAt, data.endsAt),
          ...(data.place === undefined ? {} : { place: data.place }),
          revision: event.streamRevision,
        })
        .increment('reschedulings', 1);
      return;
    }
    case 'PlannedEventCancelled': {
      const data = event.data as PlannedEventCancelled;
      await row().update({ status: 'cancelled', cancel_reason: data.reason, revision: event.streamRevision });
      return;
    }
    case 'PlannedEventHeld':
      await row().update({ status: 'held', revision: event.streamRevision });
      return;
    case 'PlannedEventAttendanceRecorded':
    case 'PlannedEventAttendanceCorrected': {
      const { participant, attendance } = event.data as PlannedEventAttendanceRecorded;
      await table('planned_event_participants')
        .where({ ...key, ...participantColumns(participant) })
        .update({
          attendance: attendance.status,
          justified: attendance.status === 'absent' ? attendance.justified : null,
          attendance_reason: attendance.status === 'absent' ? (attendance.reason ?? null) : null,
        });
      await row().update({ revision: event.streamRevision });
      return;
    }
  }
}

function participantColumns(participant: EventParticipant) {
  switch (participant.kind) {
    case 'usager':
      return { participant_kind: 'usager', participant_id: participant.serviceUserId };
    case 'professional':
      return { participant_kind: 'professional', participant_id: participant.professionalId };
    case 'partner':
      return { participant_kind: 'partner', participant_id: participant.name };
  }
}

async function agendaItem(
  event: RecordedEvent,
  { table }: ProjectionContext,
  organisationId: string,
  itemId: string,
): Promise<void> {
  const row = () => table('agenda_items').where({ organisation_id: organisationId, item_id: itemId });
  if (isErased(event.data)) {
    await row().delete();
    return;
  }
  if (event.type === 'AgendaItemCancelled') {
    const data = event.data as AgendaItemCancelled;
    await row().update({ status: 'cancelled', cancel_reason: data.reason ?? null, revision: event.streamRevision });
    return;
  }
  const data = event.data as AgendaItemAdded;
  await table('agenda_items')
    .insert({
      organisation_id: organisationId,
      item_id: data.itemId,
      owner_kind: data.owner.kind,
      owner_id: agendaOwnerId(data.owner),
      facility_id: data.facilityId,
      title: data.title,
      ...timesOf(data.startsAt, data.endsAt),
      place: data.place ?? null,
      note: data.note ?? null,
      service_user_id: data.serviceUserId ?? null,
      added_by: data.addedBy,
      status: 'active',
      cancel_reason: null,
      revision: event.streamRevision,
    })
    .onConflict(['organisation_id', 'item_id'])
    .ignore();
}

async function information(
  event: RecordedEvent,
  { table }: ProjectionContext,
  organisationId: string,
  informationId: string,
): Promise<void> {
  const row = () => table('information').where({ organisation_id: organisationId, information_id: informationId });
  if (isErased(event.data)) {
    await row().delete();
    return;
  }
  switch (event.type as InformationEventType) {
    case 'InformationSent': {
      const data = event.data as InformationSent;
      await table('information')
        .insert({
          organisation_id: organisationId,
          information_id: data.informationId,
          recipient_kind: data.recipient.kind,
          recipient_id: agendaOwnerId(data.recipient),
          facility_id: data.facilityId,
          sender_id: data.senderId,
          subject: data.subject,
          text: data.text,
          service_user_id: data.serviceUserId ?? null,
          sent_at: new Date(data.sentAt).toISOString(),
          read_at: null,
          revision: event.streamRevision,
        })
        .onConflict(['organisation_id', 'information_id'])
        .ignore();
      return;
    }
    case 'InformationRead':
      await row().update({
        read_at: new Date((event.data as InformationRead).at).toISOString(),
        revision: event.streamRevision,
      });
      return;
    case 'InformationMarkedUnread':
      await row().update({ read_at: null, revision: event.streamRevision });
      return;
  }
}

async function agendaFeed(event: RecordedEvent, { table }: ProjectionContext, organisationId: string): Promise<void> {
  if (isErased(event.data)) {
    // `agenda-feed/<organisation>/<kind>/<owner>`: a forgotten usager's feed goes, live or not
    const [, , kind, owner] = event.streamId.split('/');
    if (kind === undefined || owner === undefined) return;
    await table('agenda_feeds')
      .where({ organisation_id: organisationId, owner_kind: kind, owner_id: decodeURIComponent(owner) })
      .delete();
    return;
  }
  if (event.type === 'AgendaFeedRevoked') {
    const data = event.data as AgendaFeedRevoked;
    await table('agenda_feeds')
      .where({ organisation_id: organisationId, feed_id: data.feedId })
      .update({ revoked_at: new Date(data.at).toISOString(), revoke_reason: data.reason });
    return;
  }
  const data = event.data as AgendaFeedIssued;
  await table('agenda_feeds')
    .insert({
      organisation_id: organisationId,
      feed_id: data.feedId,
      owner_kind: data.owner.kind,
      owner_id: agendaOwnerId(data.owner),
      facility_id: data.facilityId ?? null,
      token_hash: data.tokenHash,
      issued_by: data.issuedBy,
      issued_at: new Date(data.issuedAt).toISOString(),
      revoked_at: null,
      revoke_reason: null,
    })
    .onConflict(['organisation_id', 'feed_id'])
    .ignore();
}
