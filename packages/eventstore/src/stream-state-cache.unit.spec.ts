import assert from 'node:assert/strict';
import { LruStreamStateCache } from './stream-state-cache.js';

describe('LruStreamStateCache', () => {
  it('keeps the states of at most maxStreams streams, the least recently used going first', () => {
    // given
    const cache = new LruStreamStateCache<string>({ maxStreams: 2 });
    cache.remember('ledger-a', { state: 'a', revision: 1 });
    cache.remember('ledger-b', { state: 'b', revision: 1 });
    cache.get('ledger-a');

    // when
    cache.remember('ledger-c', { state: 'c', revision: 1 });

    // then
    assert.equal(cache.size, 2);
    assert.equal(cache.get('ledger-b'), undefined);
    assert.deepEqual(cache.get('ledger-a'), { state: 'a', revision: 1 });
    assert.deepEqual(cache.get('ledger-c'), { state: 'c', revision: 1 });
  });

  it('keeps states folded from at most maxEvents events in all, and none of a longer stream', () => {
    // given: states of 4 and 3 events (revisions 3 and 2)
    const cache = new LruStreamStateCache<string>({ maxEvents: 8 });
    cache.remember('ledger-a', { state: 'a', revision: 3 });
    cache.remember('ledger-b', { state: 'b', revision: 2 });

    // when: 2 more events would make 9
    cache.remember('ledger-c', { state: 'c', revision: 1 });
    cache.remember('ledger-long', { state: 'long', revision: 8 });

    // then
    assert.equal(cache.get('ledger-a'), undefined, 'the least recently used went');
    assert.deepEqual(cache.get('ledger-b'), { state: 'b', revision: 2 });
    assert.deepEqual(cache.get('ledger-c'), { state: 'c', revision: 1 });
    assert.equal(cache.get('ledger-long'), undefined, '9 events are more than maxEvents');
  });

  it('never goes back to an earlier revision of a stream, when a slower command finishes last', () => {
    // given
    const cache = new LruStreamStateCache<string>();
    cache.remember('ledger', { state: 'after 7', revision: 7 });

    // when
    cache.remember('ledger', { state: 'after 5', revision: 5 });
    cache.remember('ledger', { state: 'again after 7', revision: 7 });

    // then
    assert.deepEqual(cache.get('ledger'), { state: 'after 7', revision: 7 });
  });

  it('forgets a stream on demand', () => {
    // given
    const cache = new LruStreamStateCache<string>();
    cache.remember('ledger', { state: 'after 7', revision: 7 });

    // when
    cache.forget('ledger');

    // then
    assert.equal(cache.get('ledger'), undefined);
    cache.remember('ledger', { state: 'after 3', revision: 3 });
    assert.deepEqual(cache.get('ledger'), { state: 'after 3', revision: 3 });
  });
});
