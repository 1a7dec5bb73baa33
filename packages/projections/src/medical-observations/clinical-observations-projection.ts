import type {
  ClinicalObservationAmended,
  ClinicalObservationEventType,
  ClinicalObservationRecorded,
  ClinicalObservationWithdrawn,
  ExternalObservationReceived,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly ClinicalObservationEventType[] = [
  'ClinicalObservationRecorded',
  'ExternalObservationReceived',
  'ClinicalObservationAmended',
  'ClinicalObservationWithdrawn',
];

/**
 * The medical observations of usagers, written by clinicians or received from outside, in one
 * table (one row per observation, its stream `clinicalObservationStreamId`) with its origin: the
 * author and profession, or the source (sender, identifier, channel, document reference). `dated_at`
 * is when it was observed, or received; `dated_at_utc` sorts. The text is the latest amendment's;
 * `amended_by` (the amending event's actor, with the profession it carries) and `amended_at` (its
 * `occurredAt`) say who amended it last and when, so that no amended text reads as its author's.
 * A withdrawal keeps its kind, who and when. Read with `clinicalObservationsOf` and
 * `clinicalObservationById`.
 *
 * Withdrawn as filed in the wrong record (`wrong-record`), an observation is another person's data:
 * its row keeps what says that something was there and was withdrawn (origin, author or sender,
 * date, who withdrew it and when) and drops its title, text, reasons (free text, which may name
 * the other person) and document reference (`content_withheld`). So does a withdrawal recorded
 * before kinds existed (its kind unknown: it may be one). The event log keeps it all, under the
 * usager's key. Withdrawn as a duplicate or another error, it keeps its content: the usager's own.
 *
 * A forgotten usager's observations leave the model: an erased event removes the row.
 */
export const clinicalObservationsProjection = defineProjection({
  name: 'clinical_observations',
  version: 2,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('observations', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('observation_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('origin').notNullable();
      table.text('author_id');
      table.text('author_profession');
      table.text('sender_name');
      table.text('sender_identifier');
      table.text('channel');
      table.text('document_reference');
      table.text('dated_at').notNullable();
      table.text('dated_at_utc').notNullable();
      table.text('title');
      table.text('text');
      table.text('status').notNullable();
      table.integer('amendments').notNullable();
      table.text('last_amendment_reason');
      table.text('amended_by');
      table.text('amended_by_profession');
      table.text('amended_at');
      table.text('withdrawal_kind');
      table.text('withdrawal_reason');
      table.text('withdrawn_by');
      table.text('withdrawn_at');
      table.boolean('content_withheld').notNullable().defaultTo(false);
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'observation_id']);
      table.index(['organisation_id', 'service_user_id', 'facility_id', 'dated_at_utc']);
    });
  },
  async evolve(event, { db, table }) {
    const row = () =>
      table('observations').where({
        organisation_id: event.metadata.organisationId,
        observation_id: observationIdOf(event),
      });
    if (isErased(event.data)) {
      await row().delete();
      return;
    }
    const common = { organisation_id: event.metadata.organisationId, status: 'current', amendments: 0 };
    switch (event.type as ClinicalObservationEventType) {
      case 'ClinicalObservationRecorded': {
        const data = event.data as ClinicalObservationRecorded;
        await table('observations')
          .insert({
            ...common,
            observation_id: data.observationId,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            origin: 'clinician',
            author_id: data.author.professionalId,
            author_profession: data.author.profession,
            dated_at: data.observedAt,
            dated_at_utc: new Date(data.observedAt).toISOString(),
            title: data.title ?? null,
            text: data.text,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'observation_id'])
          .ignore();
        return;
      }
      case 'ExternalObservationReceived': {
        const data = event.data as ExternalObservationReceived;
        await table('observations')
          .insert({
            ...common,
            observation_id: data.observationId,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            origin: 'external',
            sender_name: data.source.senderName,
            sender_identifier: data.source.senderIdentifier ?? null,
            channel: data.source.channel,
            document_reference: data.source.documentReference,
            dated_at: data.receivedAt,
            dated_at_utc: new Date(data.receivedAt).toISOString(),
            title: data.title,
            text: data.text,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'observation_id'])
          .ignore();
        return;
      }
      case 'ClinicalObservationAmended': {
        const data = event.data as ClinicalObservationAmended;
        await row().update({
          text: data.text,
          ...(data.title === undefined ? {} : { title: data.title }),
          amendments: db.raw('amendments + 1'),
          last_amendment_reason: data.reason,
          amended_by: event.metadata.actor.id,
          amended_by_profession: data.profession ?? null,
          amended_at: event.metadata.occurredAt,
          revision: event.streamRevision,
        });
        return;
      }
      case 'ClinicalObservationWithdrawn': {
        const data = event.data as ClinicalObservationWithdrawn;
        const withdrawal = {
          status: 'withdrawn',
          withdrawal_kind: data.kind ?? null,
          withdrawn_by: event.metadata.actor.id,
          withdrawn_at: event.metadata.occurredAt,
          revision: event.streamRevision,
        };
        if (withholdsContent(data)) {
          await row().update({
            ...withdrawal,
            content_withheld: true,
            title: null,
            text: null,
            last_amendment_reason: null,
            withdrawal_reason: null,
            document_reference: null,
          });
          return;
        }
        await row().update({ ...withdrawal, withdrawal_reason: data.reason });
        return;
      }
    }
  },
});

/**
 * Whether a withdrawal takes the observation's content out of the record: filed in the wrong
 * record, or of an unknown kind (recorded before kinds existed), which may be that.
 */
function withholdsContent(withdrawal: ClinicalObservationWithdrawn): boolean {
  return withdrawal.kind === undefined || withdrawal.kind === 'wrong-record';
}

/** Observations live in streams `clinical-observation/<organisation>/<observationId>`. */
function observationIdOf(event: RecordedEvent): string {
  return event.streamId.split('/').at(-1) ?? event.streamId;
}
