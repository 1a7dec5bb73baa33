import { setTimeout as sleep } from 'node:timers/promises';
import { openEventStore } from '@dui-pds/eventstore';
import { activityJournal, ProjectionRuntime } from '@dui-pds/projections';

/** Where the activity journal stands against the log: every event counted once, and the same as a build from scratch. */
export interface JournalCount {
  eventsInLog: number;
  /** Events the active build has applied, by its checkpoint's bookkeeping. */
  eventsDone: number;
  /** Acts counted in the read model: each event adds one. */
  counted: number;
  /** The read model's rows, and those of the same projection replayed from scratch over the whole log. */
  rows: Record<string, unknown>[];
  rebuiltRows: Record<string, unknown>[];
}

/**
 * Waits until the workers have applied the whole log to the activity journal (the async
 * projection of the catalogue), then counts: `eventsDone` and `counted` equal `eventsInLog` when
 * no event was skipped or applied twice.
 */
export async function activityJournalOnceCaughtUp(
  databaseUrl: string,
  schema: string,
  timeoutMs = 60_000,
): Promise<JournalCount> {
  const opened = await openEventStore({ databaseUrl, schema, poolSize: 2 });
  const runtime = new ProjectionRuntime({
    knex: opened.knex,
    store: opened.store,
    schema,
    projections: [activityJournal],
  });
  try {
    const logCount = async () => {
      const [{ count }] = (await opened.knex(`${schema}.events`).count({ count: '*' })) as [{ count: string }];
      return Number(count);
    };
    // waits for what was appended, not for a lag of 0: the lag counts the visible log only (ADR 0003)
    const deadline = Date.now() + timeoutMs;
    let eventsInLog = await logCount();
    let [status] = await runtime.status();
    while ((status?.active?.eventsDone ?? -1) < eventsInLog) {
      if (Date.now() > deadline) {
        throw new Error(`activity_journal has applied ${status?.active?.eventsDone} of ${eventsInLog} events`);
      }
      await sleep(250);
      eventsInLog = await logCount();
      [status] = await runtime.status();
    }
    const readSchema = runtime.readSchema(activityJournal.name);
    const [{ counted }] = (await opened.knex(`${readSchema}.daily_activity`).sum({ counted: 'events' })) as [
      { counted: string | null },
    ];
    const order = ['organisation_id', 'facility_id', 'day', 'event_type'];
    const rows = await opened.knex(`${readSchema}.daily_activity`).select('*').orderBy(order);
    const rebuilt = await runtime.replay(activityJournal.name, { head: true });
    try {
      const rebuiltRows = await opened.knex(`${rebuilt.schema}.daily_activity`).select('*').orderBy(order);
      return {
        eventsInLog,
        eventsDone: status?.active?.eventsDone ?? -1,
        counted: Number(counted ?? 0),
        rows,
        rebuiltRows,
      };
    } finally {
      await rebuilt.dispose();
    }
  } finally {
    await runtime.close();
    await opened.close();
  }
}
