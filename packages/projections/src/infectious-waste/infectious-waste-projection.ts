import {
  type InfectiousWasteCollected,
  type InfectiousWasteContainerClosed,
  type InfectiousWasteContainerStarted,
  type InfectiousWasteEventType,
  type TrackingSlipReturned,
  trackingSlipReturnDeadline,
} from '@dui-pds/domain';
import { isErased } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly InfectiousWasteEventType[] = [
  'InfectiousWasteContainerStarted',
  'InfectiousWasteContainerClosed',
  'InfectiousWasteCollected',
  'TrackingSlipReturned',
];

/**
 * The DASRI of each ESSMS (its stream, `infectiousWasteStreamId`): one row per ESSMS (when it
 * started its first container, and the stream's revision for `If-Match`), per container (kind,
 * volume, started, closed, weight, the collection that took it) and per collection (date, weight,
 * collector, tracking slip, the day it is due back and the day it came back). Read them with
 * `infectiousWasteLedgerOf` and the alerts with `infectiousWasteAlertsOf`.
 *
 * The events name no usager: they are never erased (the check below only keeps a marker the
 * store might hand back from failing the append).
 */
export const infectiousWasteProjection = defineProjection({
  name: 'infectious_waste',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('ledgers', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('active_since').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'facility_id']);
    });
    await db.schema.withSchema(schema).createTable('containers', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.uuid('container_id').notNullable();
      table.text('kind').notNullable();
      table.double('volume_litres').notNullable();
      table.text('started_at').notNullable();
      table.text('closed_at');
      table.double('weight_kg');
      table.uuid('collection_id');
      table.primary(['organisation_id', 'facility_id', 'container_id']);
      table.index(['organisation_id', 'facility_id', 'collection_id', 'started_at']);
    });
    await db.schema.withSchema(schema).createTable('collections', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.uuid('collection_id').notNullable();
      table.text('collected_at').notNullable();
      table.double('weight_kg').notNullable();
      table.text('collector').notNullable();
      table.text('tracking_slip_number');
      table.text('slip_return_by');
      table.text('slip_returned_at');
      table.primary(['organisation_id', 'facility_id', 'collection_id']);
      table.index(['organisation_id', 'facility_id', 'collected_at']);
    });
  },
  async evolve(event, { db, table }) {
    if (isErased(event.data)) return;
    const organisationId = event.metadata.organisationId;
    const { facilityId } = event.data as { facilityId: string };
    const ofFacility = { organisation_id: organisationId, facility_id: facilityId };
    const revise = () => table('ledgers').where(ofFacility).update({ revision: event.streamRevision });
    switch (event.type as InfectiousWasteEventType) {
      case 'InfectiousWasteContainerStarted': {
        const data = event.data as InfectiousWasteContainerStarted;
        await table('containers')
          .insert({
            ...ofFacility,
            container_id: data.containerId,
            kind: data.kind,
            volume_litres: data.volumeLitres,
            started_at: data.startedAt,
          })
          .onConflict(['organisation_id', 'facility_id', 'container_id'])
          .ignore();
        await table('ledgers')
          .insert({ ...ofFacility, active_since: data.startedAt, revision: event.streamRevision })
          .onConflict(['organisation_id', 'facility_id'])
          .merge({
            active_since: db.raw('least(??, excluded.active_since)', ['ledgers.active_since']),
            revision: event.streamRevision,
          });
        return;
      }
      case 'InfectiousWasteContainerClosed': {
        const data = event.data as InfectiousWasteContainerClosed;
        await table('containers')
          .where({ ...ofFacility, container_id: data.containerId })
          .update({ closed_at: data.closedAt, weight_kg: data.weightKg ?? null });
        await revise();
        return;
      }
      case 'InfectiousWasteCollected': {
        const data = event.data as InfectiousWasteCollected;
        await table('collections')
          .insert({
            ...ofFacility,
            collection_id: data.collectionId,
            collected_at: data.collectedAt,
            weight_kg: data.weightKg,
            collector: data.collector,
            tracking_slip_number: data.trackingSlipNumber ?? null,
            slip_return_by: data.trackingSlipNumber === undefined ? null : trackingSlipReturnDeadline(data.collectedAt),
          })
          .onConflict(['organisation_id', 'facility_id', 'collection_id'])
          .ignore();
        await table('containers')
          .where(ofFacility)
          .whereIn('container_id', data.containerIds)
          .update({ collection_id: data.collectionId });
        await revise();
        return;
      }
      case 'TrackingSlipReturned': {
        const data = event.data as TrackingSlipReturned;
        await table('collections')
          .where({ ...ofFacility, collection_id: data.collectionId })
          .update({ slip_returned_at: data.returnedAt });
        await revise();
        return;
      }
    }
  },
});
