import type { Projection } from '@dui-pds/projections';
import type { Command } from 'commander';
import { UsageError } from './cli-errors.js';
import { type CliConfig, loadConfig } from './config.js';
import { type Session, withSession } from './session.js';

/** What the commands run with: the process's environment and streams, or a test's. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  catalogue: readonly Projection[];
}

export interface GlobalOptions {
  databaseUrl?: string;
  schema?: string;
}

export function configFor(command: Command, context: CliContext): CliConfig {
  const { databaseUrl, schema } = command.optsWithGlobals<GlobalOptions>();
  return loadConfig(context.env, { databaseUrl, schema }, context.catalogue);
}

export function inSession<T>(
  command: Command,
  context: CliContext,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  return withSession(configFor(command, context), context.catalogue, work);
}

/** A line of the command's result. */
export function say(context: CliContext, line = ''): void {
  context.stdout.write(`${line}\n`);
}

/** A line about the run (progress, notes): stderr, so that stdout stays the result. */
export function note(context: CliContext, line: string): void {
  context.stderr.write(`${line}\n`);
}

/** Checked before anything is opened: a typo should not cost a database connection. */
export function catalogued(context: CliContext, name: string): Projection {
  const projection = context.catalogue.find((candidate) => candidate.name === name);
  if (!projection) {
    const known = context.catalogue.map((candidate) => candidate.name).join(', ');
    throw new UsageError(`projection inconnue : « ${name} » (projections connues : ${known})`);
  }
  return projection;
}
