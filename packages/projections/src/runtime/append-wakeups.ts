import { setTimeout as sleep } from 'node:timers/promises';
import type { AppendNotifier } from '@dui-pds/eventstore';

/**
 * Waits for the next append, heard from the notifier, or for the poll interval, whichever comes
 * first: the notifier makes workers react at once, polling bounds the delay when a notification
 * is lost (another process without the notifier, Redis down). A notification that arrives while
 * the worker is busy is remembered, so the next wait returns at once.
 */
export class AppendWakeups {
  #pending = false;
  #wake: AbortController | undefined;
  readonly #stopListening: (() => void) | undefined;

  constructor(notifier: AppendNotifier | undefined) {
    this.#stopListening = notifier?.onAppended(() => {
      this.#pending = true;
      this.#wake?.abort();
    });
  }

  /** Resolves `'notified'` when an append was heard, `'polled'` when the interval ran out. */
  async next(pollIntervalMs: number, signal: AbortSignal): Promise<'notified' | 'polled'> {
    if (!this.#pending) {
      this.#wake = new AbortController();
      await sleep(pollIntervalMs, undefined, { signal: AbortSignal.any([signal, this.#wake.signal]) }).catch(
        () => undefined,
      );
      this.#wake = undefined;
    }
    const notified = this.#pending;
    this.#pending = false;
    return notified ? 'notified' : 'polled';
  }

  stop(): void {
    this.#stopListening?.();
  }
}
