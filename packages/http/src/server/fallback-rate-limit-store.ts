import { type IncrementResponse, MemoryStore, type Options, type Store } from 'express-rate-limit';

/**
 * The shared counters (Redis) first, this process's own while they cannot be reached (ADR 0018):
 * during an outage each instance counts for itself, so a client gets at most one budget per
 * instance instead of none being enforced at all.
 */
export class FallbackRateLimitStore implements Store {
  readonly #primary: Store;
  readonly #fallback = new MemoryStore();
  readonly prefix: string | undefined;

  constructor(primary: Store) {
    this.#primary = primary;
    this.prefix = primary.prefix;
  }

  init(options: Options): void {
    this.#fallback.init(options);
    // a primary that cannot start now (its scripts not loaded) is retried by its own calls
    Promise.resolve(this.#primary.init?.(options)).catch(() => {});
  }

  async increment(key: string): Promise<IncrementResponse> {
    try {
      return await this.#primary.increment(key);
    } catch {
      return this.#fallback.increment(key);
    }
  }

  async decrement(key: string): Promise<void> {
    await Promise.resolve(this.#primary.decrement(key)).catch(() => this.#fallback.decrement(key));
  }

  async resetKey(key: string): Promise<void> {
    this.#fallback.resetKey(key);
    await Promise.resolve(this.#primary.resetKey(key)).catch(() => {});
  }

  shutdown(): void {
    this.#fallback.shutdown();
  }
}
