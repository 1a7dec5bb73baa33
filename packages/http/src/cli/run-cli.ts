import { CommanderError } from 'commander';
import { ExitCode } from './cli-errors.js';
import type { CliContext } from './context.js';
import { describeFailure } from './failure-messages.js';
import { createProgram } from './program.js';

/** Runs one command line (`argv` as `process.argv` has it) and says how the process should exit. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  try {
    await createProgram(context).parseAsync(argv);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    return reportFailure(error, context.stderr);
  }
}

export function reportFailure(error: unknown, stderr: NodeJS.WritableStream): number {
  const failure = describeFailure(error);
  for (const line of failure.message.split('\n')) stderr.write(`erreur : ${line}\n`);
  return failure.exitCode;
}

/** Commander has already printed its message (in French, see french-commander.ts). */
function commanderExitCode(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
  return ExitCode.usage;
}
