import type { Knex } from 'knex';
import pg from 'pg';
import { type LoadRound, type PlannedRequest, requireFewFailures, runLoad } from './http-load.js';
import { commandMix, queryMix } from './http-mix.js';
import { peakResidentMb, serverOnPglite, serverOnPostgres } from './http-servers.js';
import { type BenchResult, median, pairedRatio, percentile, report, throughput } from './measure.js';
import { createBaselineTable, handover, insertRaw } from './raw-insert-baseline.js';

/** Clients at once, for the HTTP load and for the plain INSERTs it is compared with. */
const CONNECTIONS = 8;
const USAGERS = 40;
const WARMUP_SECONDS = 3;
/** A round sends at least this many, so that each connection sends a few. */
const MIN_REQUESTS_PER_ROUND = CONNECTIONS * 2;
const COMMAND_ROUNDS = 5;
const COMMAND_SECONDS = 4;
const RAW_INSERT_MS = 2_000;
const QUERY_ROUNDS = 3;
const QUERY_SECONDS = 3;
const PGLITE_ROUNDS = 3;
const PGLITE_SECONDS = 4;

/**
 * The server as a client meets it: its own process, HTTP over loopback, a realistic mix of a care
 * day's commands and reads sent by 8 clients at once. On PostgreSQL (with Redis, encryption of
 * personal data on) against plain INSERTs measured in the same run; then the same commands on the
 * embedded default (PGlite). Set BENCH_HTTP_CPU_PROF to a folder to get the PostgreSQL server's
 * CPU profile there.
 */
export async function benchHttp(databaseUrl: string, redisUrl: string, results: BenchResult[]): Promise<void> {
  await benchOnPostgres(databaseUrl, redisUrl, results);
  await benchOnPglite(results);
}

async function benchOnPostgres(databaseUrl: string, redisUrl: string, results: BenchResult[]): Promise<void> {
  const running = await serverOnPostgres(databaseUrl, redisUrl, {
    usagers: USAGERS,
    cpuProfileDirectory: process.env.BENCH_HTTP_CPU_PROF,
  });
  const { unit, schema, knex } = running;
  const url = unit.url;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: CONNECTIONS });
  try {
    // what starting and the preparation took, before any load: the figure's part that is not the load's
    const peakBeforeLoadMb = await peakResidentMb(running.process);
    await createBaselineTable(knex, schema);
    const commands = commandMix(unit);
    const insertOne = async (worker: number, iteration: number) => {
      await insertRaw(pool, schema, handover(`raw-${worker}`, unit.organisationId), iteration);
      return 1;
    };
    // warm-up of the baseline: connections, plans
    await throughput(CONNECTIONS, 1_000, insertOne);
    const insertRates: number[] = [];
    const commandRounds = await measuredRounds('HTTP commands', url, commands, {
      rounds: COMMAND_ROUNDS,
      seconds: COMMAND_SECONDS,
      before: async () => {
        insertRates.push((await throughput(CONNECTIONS, RAW_INSERT_MS, insertOne)).perSecond);
      },
    });
    const commandRate = median(commandRounds.map((round) => round.okPerSecond));
    const insertRate = median(insertRates);
    const commandDetail = {
      connections: CONNECTIONS,
      usagers: USAGERS,
      rounds: COMMAND_ROUNDS,
      roundSeconds: roundSeconds(commandRounds),
      mix: 'of 10: 5 handovers, 3 presences, 2 dispensations',
      ...roundsDetail(commandRounds),
    };
    report(
      { name: 'http_commands_per_s', value: Math.round(commandRate), unit: 'commands/s', detail: commandDetail },
      results,
    );
    report(latencyFigure('http_command_p50_ms', commandRounds, 50, {}), results);
    report(latencyFigure('http_command_p99_ms', commandRounds, 99, { target: '< 50 ms' }), results);
    const { value: commandRatio, ...ratioDetail } = pairedRatio(
      commandRounds.map((round) => round.okPerSecond),
      insertRates,
    );
    report(
      {
        name: 'http_commands_vs_raw_insert',
        value: commandRatio,
        unit: 'ratio',
        detail: {
          target: 0.5,
          figure: 'median of the rounds, each against the INSERT round before it',
          ...ratioDetail,
          rawInsertPerSecond: Math.round(insertRate),
          insertRates: insertRates.map(Math.round),
          baseline: `insertRaw (one prepared INSERT per transaction), ${CONNECTIONS} clients, alternating with the HTTP rounds`,
        },
      },
      results,
    );

    const queries = queryMix(unit);
    const queryRounds = await measuredRounds('HTTP queries', url, queries, {
      rounds: QUERY_ROUNDS,
      seconds: QUERY_SECONDS,
    });
    const queryDetail = {
      connections: CONNECTIONS,
      rounds: QUERY_ROUNDS,
      roundSeconds: roundSeconds(queryRounds),
      mix: 'of 8: 3 handover feeds of the ESSMS, 2 summary sheets, 2 attendance sheets of the day, 1 pharmacy stock',
      ...roundsDetail(queryRounds),
    };
    report(
      {
        name: 'http_queries_per_s',
        value: Math.round(median(queryRounds.map((round) => round.okPerSecond))),
        unit: 'queries/s',
        detail: queryDetail,
      },
      results,
    );
    report(latencyFigure('http_query_p50_ms', queryRounds, 50, {}), results);
    report(latencyFigure('http_query_p99_ms', queryRounds, 99, {}), results);

    report(
      {
        name: 'server_peak_rss_mb',
        value: await peakResidentMb(running.process),
        unit: 'MB',
        detail: {
          target: '< 300',
          measured:
            'VmHWM of the server process (node on the compiled main.js) after the PostgreSQL command and query loads',
          peakBeforeLoadMb,
          runsOn: 'the compiled server, node packages/http/dist/app/main.js',
          ...(await ledgerSize(knex, schema)),
        },
      },
      results,
    );
  } finally {
    await pool.end();
    await running.stop();
  }
}

