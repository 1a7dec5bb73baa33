import { defineProjection } from '../projection.js';

/**
 * A projection whose model shows any event applied twice or skipped: per stream, how many events,
 * the sum of their revisions and the last one. Applied one event at a time, so that a batch is a
 * long transaction a crash can interrupt.
 */
export const countingProjection = defineProjection({
  name: 'counting',
  version: 1,
  handles: ['Counted'],
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('stream_counts', (table) => {
      table.text('stream_id').primary();
      table.integer('events').notNullable();
      table.integer('revision_sum').notNullable();
      table.integer('last_revision').notNullable();
    });
  },
  async evolve(event, { db, schema }) {
    await db.raw(
      `insert into ${schema}.stream_counts as c (stream_id, events, revision_sum, last_revision) values (?, 1, ?, ?)
       on conflict (stream_id) do update
         set events = c.events + 1, revision_sum = c.revision_sum + excluded.revision_sum, last_revision = excluded.last_revision`,
      [event.streamId, event.streamRevision, event.streamRevision],
    );
  },
});

/** A version 2 of the same model (another column), to rebuild beside version 1. */
export const countingProjectionV2 = defineProjection({
  ...countingProjection,
  version: 2,
  async migrate(db, schema) {
    await countingProjection.migrate(db, schema);
    await db.schema.withSchema(schema).alterTable('stream_counts', (table) => {
      table.text('note').notNullable().defaultTo('v2');
    });
  },
});
