/**
 * `pnpm bench`: runs every benchmark, prints one JSON object per line, and writes them all to
 * bench/results.json. Figures are medians of several rounds after a warm-up, with the baseline
 * measured in the same run. Needs PostgreSQL: BENCH_DATABASE_URL, else DATABASE_URL, else the local one.
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { benchEventStore } from './eventstore.bench.js';
import type { BenchResult } from './measure.js';
import { performancePage } from './performance-page.js';

const databaseUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const results: BenchResult[] = [];
const startedAt = new Date().toISOString();
await benchEventStore(databaseUrl, results);

const machine = { cpus: cpus().length, node: process.version };
await writeFile(
  new URL('./results.json', import.meta.url),
  `${JSON.stringify({ startedAt, machine, results }, null, 2)}\n`,
);
await writeFile(new URL('../docs/performance.md', import.meta.url), performancePage(startedAt, machine, results));
console.error(`wrote ${results.length} results to bench/results.json and docs/performance.md`);
