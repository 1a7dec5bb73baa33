import type { BuildProgress } from '@dui-pds/projections';
import { SingleBar } from 'cli-progress';

const numbers = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

/**
 * A progress bar for a long build or replay, on stderr so that stdout stays the command's result.
 * cli-progress draws nothing when stderr is not a terminal (logs, CI): the command then prints
 * its summary line alone.
 */
export class ProgressBar {
  readonly #bar: SingleBar;
  #started = false;

  constructor(label: string, stream: NodeJS.WritableStream = process.stderr) {
    this.#bar = new SingleBar({
      stream,
      format: `${label} {bar} {percentage} % | {value}/{total} événements | {rate} év./s | reste {left}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: false,
    });
  }

  update(progress: BuildProgress): void {
    // the log may grow during the build: never show more done than the total
    const total = Math.max(progress.total, progress.done);
    const payload = {
      rate: numbers.format(progress.eventsPerSecond),
      left: progress.secondsLeft === undefined ? '…' : formatDuration(progress.secondsLeft),
    };
    if (!this.#started) {
      this.#bar.start(total, progress.done, payload);
      this.#started = true;
      return;
    }
    this.#bar.setTotal(total);
    this.#bar.update(progress.done, payload);
  }

  stop(): void {
    if (this.#started) this.#bar.stop();
  }
}

/** `42 s`, `3 min 05 s`, `2 h 07 min`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

export function formatCount(count: number): string {
  return numbers.format(count);
}
