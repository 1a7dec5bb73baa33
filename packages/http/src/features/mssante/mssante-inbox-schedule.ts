import { type InboxDependencies, type InboxReport, readMssanteInbox } from './mssante-inbox.js';

/**
 * Reads the MSSanté inbox every `everyMs` (5 minutes by default; 0 turns it off, for programs and
 * tests that poll on request), and on request. One pass at a time in this process: a request
 * during a pass gets that pass's report. Several instances may each poll: every step of a pass is
 * idempotent (a message is filed or rejected once, an acknowledgement recorded once).
 */
export class MssanteInboxSchedule {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<InboxReport> | undefined;
  #stopped = false;

  constructor(
    private readonly deps: InboxDependencies,
    private readonly options: {
      everyMs: number;
      onPass(report: InboxReport): void;
      onError(error: unknown): void;
    },
  ) {}

  start(): void {
    if (this.options.everyMs <= 0) return;
    this.#schedule();
  }

  /** A pass now, or the one under way. */
  poll(limit?: number): Promise<InboxReport> {
    this.#running ??= readMssanteInbox(this.deps, limit === undefined ? {} : { limit }).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Cancels the next pass and waits for the one under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.poll()
        .then((report) => this.options.onPass(report), this.options.onError)
        .finally(() => this.#schedule());
    }, this.options.everyMs);
    this.#timer.unref();
  }
}
