import { expect } from 'chai';
import { FallbackIdempotencyStore } from './fallback-idempotency-store.js';
import type { IdempotencyKeeper } from './idempotency-store.js';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store.js';

/** A store that can be switched off, as Redis is when it stops. */
class SwitchableStore implements IdempotencyKeeper {
  down = false;
  constructor(private readonly inner: IdempotencyKeeper) {}

  claim(...args: Parameters<IdempotencyKeeper['claim']>) {
    return this.#unlessDown(() => this.inner.claim(...args));
  }
  complete(...args: Parameters<IdempotencyKeeper['complete']>) {
    return this.#unlessDown(() => this.inner.complete(...args));
  }
  release(...args: Parameters<IdempotencyKeeper['release']>) {
    return this.#unlessDown(() => this.inner.release(...args));
  }
  async #unlessDown<T>(call: () => Promise<T>): Promise<T> {
    if (this.down) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
    return call();
  }
}

describe('idempotency keys with a fallback store', () => {
  const answer = { status: 201, headers: {}, body: Buffer.from('{"ok":true}').toString('base64') };
  let primary: SwitchableStore;
  let fallback: InMemoryIdempotencyStore;
  let events: string[];
  let store: FallbackIdempotencyStore;

  beforeEach(() => {
    primary = new SwitchableStore(new InMemoryIdempotencyStore());
    fallback = new InMemoryIdempotencyStore();
    events = [];
    store = new FallbackIdempotencyStore(primary, fallback, {
      onDegraded: () => events.push('degraded'),
      onRecovered: () => events.push('recovered'),
    });
  });

  it('keeps keys in the primary store while it answers', async () => {
    // when
    const claim = await store.claim('k1', 'f1', 60_000);
    if (claim.state !== 'claimed') throw new Error('not claimed');
    await store.complete('k1', claim.token, answer, 60_000);

    // then
    expect(await store.claim('k1', 'f1', 60_000)).to.deep.include({ state: 'completed', response: answer });
    expect(await fallback.claim('k1', 'f1', 60_000)).to.include({ state: 'claimed' });
    expect(events).to.deep.equal([]);
  });

  it('claims, completes and replays in the fallback while the primary is down, then returns to the primary', async () => {
    // given the primary down
    primary.down = true;

    // when a command claims and completes its key, and is retried
    const claim = await store.claim('k2', 'f2', 60_000);
    if (claim.state !== 'claimed') throw new Error('not claimed');
    await store.complete('k2', claim.token, answer, 60_000);
    const retried = await store.claim('k2', 'f2', 60_000);
    primary.down = false;
    const afterwards = await store.claim('k3', 'f3', 60_000);

    // then the retry got the first answer from the fallback, and new keys go to the primary again
    expect(retried).to.deep.include({ state: 'completed', response: answer });
    expect(afterwards.state).to.equal('claimed');
    expect(await primary.claim('k3', 'f3', 60_000)).to.include({ state: 'in-progress' });
    expect(events).to.deep.equal(['degraded', 'recovered']);
  });

  it('releases a claim in the store that made it, even once the primary is back', async () => {
    // given a key claimed in the fallback
    primary.down = true;
    const claim = await store.claim('k4', 'f4', 60_000);
    if (claim.state !== 'claimed') throw new Error('not claimed');
    primary.down = false;

    // when
    await store.release('k4', claim.token);

    // then the fallback holds it no more
    expect(await fallback.claim('k4', 'f4', 60_000)).to.include({ state: 'claimed' });
  });

  it('fails when both stores fail: the request is answered as an outage, never run unguarded', async () => {
    // given
    primary.down = true;
    const fallbackDown = new SwitchableStore(new InMemoryIdempotencyStore());
    fallbackDown.down = true;
    const broken = new FallbackIdempotencyStore(primary, fallbackDown);

    // when
    const failure = await broken.claim('k5', 'f5', 60_000).then(
      () => undefined,
      (error: unknown) => error,
    );

    // then
    expect(failure).to.be.instanceOf(Error);
  });
});
