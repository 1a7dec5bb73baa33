import type { FreedomOfMovementEventType, MeasureDecided, MeasureProposed, MeasureReviewed } from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly FreedomOfMovementEventType[] = [
  'MeasureProposed',
  'MeasureDecided',
  'UsagerInformedOfMeasure',
  'MeasureReviewed',
];

/**
 * The measures restricting usagers' freedom of movement, per ESSMS: one row per measure (its
 * stream, `freedomOfMovementStreamId`), proposed, decided or lifted, with its review date, whether
 * the usager was informed, and its revision. Read it with `measuresToReview`.
 *
 * A forgotten usager's measures leave the model: the erased event's stream is enough to remove
 * the row.
 */
export const freedomOfMovementProjection = defineProjection({
  name: 'freedom_of_movement',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('measures', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('measure_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('status').notNullable();
      table.text('review_by');
      table.boolean('usager_informed').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'measure_id']);
      table.index(['organisation_id', 'facility_id', 'status', 'review_by']);
    });
  },
  async evolve(event, { table }) {
    const measureId = measureIdOf(event.streamId);
    const row = () =>
      table('measures').where({ organisation_id: event.metadata.organisationId, measure_id: measureId });
    if (isErased(event.data)) {
      await row().delete();
      return;
    }
    switch (event.type as FreedomOfMovementEventType) {
      case 'MeasureProposed': {
        const data = event.data as MeasureProposed;
        await table('measures')
          .insert({
            organisation_id: event.metadata.organisationId,
            measure_id: data.measureId,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            status: 'proposed',
            review_by: null,
            usager_informed: false,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'measure_id'])
          .ignore();
        return;
      }
      case 'MeasureDecided': {
        const data = event.data as MeasureDecided;
        await row().update({ status: 'decided', review_by: data.reviewBy, revision: event.streamRevision });
        return;
      }
      case 'UsagerInformedOfMeasure':
        await row().update({ usager_informed: true, revision: event.streamRevision });
        return;
      case 'MeasureReviewed': {
        const data = event.data as MeasureReviewed;
        await row().update(
          data.outcome === 'lifted'
            ? { status: 'lifted', review_by: null, revision: event.streamRevision }
            : { review_by: data.nextReviewBy ?? null, revision: event.streamRevision },
        );
        return;
      }
    }
  },
});

/** Measures live in streams `freedom-of-movement/<organisation>/<measureId>` (`freedomOfMovementStreamId`). */
function measureIdOf(streamId: RecordedEvent['streamId']): string {
  return streamId.split('/').at(-1) ?? streamId;
}
