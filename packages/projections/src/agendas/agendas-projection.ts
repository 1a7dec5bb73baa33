import {
  type AgendaFeedEventType,
  type AgendaFeedIssued,
  type AgendaFeedRevoked,
  type AgendaItemAdded,
  type AgendaItemCancelled,
  type AgendaItemEventType,
  agendaOwnerId,
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
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection, type ProjectionContext } from '../projection.js';

const handled: readonly (PlannedEventEventType | AgendaItemEventType | InformationEventType | AgendaFeedEventType)[] = [
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
 * event, what was recorded of their presence goes (their pseudonymous id stays a participant, as it
 * stays in the event's unencrypted record).
 */
export const agendasProjection = defineProjection({
  name: 'agendas',
  version: 1,
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
    }
  },
});

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
