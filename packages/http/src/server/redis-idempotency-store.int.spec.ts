import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';
import { describeIdempotencyStoreBehaviour } from './testing/idempotency-store-behaviour.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `dui:test-idempotency:${randomUUID()}:`;

describe('RedisIdempotencyStore', () => {
  let redis: Redis;

  before(() => {
    redis = new Redis(REDIS_URL);
  });

  after(async () => {
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  describeIdempotencyStoreBehaviour(() => new RedisIdempotencyStore(redis, { prefix: PREFIX }));

  it('keeps a completed answer for the time asked, in one expiring key', async () => {
    // given
    const store = new RedisIdempotencyStore(redis, { prefix: PREFIX });
    const key = randomUUID();
    const claim = await store.claim(key, 'fingerprint', 60_000);
    if (claim.state !== 'claimed') throw new Error('not claimed');

    // when
    await store.complete(key, claim.token, { status: 200, headers: {}, body: '' }, 24 * 3600_000);

    // then
    const ttl = await redis.pttl(PREFIX + key);
    expect(ttl)
      .to.be.greaterThan(23 * 3600_000)
      .and.at.most(24 * 3600_000);
  });
});
