import { type Lease, type LeaseManager, LeaseManagerClosed, LeaseReleased } from './lease.js';

/** For the embedded single-process default (PGlite): nobody else can compete for a key. */
export class InProcessLeaseManager implements LeaseManager {
  readonly #held = new Map<string, InProcessLease>();
  #closed = false;

  async tryAcquire(key: string): Promise<Lease | undefined> {
    if (this.#closed) throw new LeaseManagerClosed();
    if (this.#held.has(key)) return undefined;
    const lease = new InProcessLease(key, () => this.#held.delete(key));
    this.#held.set(key, lease);
    return lease;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#held.values()].map((lease) => lease.release()));
  }
}

class InProcessLease implements Lease {
  readonly #controller = new AbortController();
  readonly lost = this.#controller.signal;

  readonly #forget: () => void;

  constructor(
    readonly key: string,
    forget: () => void,
  ) {
    this.#forget = forget;
  }

  async release(): Promise<void> {
    if (this.lost.aborted) return;
    this.#controller.abort(new LeaseReleased(this.key));
    this.#forget();
  }
}
