import { isErased } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

/**
 * The notes of usagers' records, for listing and reading them: one row per note, its latest
 * text, and its revision for `ETag`. `author_id` is who wrote it; `amended_by` and `amended_at`
 * (the last `NoteAmended`'s actor and `occurredAt`) who amended it last and when, so that an
 * amended text never reads as its author's alone. A forgotten usager's notes keep their row,
 * without text.
 */
export const recordNotesProjection = defineProjection({
  name: 'record_notes',
  version: 2,
  handles: ['NoteWritten', 'NoteAmended'],
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('notes', (table) => {
      table.uuid('note_id').notNullable();
      table.text('organisation_id').notNullable();
      table.text('facility_id');
      table.text('service_user_id').notNullable();
      table.text('sensitivity');
      table.text('text');
      table.text('author_id').notNullable();
      table.text('written_at').notNullable();
      table.text('amended_at');
      table.text('amended_by');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'note_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
  },
  async evolve(event, { table }) {
    const erased = isErased(event.data);
    const data = event.data as { sensitivity?: string; text?: string };
    if (event.type === 'NoteWritten') {
      await table('notes').insert({
        note_id: streamNoteId(event.streamId),
        organisation_id: event.metadata.organisationId,
        facility_id: event.metadata.facilityId ?? null,
        service_user_id: event.metadata.serviceUserId,
        sensitivity: erased ? null : data.sensitivity,
        text: erased ? null : data.text,
        author_id: event.metadata.actor.id,
        written_at: event.metadata.occurredAt,
        revision: event.streamRevision,
      });
      return;
    }
    await table('notes')
      .where({ organisation_id: event.metadata.organisationId, note_id: streamNoteId(event.streamId) })
      .update({
        text: erased ? null : data.text,
        amended_at: event.metadata.occurredAt,
        amended_by: event.metadata.actor.id,
        revision: event.streamRevision,
      });
  },
});

/** Notes live in streams `record-note/<organisation>/<noteId>`: a note id is one organisation's. */
export function recordNoteStreamId(organisationId: string, noteId: string): string {
  return `record-note/${encodeURIComponent(organisationId)}/${noteId}`;
}

function streamNoteId(streamId: string): string {
  return streamId.slice(streamId.lastIndexOf('/') + 1);
}
