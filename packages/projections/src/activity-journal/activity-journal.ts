import { arrayLiteral, integerArrayLiteral, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection, type ProjectionContext } from '../projection.js';

/**
 * The activity journal: how many acts of each kind were recorded, per organisme gestionnaire,
 * ESSMS and day (Europe/Paris, by `occurredAt`). It reads envelopes only, never event data, so it
 * holds no personal data and is untouched by erasure. A first source for activity reports, and
 * the reference projection of the runtime's tests and benchmarks.
 */
export const activityJournal = defineProjection({
  name: 'activity_journal',
  version: 1,
  handles: 'all',
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('daily_activity', (table) => {
      table.text('organisation_id').notNullable();
      // '' rather than null for acts outside any ESSMS, so that it can be part of the key
      table.text('facility_id').notNullable();
      table.date('day').notNullable();
      table.text('event_type').notNullable();
      table.integer('events').notNullable();
      table.primary(['organisation_id', 'facility_id', 'day', 'event_type']);
    });
  },
  evolve: (event, context) => countActs([event], context),
  // one upsert per batch: a rebuild goes through the whole log
  evolveBatch: countActs,
});

async function countActs(events: readonly RecordedEvent[], { db, schema }: ProjectionContext): Promise<void> {
  const counts = new Map<string, { key: readonly [string, string, string, string]; events: number }>();
  for (const event of events) {
    const key = keyOf(event);
    const id = key.join('\u0000');
    const entry = counts.get(id) ?? { key, events: 0 };
    entry.events += 1;
    counts.set(id, entry);
  }
  const entries = [...counts.values()];
  await db.raw(
    `insert into ${schema}.daily_activity as a (organisation_id, facility_id, day, event_type, events)
       select * from unnest(?::text[], ?::text[], ?::date[], ?::text[], ?::int[])
       on conflict (organisation_id, facility_id, day, event_type) do update set events = a.events + excluded.events`,
    [
      ...[0, 1, 2, 3].map((column) => arrayLiteral(entries.map(({ key }) => key[column]!))),
      integerArrayLiteral(entries.map((entry) => entry.events)),
    ],
  );
}

const parisDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

function keyOf(event: RecordedEvent): readonly [string, string, string, string] {
  const { organisationId, facilityId, occurredAt } = event.metadata;
  return [organisationId, facilityId ?? '', parisDay.format(new Date(occurredAt)), event.type];
}
