import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { IdempotencyKeeper, StoredResponse } from '../idempotency-store.js';

/** What every idempotency store must do, run against each adapter. */
export function describeIdempotencyStoreBehaviour(open: () => IdempotencyKeeper): void {
  const answer: StoredResponse = {
    status: 201,
    headers: { 'content-type': 'application/json; charset=utf-8', etag: '"0"' },
    body: Buffer.from('{"serviceUserId":"u-1"}').toString('base64'),
  };
  const minute = 60_000;
  let store: IdempotencyKeeper;

  beforeEach(() => {
    store = open();
  });

  it('claims a new key', async () => {
    // when
    const claim = await store.claim(randomUUID(), 'fingerprint-a', minute);

    // then
    expect(claim.state).to.equal('claimed');
  });

  it('tells a second claim that the first is in progress, with its fingerprint', async () => {
    // given
    const key = randomUUID();
    await store.claim(key, 'fingerprint-a', minute);

    // when
    const second = await store.claim(key, 'fingerprint-b', minute);

    // then
    expect(second).to.deep.equal({ state: 'in-progress', fingerprint: 'fingerprint-a' });
  });

  it('gives the stored answer once completed', async () => {
    // given
    const key = randomUUID();
    const claim = await store.claim(key, 'fingerprint-a', minute);
    if (claim.state !== 'claimed') throw new Error('not claimed');

    // when
    await store.complete(key, claim.token, answer, minute);

    // then
    expect(await store.claim(key, 'fingerprint-a', minute)).to.deep.equal({
      state: 'completed',
      fingerprint: 'fingerprint-a',
      response: answer,
    });
  });

  it('frees a released key for a new claim', async () => {
    // given
    const key = randomUUID();
    const claim = await store.claim(key, 'fingerprint-a', minute);
    if (claim.state !== 'claimed') throw new Error('not claimed');

    // when
    await store.release(key, claim.token);

    // then
    expect((await store.claim(key, 'fingerprint-b', minute)).state).to.equal('claimed');
  });

  it('lets a lapsed claim be taken over, and then ignores the first claimant', async () => {
    // given
    const key = randomUUID();
    const first = await store.claim(key, 'fingerprint-a', 50);
    if (first.state !== 'claimed') throw new Error('not claimed');
    await sleep(120);

    // when
    const second = await store.claim(key, 'fingerprint-b', minute);
    await store.complete(key, first.token, answer, minute);
    await store.release(key, first.token);

    // then
    expect(second.state).to.equal('claimed');
    expect(await store.claim(key, 'fingerprint-c', minute)).to.deep.equal({
      state: 'in-progress',
      fingerprint: 'fingerprint-b',
    });
  });

  it('forgets a completed answer after its time to live', async () => {
    // given
    const key = randomUUID();
    const claim = await store.claim(key, 'fingerprint-a', minute);
    if (claim.state !== 'claimed') throw new Error('not claimed');
    await store.complete(key, claim.token, answer, 50);
    await sleep(120);

    // when
    const again = await store.claim(key, 'fingerprint-a', minute);

    // then
    expect(again.state).to.equal('claimed');
  });

  it('grants one claim among concurrent ones', async () => {
    // given
    const key = randomUUID();

    // when
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claim(key, 'fingerprint-a', minute)));

    // then
    expect(claims.filter((claim) => claim.state === 'claimed')).to.have.length(1);
    expect(claims.filter((claim) => claim.state === 'in-progress')).to.have.length(7);
  });
}
