import { expect } from 'chai';
import { type IncrementResponse, MemoryStore, type Options, type Store } from 'express-rate-limit';
import { FallbackRateLimitStore } from './fallback-rate-limit-store.js';

/** Shared counters that can be cut off, as Redis is when it stops. */
class SwitchableCounters implements Store {
  down = false;
  readonly prefix = 'shared:';
  readonly #inner = new MemoryStore();

  init(options: Options): void {
    this.#inner.init(options);
  }
  async increment(key: string): Promise<IncrementResponse> {
    if (this.down) throw new Error('Connection is closed.');
    return this.#inner.increment(key);
  }
  async decrement(key: string): Promise<void> {
    if (this.down) throw new Error('Connection is closed.');
    await this.#inner.decrement(key);
  }
  async resetKey(key: string): Promise<void> {
    if (this.down) throw new Error('Connection is closed.');
    await this.#inner.resetKey(key);
  }
  shutdown(): void {
    this.#inner.shutdown();
  }
}

describe('rate limit counters with a fallback', () => {
  let shared: SwitchableCounters;
  let store: FallbackRateLimitStore;

  beforeEach(() => {
    shared = new SwitchableCounters();
    store = new FallbackRateLimitStore(shared);
    store.init({ windowMs: 60_000 } as Options);
  });

  afterEach(() => {
    store.shutdown();
    shared.shutdown();
  });

  it('counts in the shared counters while they answer', async () => {
    // when
    await store.increment('professional:a');
    const second = await store.increment('professional:a');

    // then
    expect(second.totalHits).to.equal(2);
    expect(store.prefix).to.equal('shared:');
  });

  it('goes on counting in this process while the shared counters are down, so limits still hold', async () => {
    // given
    await store.increment('professional:a');
    shared.down = true;

    // when
    const hits: number[] = [];
    for (let count = 0; count < 3; count += 1) hits.push((await store.increment('professional:a')).totalHits);
    await store.decrement('professional:a');
    const afterDecrement = await store.increment('professional:a');
    shared.down = false;
    const backToShared = await store.increment('professional:a');

    // then
    expect(hits).to.deep.equal([1, 2, 3]);
    expect(afterDecrement.totalHits).to.equal(3);
    expect(backToShared.totalHits).to.equal(2);
  });
});
