/** How far a long build has gone: for progress bars and logs. */
export interface BuildProgress {
  projection: string;
  buildSchema: string;
  done: number;
  /** Events in the log when the build started (the log may grow meanwhile). */
  total: number;
  eventsPerSecond: number;
  /** Undefined until the rate is known. */
  secondsLeft: number | undefined;
}

export type ProgressListener = (progress: BuildProgress) => void;

export class ProgressTracker {
  readonly #startedAt = performance.now();
  #done = 0;

  constructor(
    private readonly base: Pick<BuildProgress, 'projection' | 'buildSchema' | 'total'>,
    private readonly listener: ProgressListener | undefined,
  ) {}

  add(events: number): void {
    this.#done += events;
    if (!this.listener) return;
    const seconds = (performance.now() - this.#startedAt) / 1000;
    const eventsPerSecond = seconds > 0 ? this.#done / seconds : 0;
    const left = Math.max(0, this.base.total - this.#done);
    this.listener({
      ...this.base,
      done: this.#done,
      eventsPerSecond,
      secondsLeft: eventsPerSecond > 0 ? left / eventsPerSecond : undefined,
    });
  }

  get done(): number {
    return this.#done;
  }
}
