/**
 * Exit codes of `dui`, stable for scripts and monitoring: 1 means the log failed an integrity
 * check (an alert), 2 that the command or its configuration was wrong (fix the call), 3 anything
 * else (an outage or a bug).
 */
export const ExitCode = {
  ok: 0,
  integrity: 1,
  usage: 2,
  failure: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the command line explains itself: its message is French and safe to print as is. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

export class IntegrityFailure extends CliError {
  override readonly name = 'IntegrityFailure';
  constructor(message: string) {
    super(message, ExitCode.integrity);
  }
}
