/**
 * Coalesces concurrent appends into shared round trips (ADR 0007). Appends that arrive while
 * `maxInFlight` batches are already on their way wait in a queue and leave together in the next
 * one: one statement, one transaction, one commit for all of them, each still decided on its own
 * by the append function. Nothing is acknowledged before its batch has committed, so durability
 * is that of a single append; under light load a batch holds one append and nothing waits.
 *
 * If a batch fails as a whole (an unexpected database error), its appends are replayed one by
 * one, so that the error reaches only the append that caused it.
 */
export interface BatchLimits {
  /** Batches on their way at once; more appends wait and are grouped. */
  maxInFlight: number;
  /** Events in one batch; an append bigger than this travels alone. */
  maxEvents: number;
}

interface Queued<Append, Outcome> {
  append: Append;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

export class AppendBatcher<Append extends { streamId: string; events: readonly unknown[] }, Outcome> {
  readonly #send: (appends: Append[]) => Promise<Outcome[]>;
  readonly #limits: BatchLimits;
  #queue: Queued<Append, Outcome>[] = [];
  #inFlight = 0;
  #dispatchScheduled = false;

  constructor(send: (appends: Append[]) => Promise<Outcome[]>, limits: BatchLimits) {
    this.#send = send;
    this.#limits = limits;
  }

  submit(append: Append): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.#queue.push({ append, resolve, reject });
      this.#scheduleDispatch();
    });
  }

  /**
   * Dispatches once the current turn of the event loop is over: the writers woken by the last
   * batch submit their next appends in the same turn, and should leave together rather than the
   * first alone and the others after it.
   */
  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    setImmediate(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#inFlight < this.#limits.maxInFlight && this.#queue.length > 0) {
      const batch = this.#takeBatch();
      this.#inFlight += 1;
      void this.#run(batch).finally(() => {
        this.#inFlight -= 1;
        this.#scheduleDispatch();
      });
    }
  }

  /**
   * Shares what waits among the free slots rather than sending it all in one batch: batches on
   * their way run in parallel on the server (one backend each), a single big batch on one core.
   */
  #takeBatch(): Queued<Append, Outcome>[] {
    const freeSlots = this.#limits.maxInFlight - this.#inFlight;
    const share = Math.ceil(this.#queue.length / freeSlots);
    let events = 0;
    let taken = 0;
    for (const { append } of this.#queue) {
      if (taken === share) break;
      if (taken > 0 && events + append.events.length > this.#limits.maxEvents) break;
      events += append.events.length;
      taken += 1;
    }
    const batch = this.#queue.slice(0, taken);
    this.#queue = this.#queue.slice(taken);
    // the same order of stream rows in every batch: concurrent batches never deadlock; the sort is
    // stable, so appends to one stream keep the order they came in
    return batch.sort((a, b) =>
      a.append.streamId < b.append.streamId ? -1 : a.append.streamId > b.append.streamId ? 1 : 0,
    );
  }

  async #run(batch: Queued<Append, Outcome>[]): Promise<void> {
    try {
      const outcomes = await this.#send(batch.map((queued) => queued.append));
      for (const [index, queued] of batch.entries()) queued.resolve(outcomes[index]!);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const queued of batch) {
        await this.#send([queued.append]).then(([outcome]) => queued.resolve(outcome!), queued.reject);
      }
    }
  }
}
