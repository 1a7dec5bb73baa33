import type { ExchangeCorrected, ExchangeEventType, ExchangeRecorded } from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';
import { purgeRowsHangingOff } from '../runtime/service-user-purge.js';

const handled: readonly ExchangeEventType[] = ['ExchangeRecorded', 'ExchangeCorrected'];

const parisDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** When an exchange happened: as given, as a UTC instant that sorts, and its day in Paris for periods. */
function occurred(occurredAt: string) {
  const instant = new Date(occurredAt);
  return { occurred_at: occurredAt, occurred_at_utc: instant.toISOString(), occurred_on: parisDay.format(instant) };
}

/**
 * The exchanges with usagers and their partners, one row per exchange (its stream,
 * `exchangeStreamId`) as corrected, and one row per correction with its reason, who and when.
 * Read with `exchangesOf` and `exchangeById`.
 *
 * A forgotten usager's exchanges leave the model: an erased event removes them, and the end of
 * retention their corrections with them.
 */
export const exchangesProjection = defineProjection({
  name: 'exchanges',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('exchanges', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('exchange_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('channel').notNullable();
      table.text('direction').notNullable();
      table.text('occurred_at').notNullable();
      table.text('occurred_at_utc').notNullable();
      table.text('occurred_on').notNullable();
      table.text('recorded_by').notNullable();
      table.boolean('with_usager').notNullable();
      table.jsonb('partners').notNullable();
      table.text('summary').notNullable();
      table.integer('corrections').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'exchange_id']);
      table.index(['organisation_id', 'service_user_id', 'facility_id', 'occurred_at_utc']);
    });
    await db.schema.withSchema(schema).createTable('corrections', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('exchange_id').notNullable();
      table.integer('revision').notNullable();
      table.text('reason').notNullable();
      table.jsonb('changes').notNullable();
      table.text('corrected_at').notNullable();
      table.text('corrected_by').notNullable();
      table.primary(['organisation_id', 'exchange_id', 'revision']);
    });
  },
  async evolve(event, { db, table }) {
    const where = { organisation_id: event.metadata.organisationId, exchange_id: exchangeIdOf(event) };
    if (isErased(event.data)) {
      await table('exchanges').where(where).delete();
      await table('corrections').where(where).delete();
      return;
    }
    switch (event.type as ExchangeEventType) {
      case 'ExchangeRecorded': {
        const data = event.data as ExchangeRecorded;
        await table('exchanges')
          .insert({
            ...where,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            channel: data.channel,
            direction: data.direction,
            ...occurred(data.occurredAt),
            recorded_by: data.recordedBy,
            with_usager: data.withUsager,
            partners: JSON.stringify(data.partners),
            summary: data.summary,
            corrections: 0,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'exchange_id'])
          .ignore();
        return;
      }
      case 'ExchangeCorrected': {
        const { exchangeId: _, reason, ...changes } = event.data as ExchangeCorrected;
        await table('exchanges')
          .where(where)
          .update({
            ...(changes.channel === undefined ? {} : { channel: changes.channel }),
            ...(changes.direction === undefined ? {} : { direction: changes.direction }),
            ...(changes.occurredAt === undefined ? {} : occurred(changes.occurredAt)),
            ...(changes.withUsager === undefined ? {} : { with_usager: changes.withUsager }),
            ...(changes.partners === undefined ? {} : { partners: JSON.stringify(changes.partners) }),
            ...(changes.summary === undefined ? {} : { summary: changes.summary }),
            corrections: db.raw('corrections + 1'),
            revision: event.streamRevision,
          });
        await table('corrections')
          .insert({
            ...where,
            revision: event.streamRevision,
            reason,
            changes: JSON.stringify(changes),
            corrected_at: event.metadata.occurredAt,
            corrected_by: event.metadata.actor.id,
          })
          .onConflict(['organisation_id', 'exchange_id', 'revision'])
          .ignore();
        return;
      }
    }
  },
  purgeServiceUser: (context, where) =>
    purgeRowsHangingOff(context, where, { table: 'exchanges', key: 'exchange_id' }, ['corrections']),
});

/** Exchanges live in streams `exchange/<organisation>/<exchangeId>` (`exchangeStreamId`). */
function exchangeIdOf(event: RecordedEvent): string {
  return event.streamId.split('/').at(-1) ?? event.streamId;
}
