#!/usr/bin/env node
import { flushOnExit, startTelemetry } from '../telemetry/start-telemetry.js';

// A projection worker is traced like the server when a collector is configured (docs/operations.md).
// Tracing patches pg as knex loads it, so it starts first and the rest is imported after it.
if (runsProjectionWorker(process.argv.slice(2))) flushOnExit(await startTelemetry(process.env, 'projections-worker'));
const { projectionCatalogue } = await import('../projection-catalogue.js');
const { reportFailure, runCli } = await import('./run-cli.js');

// The commands write to the streams themselves; what reaches the console comes from a library
// (knex prints connection failures with their stack) and would only repeat, with a stack trace,
// the error the command reports in French.
for (const method of ['log', 'info', 'warn', 'debug', 'error'] as const) console[method] = () => undefined;

// `dui export-stream … | head`: the reader has what it wanted, nothing is wrong
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});
// a pool's idle connection dropped by the server, for instance: a French line, never a stack trace
process.on('uncaughtException', (error) => process.exit(reportFailure(error, process.stderr)));

process.exitCode = await runCli(process.argv, {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  catalogue: projectionCatalogue,
});

/** `dui [global options] projections run …`: the one long-running command. */
function runsProjectionWorker(args: readonly string[]): boolean {
  const at = args.indexOf('projections');
  return at !== -1 && args[at + 1] === 'run';
}
