/**
 * Commands on one stream, one at a time within this process; commands on other streams side by
 * side. Commands that race on a busy stream (an ESSMS' pharmacy ledger of the month, which every
 * dispensation appends to) all but one fail their append on the expected revision and start over,
 * their reads, decisions and transactions wasted; taking turns, each finds the stream as the one
 * before left it. Other processes' commands still meet as conflicts, which `handleCommand` retries.
 *
 * A task must not take a turn on a stream it already holds: it would wait for itself.
 */
export class StreamTurns {
  /** Per stream, when the last task queued so far is done. */
  readonly #lastDone = new Map<string, Promise<void>>();

  async take<T>(streamId: string, task: () => Promise<T>): Promise<T> {
    const previousDone = this.#lastDone.get(streamId) ?? Promise.resolve();
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const done = previousDone.then(() => finished);
    this.#lastDone.set(streamId, done);
    try {
      await previousDone;
      return await task();
    } finally {
      finish();
      if (this.#lastDone.get(streamId) === done) this.#lastDone.delete(streamId);
    }
  }

  /** How many streams have a task running or waiting. */
  get busyStreams(): number {
    return this.#lastDone.size;
  }
}
