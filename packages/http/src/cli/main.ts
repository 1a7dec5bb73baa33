#!/usr/bin/env node
import { projectionCatalogue } from '../projection-catalogue.js';
import { reportFailure, runCli } from './run-cli.js';

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
