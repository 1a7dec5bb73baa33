import type { ActCancelled, ActCorrected, ActEventType, ActRecorded } from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly ActEventType[] = ['ActRecorded', 'ActCorrected', 'ActCancelled'];

const parisDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** When an act was done, three ways: as given, as a UTC instant that sorts, and its day in Paris for periods. */
function performed(performedAt: string) {
  const instant = new Date(performedAt);
  return { performed_at: performedAt, performed_at_utc: instant.toISOString(), performed_on: parisDay.format(instant) };
}

/**
 * The acts and interventions of usagers, one row per act (its stream, `actStreamId`): its type as
 * recorded (code, label, class), who did it as what, when (and its day in Europe/Paris, which
 * periods count by), how long, the note, the collective intervention it is part of, the partners
 * from the usager's directory it was done with, whether it was
 * cancelled, and its revision. Read with `actsOfServiceUser`, `actById` and `actCounts`.
 *
 * A forgotten usager's acts leave the model: an erased event removes the row.
 */
export const actsProjection = defineProjection({
  name: 'acts',
  // 2: the partners an act was done with
  version: 2,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('acts', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('act_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('act_type_code').notNullable();
      table.text('act_type_label').notNullable();
      table.text('sensitivity').notNullable();
      table.text('professional_id').notNullable();
      table.text('profession').notNullable();
      table.text('performed_at').notNullable();
      table.text('performed_at_utc').notNullable();
      table.text('performed_on').notNullable();
      table.integer('duration_minutes').notNullable();
      table.text('note');
      table.uuid('intervention_id');
      table.jsonb('partners');
      table.text('status').notNullable();
      table.text('cancel_reason');
      table.integer('corrections').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'act_id']);
      table.index(['organisation_id', 'service_user_id', 'performed_at_utc']);
      table.index(['organisation_id', 'facility_id', 'performed_on']);
    });
  },
  async evolve(event, { db, table }) {
    const row = () => table('acts').where({ organisation_id: event.metadata.organisationId, act_id: actIdOf(event) });
    if (isErased(event.data)) {
      await row().delete();
      return;
    }
    switch (event.type as ActEventType) {
      case 'ActRecorded': {
        const data = event.data as ActRecorded;
        await table('acts')
          .insert({
            organisation_id: event.metadata.organisationId,
            act_id: data.actId,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            act_type_code: data.actType.code,
            act_type_label: data.actType.label,
            sensitivity: data.actType.sensitivity,
            professional_id: data.performedBy.professionalId,
            profession: data.performedBy.profession,
            ...performed(data.performedAt),
            duration_minutes: data.durationMinutes,
            note: data.note ?? null,
            intervention_id: data.interventionId ?? null,
            partners: data.partners === undefined ? null : JSON.stringify(data.partners),
            status: 'recorded',
            cancel_reason: null,
            corrections: 0,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'act_id'])
          .ignore();
        return;
      }
      case 'ActCorrected': {
        const data = event.data as ActCorrected;
        await row().update({
          ...(data.performedAt === undefined ? {} : performed(data.performedAt)),
          ...(data.durationMinutes === undefined ? {} : { duration_minutes: data.durationMinutes }),
          ...(data.note === undefined ? {} : { note: data.note }),
          corrections: db.raw('corrections + 1'),
          revision: event.streamRevision,
        });
        return;
      }
      case 'ActCancelled': {
        const data = event.data as ActCancelled;
        await row().update({ status: 'cancelled', cancel_reason: data.reason, revision: event.streamRevision });
        return;
      }
    }
  },
});

/** Acts live in streams `act/<organisation>/<actId>` (`actStreamId`). */
function actIdOf(event: RecordedEvent): string {
  return event.streamId.split('/').at(-1) ?? event.streamId;
}
