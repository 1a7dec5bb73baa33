import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RedisSessionStore } from './redis-session-store.js';
import { describeSessionStoreBehaviour, sessionRecord } from './testing/session-store-behaviour.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RedisSessionStore', () => {
  const keyPrefix = `dui:test-session:${randomUUID()}:`;
  let redis: Redis;

  before(() => {
    redis = new Redis(REDIS_URL);
  });

  after(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  describeSessionStoreBehaviour(() => new RedisSessionStore(redis, { keyPrefix }));

  it('lets Redis expire the key at the session expiry, never later', async () => {
    // given
    const store = new RedisSessionStore(redis, { keyPrefix });
    const expiresAt = Date.now() + 12 * 60 * 60 * 1000;

    // when
    await store.put('session', sessionRecord({ expiresAt: new Date(expiresAt).toISOString() }));

    // then
    const redisExpiry = await redis.pexpiretime(`${keyPrefix}session`);
    expect(redisExpiry).to.equal(expiresAt);
  });

  it('stores the record under its prefix only', async () => {
    // given
    const store = new RedisSessionStore(redis, { keyPrefix });

    // when
    await store.put('prefixed', sessionRecord());

    // then
    expect(await redis.exists(`${keyPrefix}prefixed`)).to.equal(1);
    expect(await redis.exists('prefixed')).to.equal(0);
  });
});
