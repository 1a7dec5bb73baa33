import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { CachedSessionStore } from './cached-session-store.js';
import { MemorySessionStore } from './memory-session-store.js';
import type { SessionRecord, SessionStore } from './session-store.js';
import { describeSessionStoreBehaviour, sessionRecord } from './testing/session-store-behaviour.js';

/** A cache that can be cut off, as Redis is when it stops, or emptied, as when it restarts. */
class SwitchableCache implements SessionStore {
  down = false;
  inner = new MemorySessionStore();

  put(sessionId: string, record: SessionRecord) {
    return this.#unlessDown(() => this.inner.put(sessionId, record));
  }
  get(sessionId: string) {
    return this.#unlessDown(() => this.inner.get(sessionId));
  }
  delete(sessionId: string) {
    return this.#unlessDown(() => this.inner.delete(sessionId));
  }
  async #unlessDown<T>(call: () => Promise<T>): Promise<T> {
    if (this.down) throw new Error('Connection is closed.');
    return call();
  }
}

describe('CachedSessionStore', () => {
  const sessionId = () => randomBytes(32).toString('base64url');
  let record: MemorySessionStore;
  let cache: SwitchableCache;
  let cacheErrors: number;
  let store: CachedSessionStore;

  beforeEach(() => {
    record = new MemorySessionStore();
    cache = new SwitchableCache();
    cacheErrors = 0;
    store = new CachedSessionStore(record, cache, { onCacheError: () => (cacheErrors += 1) });
  });

  describeSessionStoreBehaviour(() => new CachedSessionStore(new MemorySessionStore(), new MemorySessionStore()));

  it('keeps every session in the record and the cache', async () => {
    // given
    const id = sessionId();

    // when
    await store.put(id, sessionRecord());

    // then
    expect(await record.get(id)).to.not.equal(undefined);
    expect(await cache.get(id)).to.not.equal(undefined);
  });

  it('neither loses nor refuses a session while the cache is down, and opens new ones', async () => {
    // given a session opened before the outage
    const before = sessionId();
    await store.put(before, sessionRecord({ professionalId: '810000000001' }));
    cache.down = true;

    // when
    const during = sessionId();
    await store.put(during, sessionRecord({ professionalId: '810000000002' }));

    // then
    expect((await store.get(before))?.professionalId).to.equal('810000000001');
    expect((await store.get(during))?.professionalId).to.equal('810000000002');
    expect(cacheErrors).to.be.greaterThan(0);
  });

  it('finds the sessions again in a cache that restarted empty, and caches them again', async () => {
    // given
    const id = sessionId();
    await store.put(id, sessionRecord());
    cache.inner = new MemorySessionStore();

    // when
    const found = await store.get(id);

    // then
    expect(found).to.not.equal(undefined);
    expect(await cache.inner.get(id)).to.not.equal(undefined);
  });

  it('logs out in the record even when the cache is down', async () => {
    // given
    const id = sessionId();
    await store.put(id, sessionRecord());
    cache.down = true;

    // when
    await store.delete(id);

    // then
    expect(await record.get(id)).to.equal(undefined);
    expect(await store.get(id)).to.equal(undefined);
  });

  it('never serves a session logged out while the cache was down, once the cache is back', async () => {
    // given a session cached, then logged out while the cache is down
    const id = sessionId();
    await store.put(id, sessionRecord());
    cache.down = true;
    await store.delete(id);

    // when the cache comes back with the old entry still in it
    cache.down = false;
    expect(await cache.inner.get(id)).to.not.equal(undefined);

    // then the session is refused, and the next call dropped the old entry for the other instances too
    expect(await store.get(id)).to.equal(undefined);
    const otherInstance = new CachedSessionStore(new MemorySessionStore(), cache);
    expect(await otherInstance.get(id)).to.equal(undefined);
  });

  it('serves the record, not the old cached entry, of a session rewritten while the cache was down', async () => {
    // given a session cached, then rewritten (its tokens refreshed) while the cache is down
    const id = sessionId();
    await store.put(id, sessionRecord({ professionalId: '810000000001' }));
    cache.down = true;
    await store.put(id, sessionRecord({ professionalId: '810000000002' }));

    // when it is read while the cache is still down, and after it is back
    const during = await store.get(id);
    cache.down = false;
    const after = await store.get(id);

    // then both reads give the rewritten session
    expect(during?.professionalId).to.equal('810000000002');
    expect(after?.professionalId).to.equal('810000000002');
  });

  it('forgets what the cache missed once the cache has expired it by itself', async () => {
    // given a logout missed by the cache, and a clock
    let now = 0;
    const timed = new CachedSessionStore(record, cache, { cacheTtlMs: 60_000, now: () => now });
    const id = sessionId();
    await timed.put(id, sessionRecord());
    cache.down = true;
    await timed.delete(id);
    const deletes: string[] = [];
    const deleteFromCache = cache.delete.bind(cache);
    cache.delete = (sessionId: string) => {
      deletes.push(sessionId);
      return deleteFromCache(sessionId);
    };

    // when the cache comes back after its own expiry of the entry
    cache.down = false;
    now = 60_000;
    await timed.get(sessionId());

    // then nothing is sent to the cache for it
    expect(deletes).to.deep.equal([]);
  });

  it('fails when the record fails: a session is never only in the cache', async () => {
    // given
    const failingRecord = new SwitchableCache();
    failingRecord.down = true;
    const onlyCache = new MemorySessionStore();
    const broken = new CachedSessionStore(failingRecord, onlyCache);
    const id = sessionId();

    // when
    const failure = await broken.put(id, sessionRecord()).then(
      () => undefined,
      (error: unknown) => error,
    );

    // then
    expect(failure).to.be.instanceOf(Error);
    expect(await onlyCache.get(id)).to.equal(undefined);
  });
});
