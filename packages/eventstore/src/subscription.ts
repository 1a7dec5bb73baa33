import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedEvent } from './event.js';
import type { ReadAllOptions, SubscribeOptions } from './event-store.js';
import type { AppendNotifier } from './notifier.js';

const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_POLL_INTERVAL_MS = 250;

/**
 * Catch-up then live over any `readAll`: reads a batch, hands it out one event at a time (the
 * next read waits until the consumer has taken them: that is the backpressure), and when the
 * log is exhausted waits for a wake-up from the notifier or the poll interval, whichever first.
 */
export async function* pollGlobalLog(
  readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>,
  notifier: AppendNotifier | undefined,
  options: SubscribeOptions = {},
): AsyncGenerator<RecordedEvent> {
  const { signal, organisationId } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  let after = options.after;
  let woken = false;
  const stopListening = notifier?.onAppended(() => {
    woken = true;
    wake?.abort();
  });
  let wake: AbortController | undefined;
  try {
    while (!signal?.aborted) {
      woken = false;
      const batch = await readAll({ after, maxCount: batchSize, organisationId });
      for (const event of batch) {
        if (signal?.aborted) return;
        yield event;
        after = event.globalPosition;
      }
      if (batch.length === batchSize || woken) continue;
      wake = new AbortController();
      const stop = signal ? AbortSignal.any([signal, wake.signal]) : wake.signal;
      await sleep(pollIntervalMs, undefined, { signal: stop }).catch(() => undefined);
      wake = undefined;
    }
  } finally {
    stopListening?.();
  }
}
