import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { LeaseManager } from './lease.js';

export interface LeaseManagersUnderTest {
  /**
   * Two managers competing for the same keys, as two processes would; an adapter whose managers
   * share nothing (in-process) gives the same manager twice.
   */
  open(): Promise<[LeaseManager, LeaseManager]> | [LeaseManager, LeaseManager];
}

export function uniqueLeaseKey(): string {
  return `test-${randomUUID()}`;
}

/** What every lease adapter must do; each adapter's spec runs it. */
export function describeLeaseManagerBehaviour(subject: LeaseManagersUnderTest): void {
  let first: LeaseManager;
  let second: LeaseManager;

  beforeEach(async () => {
    [first, second] = await subject.open();
  });

  afterEach(async () => {
    await Promise.all([first.close(), second.close()]);
  });

  it('does not grant a held key a second time, in the same manager or another', async () => {
    // given
    const key = uniqueLeaseKey();
    const lease = await first.tryAcquire(key);

    // when
    const again = await first.tryAcquire(key);
    const elsewhere = await second.tryAcquire(key);

    // then
    expect(lease?.key).to.equal(key);
    expect(again).to.equal(undefined);
    expect(elsewhere).to.equal(undefined);
  });

  it('grants a released key again', async () => {
    // given
    const key = uniqueLeaseKey();
    const lease = await first.tryAcquire(key);
    await lease?.release();

    // when
    const next = await second.tryAcquire(key);

    // then
    expect(next?.key).to.equal(key);
  });

  it('keeps different keys independent', async () => {
    // given
    const lease = await first.tryAcquire(uniqueLeaseKey());

    // when
    const other = await second.tryAcquire(uniqueLeaseKey());

    // then
    expect(lease).to.not.equal(undefined);
    expect(other).to.not.equal(undefined);
  });

  it('aborts lost on release, and releases idempotently', async () => {
    // given
    const lease = await first.tryAcquire(uniqueLeaseKey());
    expect(lease?.lost.aborted).to.equal(false);

    // when
    await lease?.release();
    await lease?.release();

    // then
    expect(lease?.lost.aborted).to.equal(true);
  });

  it('releases every held lease on close', async () => {
    // given
    const key = uniqueLeaseKey();
    const lease = await first.tryAcquire(key);

    // when
    await first.close();

    // then
    expect(lease?.lost.aborted).to.equal(true);
    if (second !== first) expect(await second.tryAcquire(key)).to.not.equal(undefined);
  });
}

/** Resolves when the signal aborts; rejects if it has not after `ms`. */
export function abortedWithin(signal: AbortSignal, ms: number): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not aborted within ${ms} ms`)), ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
