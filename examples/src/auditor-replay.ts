/**
 * What an auditor does with the library: asks what a register looked like on a past date. Writes
 * a short history of handovers (two in March, one in April, and one about March written only in
 * April), then replays the register of handovers as of 31 March, on both clocks:
 * - by business date (`occurredAt`): what happened by then, as known today (the late entry is in);
 * - by recording date (`recordedAt`): what the record showed on that day (it is not).
 *
 *   pnpm --filter @dui-pds/examples run auditor
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { migrateEventStore, openPglite, PostgresEventStore } from '@dui-pds/eventstore';
import { defineProjection, ProjectionRuntime } from '@dui-pds/projections';

/** The register: who wrote a handover, where and when. No usager data: the events' envelopes suffice. */
export const handoverRegister = defineProjection({
  name: 'handover_register',
  version: 1,
  handles: ['HandoverRecorded'],
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('entries', (table) => {
      table.text('handover').primary();
      table.text('facility_id').notNullable();
      table.text('professional_id').notNullable();
      table.text('occurred_at').notNullable();
    });
  },
  async evolve(event, context) {
    const { facilityId, actor, occurredAt } = event.metadata;
    await context.table('entries').insert({
      handover: event.streamId,
      facility_id: facilityId ?? '',
      professional_id: actor.id,
      occurred_at: occurredAt,
    });
  },
});

export interface AuditorOutcome {
  byBusinessDate: Record<string, unknown>[];
  byRecordingDate: Record<string, unknown>[];
  today: Record<string, unknown>[];
}

export async function main(options: { print?: (line: string) => void } = {}): Promise<AuditorOutcome> {
  const print = options.print ?? console.log;
  // PGlite in memory: an example never writes to a server nor leaves data behind
  const knex = openPglite();
  await migrateEventStore(knex);
  const store = new PostgresEventStore(knex);
  const runtime = new ProjectionRuntime({ knex, store, projections: [handoverRegister] });
  try {
    await runtime.migrate();
    await record(store, 'handover-1', '2025-03-12T07:40:00+01:00');
    await record(store, 'handover-2', '2025-03-28T19:05:00+01:00');
    const endOfMarchAsRecorded = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await record(store, 'handover-3', '2025-04-03T07:35:00+02:00');
    await record(store, 'handover-4', '2025-03-30T20:10:00+02:00'); // written late, in April

    const endOfMarch = new Date('2025-03-31T23:59:59.999+02:00');
    const byBusinessDate = await runtime.replay(handoverRegister.name, { occurredAt: endOfMarch });
    // The example's events are all recorded today: "the end of March" on the recording clock is
    // the moment between the second and third appends.
    const byRecordingDate = await runtime.replay(handoverRegister.name, { recordedAt: endOfMarchAsRecorded });
    const today = await runtime.replay(handoverRegister.name, { head: true });
    const outcome = {
      byBusinessDate: await byBusinessDate.rows('entries'),
      byRecordingDate: await byRecordingDate.rows('entries'),
      today: await today.rows('entries'),
    };
    await Promise.all([byBusinessDate.dispose(), byRecordingDate.dispose(), today.dispose()]);

    print('Register of handovers');
    print(`  as of 31 March, by business date:  ${names(outcome.byBusinessDate)}`);
    print(`  as of 31 March, as it was recorded: ${names(outcome.byRecordingDate)}`);
    print(`  today:                              ${names(outcome.today)}`);
    return outcome;
  } finally {
    await runtime.close();
    await store.close();
    await knex.destroy();
  }
}

async function record(store: PostgresEventStore, handover: string, occurredAt: string) {
  await store.appendToStream(handover, [
    {
      id: randomUUID(),
      type: 'HandoverRecorded',
      data: {},
      metadata: {
        organisationId: 'og-example',
        facilityId: '750000001',
        actor: { kind: 'professional', id: 'rpps-10000000001', role: 'infirmier' },
        occurredAt: new Date(occurredAt).toISOString(),
      },
    },
  ]);
}

function names(rows: Record<string, unknown>[]): string {
  return rows.map((row) => row.handover).join(', ') || '(none)';
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
