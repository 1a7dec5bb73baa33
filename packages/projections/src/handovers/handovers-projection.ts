import type { HandoverCorrected, HandoverEventType, HandoverRead, HandoverRecorded } from '@dui-pds/domain';
import { isErased } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';
import { purgeRowsHangingOff } from '../runtime/service-user-purge.js';

const handled: readonly HandoverEventType[] = ['HandoverRecorded', 'HandoverCorrected', 'HandoverRead'];

/**
 * The handovers of an organisme gestionnaire, for their feeds (per usager, per team, per
 * ESSMS, "unread by me"): one row per handover with its latest text, who last corrected it and
 * when (the correcting event's actor: when a colleague corrected it, its text is no longer its
 * author's words), and its revision for `ETag`/`If-Match` (a read moves the stream, so it moves
 * the revision too), and one row per professional who marked it read. A forgotten usager's
 * handovers keep their row, without text, category, team or date; their reads, which name no
 * professional any more, are not kept (the end of retention deletes both).
 * Read it with `handoverFeed`. Version 2 added `corrected_by` (inline: each instance rebuilds
 * it at its start, ADR 0008).
 */
export const handoversProjection = defineProjection({
  name: 'handovers',
  version: 2,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('handovers', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('handover_id').notNullable();
      table.text('facility_id');
      table.text('service_user_id').notNullable();
      table.text('category');
      table.text('sensitivity');
      table.text('target_team');
      table.text('text');
      table.text('author_id').notNullable();
      table.text('occurred_at');
      table.uuid('linked_event_id');
      table.text('corrected_at');
      /** The professional who last corrected it (the correcting event's actor); null while uncorrected. */
      table.text('corrected_by');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'handover_id']);
      table.index(['organisation_id', 'facility_id', 'occurred_at']);
      table.index(['organisation_id', 'service_user_id']);
    });
    await db.schema.withSchema(schema).createTable('reads', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('handover_id').notNullable();
      table.text('professional_id').notNullable();
      table.text('read_at').notNullable();
      table.primary(['organisation_id', 'professional_id', 'handover_id']);
    });
  },
  async evolve(event, { table }) {
    const organisationId = event.metadata.organisationId;
    const handoverId = streamHandoverId(event.streamId);
    const erased = isErased(event.data);
    const handover = () => table('handovers').where({ organisation_id: organisationId, handover_id: handoverId });
    switch (event.type as HandoverEventType) {
      case 'HandoverRecorded': {
        const data = event.data as HandoverRecorded;
        await table('handovers')
          .insert({
            organisation_id: organisationId,
            handover_id: handoverId,
            facility_id: erased ? (event.metadata.facilityId ?? null) : data.facilityId,
            service_user_id: erased ? event.metadata.serviceUserId : data.serviceUserId,
            category: erased ? null : data.category,
            sensitivity: erased ? null : data.sensitivity,
            target_team: erased ? null : data.targetTeam,
            text: erased ? null : data.text,
            author_id: event.metadata.actor.id,
            occurred_at: erased ? null : data.occurredAt,
            linked_event_id: erased ? null : (data.linkedEventId ?? null),
            corrected_at: null,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'handover_id'])
          .ignore();
        return;
      }
      case 'HandoverCorrected': {
        const data = event.data as HandoverCorrected;
        await handover().update({
          ...(erased ? { text: null } : { text: data.text }),
          corrected_at: event.metadata.occurredAt,
          corrected_by: event.metadata.actor.id,
          revision: event.streamRevision,
        });
        return;
      }
      case 'HandoverRead': {
        await handover().update({ revision: event.streamRevision });
        if (erased) return;
        const data = event.data as HandoverRead;
        await table('reads')
          .insert({
            organisation_id: organisationId,
            handover_id: handoverId,
            professional_id: data.professionalId,
            read_at: data.readAt,
          })
          .onConflict(['organisation_id', 'professional_id', 'handover_id'])
          .ignore();
        return;
      }
    }
  },
  purgeServiceUser: (context, where) =>
    purgeRowsHangingOff(context, where, { table: 'handovers', key: 'handover_id' }, ['reads']),
});

/** Handovers live in streams `handover/<organisation>/<handoverId>` (`handoverStreamId`). */
function streamHandoverId(streamId: string): string {
  return streamId.slice(streamId.lastIndexOf('/') + 1);
}
