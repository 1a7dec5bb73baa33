import type {
  FreedomOfMovementEventType,
  MeasureDecided,
  MeasureProposed,
  MeasureReviewed,
  UsagerInformedOfMeasure,
} from '@dui-pds/domain';
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
 * the usager was informed, and its revision; and what the measure is (description, the
 * multidisciplinary assessment), who proposed and decided it when, how the usager was informed, its
 * last review. Read it with `measuresToReview`, `measuresOfServiceUser` and `freedomOfMovementMeasure`.
 *
 * A forgotten usager's measures leave the model: the erased event's stream is enough to remove
 * the row.
 */
export const freedomOfMovementProjection = defineProjection({
  name: 'freedom_of_movement',
  version: 2,
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
      table.text('description').notNullable();
      table.text('assessment').notNullable();
      table.text('proposed_by').notNullable();
      table.text('proposed_at').notNullable();
      table.text('decided_by');
      table.text('decided_at');
      table.text('informed_at');
      table.text('informed_how');
      table.integer('reviews').notNullable();
      table.text('last_reviewed_at');
      table.text('last_outcome');
      table.primary(['organisation_id', 'measure_id']);
      table.index(['organisation_id', 'facility_id', 'status', 'review_by']);
      table.index(['organisation_id', 'service_user_id', 'facility_id']);
    });
  },
  async evolve(event, { db, table }) {
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
            description: data.description,
            assessment: data.assessment,
            proposed_by: data.proposedBy,
            proposed_at: data.proposedAt,
            decided_by: null,
            decided_at: null,
            informed_at: null,
            informed_how: null,
            reviews: 0,
            last_reviewed_at: null,
            last_outcome: null,
          })
          .onConflict(['organisation_id', 'measure_id'])
          .ignore();
        return;
      }
      case 'MeasureDecided': {
        const data = event.data as MeasureDecided;
        await row().update({
          status: 'decided',
          review_by: data.reviewBy,
          decided_by: data.decidedBy,
          decided_at: data.decidedAt,
          revision: event.streamRevision,
        });
        return;
      }
      case 'UsagerInformedOfMeasure': {
        const data = event.data as UsagerInformedOfMeasure;
        await row().update({
          usager_informed: true,
          informed_at: data.informedAt,
          informed_how: data.how,
          revision: event.streamRevision,
        });
        return;
      }
      case 'MeasureReviewed': {
        const data = event.data as MeasureReviewed;
        const reviewed = {
          reviews: db.raw('reviews + 1'),
          last_reviewed_at: data.reviewedAt,
          last_outcome: data.outcome,
          revision: event.streamRevision,
        };
        await row().update(
          data.outcome === 'lifted'
            ? { ...reviewed, status: 'lifted', review_by: null }
            : { ...reviewed, review_by: data.nextReviewBy ?? null },
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
