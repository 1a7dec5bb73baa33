import { connectPostgres, migrateEventStore, PostgresEventStore } from '@dui-pds/eventstore';
import {
  csapaActivityReport,
  deriveReportingPseudonymKey,
  ProjectionRuntime,
  REPORTING_OUTBOX,
  type ReportScope,
  reportingOutboxProjection,
} from '@dui-pds/projections';
import {
  appendActivityYear,
  generateActivityYear,
} from '../packages/projections/src/reporting/testing/activity-year-generator.js';
import { type BenchResult, median, report } from './measure.js';

const YEAR = 2025;
const ORGANISATION = 'og-bench-reports';
const CSAPA = '750000001';
const CAARUD = '750000002';
const SERVICE_USERS = 1_600;
const EVENTS = 200_000;
const WARMUP = 3;
const ROUNDS = 7;
/** Appends in flight while filling the log: the store batches them into few statements. */
const FILL_WRITERS = 512;

/**
 * `report_csapa_year_ms`: the time to compute the yearly CSAPA activity report of one ESSMS from
 * the reporting outbox, on the generated year of the reports' oracle test (1,600 usagers, 200,000
 * events). The baseline, measured in the same run on the same outbox, is the plainest query a
 * report cannot beat: counting the distinct subjects with an act recorded in the year.
 */
export async function benchReports(databaseUrl: string, results: BenchResult[]): Promise<void> {
  const schema = `bench_reports_${Date.now()}`;
  const knex = connectPostgres(databaseUrl, { poolSize: 12 });
  const store = new PostgresEventStore(knex, { schema });
  const runtime = new ProjectionRuntime({
    knex,
    store,
    schema,
    projections: [reportingOutboxProjection({ pseudonymKey: deriveReportingPseudonymKey(Buffer.alloc(32, 7)) })],
  });
  try {
    await migrateEventStore(knex, { schema });
    const streams = generateActivityYear({
      seed: 2025,
      year: YEAR,
      organisationId: ORGANISATION,
      csapa: CSAPA,
      caarud: CAARUD,
      serviceUsers: SERVICE_USERS,
      targetEvents: EVENTS,
    });
    const events = streams.reduce((sum, stream) => sum + stream.events.length, 0);
    let started = performance.now();
    await appendActivityYear(store, streams, FILL_WRITERS);
    const fillMs = performance.now() - started;
    await runtime.migrate();
    started = performance.now();
    // the rebuild analyses its tables before the switch, as in production
    await runtime.rebuild(REPORTING_OUTBOX);
    const rebuildMs = performance.now() - started;
    const outbox = runtime.readSchema(REPORTING_OUTBOX);
    const scope: ReportScope = {
      organisationId: ORGANISATION,
      facilityId: CSAPA,
      from: `${YEAR}-01-01`,
      to: `${YEAR}-12-31`,
    };

    const baseline = async () => {
      await knex.raw(
        `select count(distinct subject_key) from "${outbox}".events
          where organisation_id = ? and facility_id = ? and type = 'act.recorded' and occurred_on between ? and ?`,
        [ORGANISATION, CSAPA, scope.from, scope.to],
      );
    };
    const reportOnce = async () => {
      const computed = await csapaActivityReport(knex, outbox, scope);
      if (computed.fileActive.total === 0) throw new Error('the CSAPA report found no file active');
    };
    for (let round = 0; round < WARMUP; round++) {
      await reportOnce();
      await baseline();
    }
    const reportMs: number[] = [];
    const baselineMs: number[] = [];
    // taking turns, so that a slower moment of the machine weighs on both
    for (let round = 0; round < ROUNDS; round++) {
      started = performance.now();
      await reportOnce();
      reportMs.push(performance.now() - started);
      started = performance.now();
      await baseline();
      baselineMs.push(performance.now() - started);
    }
    report(
      {
        name: 'report_csapa_year_ms',
        value: Math.round(median(reportMs)),
        unit: 'ms',
        detail: {
          target: '< 2000',
          call: 'csapaActivityReport(knex, outbox, { facilityId: CSAPA, from: 01-01, to: 12-31 })',
          dataset: { serviceUsers: SERVICE_USERS, events, outboxRows: await outboxRows(knex, outbox) },
          rounds: ROUNDS,
          warmUp: WARMUP,
          roundsMs: reportMs.map(Math.round),
          baseline: {
            query: 'count(distinct subject_key) of act.recorded in the year, same outbox',
            medianMs: Math.round(median(baselineMs) * 10) / 10,
          },
          fillMs: Math.round(fillMs),
          outboxRebuildMs: Math.round(rebuildMs),
        },
      },
      results,
    );
  } finally {
    await runtime.close();
    const { rows } = await knex.raw<{ rows: { nspname: string }[] }>(
      'select nspname from pg_namespace where starts_with(nspname, ?)',
      [schema],
    );
    for (const { nspname } of rows) await knex.raw(`drop schema if exists "${nspname}" cascade`);
    await knex.destroy();
  }
}

async function outboxRows(knex: ReturnType<typeof connectPostgres>, outbox: string): Promise<number> {
  const { rows } = await knex.raw<{ rows: { count: string }[] }>(`select count(*) from "${outbox}".events`);
  return Number(rows[0]!.count);
}