async function benchOnPglite(results: BenchResult[]): Promise<void> {
  const running = await serverOnPglite({ usagers: USAGERS });
  const { unit } = running;
  const url = unit.url;
  try {
    const commands = commandMix(unit);
    const rounds = await measuredRounds('PGlite HTTP commands', url, commands, {
      rounds: PGLITE_ROUNDS,
      seconds: PGLITE_SECONDS,
    });
    const detail = {
      connections: CONNECTIONS,
      usagers: USAGERS,
      rounds: PGLITE_ROUNDS,
      roundSeconds: roundSeconds(rounds),
      database: 'embedded PGlite (DATABASE_URL empty), demo organisation, development login',
      peakResidentMb: await peakResidentMb(running.process),
      ...roundsDetail(rounds),
    };
    report(
      {
        name: 'http_pglite_commands_per_s',
        value: Math.round(median(rounds.map((round) => round.okPerSecond))),
        unit: 'commands/s',
        detail,
      },
      results,
    );
    report(latencyFigure('http_pglite_command_p99_ms', rounds, 99, {}), results);
  } finally {
    await running.stop();
  }
}

/**
 * A warm-up of WARMUP_SECONDS (connections, plans, JIT), then `rounds` of as many requests as the
 * warm-up's pace answers in `seconds`: every request of a round is answered and counted, the
 * slow ones too. `before` runs before each round (the baseline, alternating with the load).
 */
async function measuredRounds(
  what: string,
  url: string,
  next: () => PlannedRequest,
  options: { rounds: number; seconds: number; before?: () => Promise<void> },
): Promise<LoadRound[]> {
  const warmUp = await runLoad(url, { connections: CONNECTIONS, seconds: WARMUP_SECONDS, next });
  requireFewFailures(`${what}, warm-up`, warmUp);
  const requests = Math.max(MIN_REQUESTS_PER_ROUND, Math.round(warmUp.okPerSecond * options.seconds));
  const rounds: LoadRound[] = [];
  for (let round = 0; round < options.rounds; round++) {
    await options.before?.();
    const measured = await runLoad(url, { connections: CONNECTIONS, requests, next });
    requireFewFailures(`${what}, round ${round + 1}`, measured);
    rounds.push(measured);
  }
  return rounds;
}

/** How long the month's pharmacy ledger stream grew: every dispensation reads it whole. */
async function ledgerSize(knex: Knex, schema: string) {
  const [row] = await knex(`${schema}.events`).where('stream_id', 'like', 'pharmacy-ledger/%').count({ count: '*' });
  return { pharmacyLedgerEvents: Number(row?.count ?? 0) };
}

function latencyFigure(
  name: string,
  rounds: readonly LoadRound[],
  p: number,
  extra: Record<string, unknown>,
): BenchResult {
  const perRound = rounds.map((round) => percentile(round.latenciesMs, p));
  return {
    name,
    value: round1(median(perRound)),
    unit: 'ms',
    detail: {
      ...extra,
      percentile: p,
      perRound: perRound.map(round1),
      measured: 'median over rounds of the round percentile, every answer',
    },
  };
}

/** Per round and per kind: rates, counts, latencies, and the failures with a sample of each. */
function roundsDetail(rounds: readonly LoadRound[]) {
  const kinds = [...new Set(rounds.flatMap((round) => Object.keys(round.byKind)))];
  return {
    ratesPerRound: rounds.map((round) => Math.round(round.okPerSecond)),
    answered: rounds.reduce((sum, round) => sum + round.ok, 0),
    failed: rounds.reduce((sum, round) => sum + round.failed, 0),
    byKind: Object.fromEntries(
      kinds.map((kind) => {
        const latencies = rounds.flatMap((round) => round.byKind[kind]?.latenciesMs ?? []);
        return [
          kind,
          {
            ok: rounds.reduce((sum, round) => sum + (round.byKind[kind]?.ok ?? 0), 0),
            p50Ms: round1(percentile(latencies, 50)),
            p99Ms: round1(percentile(latencies, 99)),
            p50MsPerRound: rounds.map((round) => round1(percentile(round.byKind[kind]?.latenciesMs ?? [0], 50))),
          },
        ];
      }),
    ),
    failures: rounds.flatMap((round) => round.failures),
  };
}

const roundSeconds = (rounds: readonly LoadRound[]) => rounds.map((round) => round1(round.elapsedSeconds));
const round1 = (value: number) => Math.round(value * 10) / 10;
