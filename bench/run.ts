/**
 * `pnpm bench`: runs every benchmark, prints one JSON object per line, and writes them all to
 * bench/results.json. Figures are medians of several rounds after a warm-up, with the baseline
 * measured in the same run. Needs PostgreSQL: BENCH_DATABASE_URL, else DATABASE_URL, else the local
 * one; and Redis for the projection wake-up: BENCH_REDIS_URL, else REDIS_URL, else the local one.
 *
 * BENCH_ONLY=eventstore, projections, reports, deciders or http (comma-separated) runs only those groups, for
 * working on one: the figures are printed, and bench/results.json and docs/performance.md are left
 * alone, since they must hold the figures of one whole run.
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { benchDeciders } from './deciders.bench.js';
import { benchEventStore } from './eventstore.bench.js';
import { benchHttp } from './http.bench.js';
import type { BenchResult } from './measure.js';
import { performancePage } from './performance-page.js';
import { benchProjections } from './projections.bench.js';
import { benchReports } from './reports.bench.js';

const databaseUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const groups = {
  eventstore: (results: BenchResult[]) => benchEventStore(databaseUrl, results),
  projections: (results: BenchResult[]) => benchProjections(databaseUrl, redisUrl, results),
  reports: (results: BenchResult[]) => benchReports(databaseUrl, results),
  deciders: (results: BenchResult[]) => benchDeciders(results),
  http: (results: BenchResult[]) => benchHttp(databaseUrl, redisUrl, results),
};
const only = process.env.BENCH_ONLY?.split(',')
  .map((name) => name.trim())
  .filter(Boolean);
for (const name of only ?? []) {
  if (!(name in groups)) throw new Error(`BENCH_ONLY: unknown group ${name} (${Object.keys(groups).join(', ')})`);
}

const results: BenchResult[] = [];
const startedAt = new Date().toISOString();
for (const [name, run] of Object.entries(groups)) {
  if (!only || only.includes(name)) await run(results);
}

if (only) {
  console.error(
    `BENCH_ONLY=${only.join(',')}: ${results.length} results printed, results.json and performance.md untouched`,
  );
} else {
  const machine = { cpus: cpus().length, node: process.version };
  await writeFile(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ startedAt, machine, results }, null, 2)}\n`,
  );
  await writeFile(new URL('../docs/performance.md', import.meta.url), performancePage(startedAt, machine, results));
  console.error(`wrote ${results.length} results to bench/results.json and docs/performance.md`);
}
