import type { RetentionRun } from './end-of-retention.js';

/** The first run waits this long after start: a restart loop never turns into a destruction loop. */
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * Runs the end-of-retention job in the server, every `everyMs` (daily by default; 0 turns it
 * off, for programs and tests that run it themselves). Several instances may each run it: every
 * step of the job is idempotent and the records it works on are decided by their due dates, so a
 * second run finds nothing left to do.
 */
export class RetentionSchedule {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly options: {
      everyMs: number;
      run(): Promise<RetentionRun>;
      onRun(run: RetentionRun): void;
      onError(error: unknown): void;
    },
  ) {}

  start(): void {
    if (this.options.everyMs <= 0) return;
    this.#schedule(Math.min(FIRST_RUN_DELAY_MS, this.options.everyMs));
  }

  /** Cancels the next run and waits for the one under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.options
        .run()
        .then((run) => this.options.onRun(run), this.options.onError)
        .finally(() => this.#schedule(this.options.everyMs));
    }, delayMs);
    this.#timer.unref();
  }
}
