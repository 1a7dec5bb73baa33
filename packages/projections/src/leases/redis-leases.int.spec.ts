import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { LeaseManager } from './lease.js';
import { abortedWithin, describeLeaseManagerBehaviour, uniqueLeaseKey } from './lease-manager-behaviour.js';
import { RedisLeaseExpired, RedisLeaseManager } from './redis-leases.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = 'dui:test-lease:';

describe('RedisLeaseManager', () => {
  let redis: Redis;

  before(() => {
    redis = new Redis(REDIS_URL);
  });

  after(async () => {
    await redis.quit();
  });

  describeLeaseManagerBehaviour({
    open: () => [new RedisLeaseManager(redis, { prefix: PREFIX }), new RedisLeaseManager(redis, { prefix: PREFIX })],
  });

  describe('with a short ttl', () => {
    const ttlMs = 300;
    let manager: LeaseManager;

    beforeEach(() => {
      manager = new RedisLeaseManager(redis, { ttlMs, prefix: PREFIX });
    });

    afterEach(async () => {
      await manager.close();
    });

    it('keeps a lease alive past its ttl by renewing it', async () => {
      // given a ttl long enough that a pause of the loaded test machine does not outlast it
      // (at 300 ms, a 200 ms pause between two renewals lost the lease)
      const renewedTtlMs = 1_000;
      const renewing = new RedisLeaseManager(redis, { ttlMs: renewedTtlMs, prefix: PREFIX });
      const key = uniqueLeaseKey();
      try {
        const lease = await renewing.tryAcquire(key);

        // when
        await sleep(renewedTtlMs * 3);

        // then
        expect(lease?.lost.aborted).to.equal(false);
        expect(await manager.tryAcquire(key)).to.equal(undefined);
      } finally {
        // its renewals stop even when an expectation failed
        await renewing.close();
      }
    });

    it('aborts lost when another token has taken the key', async () => {
      // given
      const key = uniqueLeaseKey();
      const lease = await manager.tryAcquire(key);

      // when
      await redis.set(PREFIX + key, randomUUID(), 'PX', 10_000);

      // then
      await abortedWithin(lease!.lost, ttlMs * 2);
      expect(lease!.lost.reason).to.be.instanceOf(RedisLeaseExpired);
    });

    it('aborts lost when the key has vanished', async () => {
      // given
      const key = uniqueLeaseKey();
      const lease = await manager.tryAcquire(key);

      // when
      await redis.del(PREFIX + key);

      // then
      await abortedWithin(lease!.lost, ttlMs * 2);
    });

    it('does not delete a key another token took over when releasing a lost lease', async () => {
      // given
      const key = uniqueLeaseKey();
      const lease = await manager.tryAcquire(key);
      const other = randomUUID();
      await redis.set(PREFIX + key, other, 'PX', 10_000);
      await abortedWithin(lease!.lost, ttlMs * 2);

      // when
      await lease!.release();

      // then
      expect(await redis.get(PREFIX + key)).to.equal(other);
      await redis.del(PREFIX + key);
    });

    it('grants a key whose holder vanished once its ttl has passed', async () => {
      // given a dead holder, whose key nobody renews
      const key = uniqueLeaseKey();
      await redis.set(PREFIX + key, randomUUID(), 'PX', ttlMs);
      expect(await manager.tryAcquire(key)).to.equal(undefined);

      // when
      await sleep(ttlMs + 100);

      // then
      expect(await manager.tryAcquire(key)).to.not.equal(undefined);
    });

    it('aborts lost when its connection is gone, and the key expires for the others', async () => {
      // given a holder on its own connection, never released
      const own = new Redis(REDIS_URL);
      own.on('error', () => {});
      const holder = new RedisLeaseManager(own, { ttlMs, prefix: PREFIX });
      const key = uniqueLeaseKey();
      const lease = await holder.tryAcquire(key);

      // when
      own.disconnect();

      // then
      await abortedWithin(lease!.lost, ttlMs * 2);
      await sleep(ttlMs);
      expect(await manager.tryAcquire(key)).to.not.equal(undefined);
    });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
