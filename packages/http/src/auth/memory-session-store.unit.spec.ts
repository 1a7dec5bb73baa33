import { expect } from 'chai';
import { MemorySessionStore } from './memory-session-store.js';
import { describeSessionStoreBehaviour, sessionRecord } from './testing/session-store-behaviour.js';

describe('MemorySessionStore', () => {
  describeSessionStoreBehaviour(() => new MemorySessionStore());

  it('drops expired sessions when another is put, so that abandoned sessions do not pile up', async () => {
    // given
    let now = new Date('2026-03-02T08:00:00Z');
    const store = new MemorySessionStore({ now: () => now });
    await store.put('abandoned', sessionRecord({ expiresAt: '2026-03-02T20:00:00Z' }));

    // when
    now = new Date('2026-03-02T20:00:01Z');
    await store.put('fresh', sessionRecord({ expiresAt: '2026-03-03T08:00:01Z' }));

    // then
    expect(store.size).to.equal(1);
  });

  it('hands out copies: a caller altering a record does not alter the session', async () => {
    // given
    const store = new MemorySessionStore();
    await store.put('session', sessionRecord());

    // when
    const first = await store.get('session');
    if (first !== undefined) first.professionalId = 'altered';

    // then
    expect((await store.get('session'))?.professionalId).to.equal('810012345678');
  });
});
