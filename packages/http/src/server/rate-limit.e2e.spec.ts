import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { PROBLEM_BASE_URI } from './problem-details.js';
import { redisRateLimitStore } from './rate-limit.js';
import { type ShellOptions, type ShellUnderTest, startShell } from './testing/shell-under-test.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('rate limits (e2e)', () => {
  const shells: ShellUnderTest[] = [];
  let redis: Redis;
  const prefix = `dui:test-rate-limit:${randomUUID()}:`;

  before(() => {
    redis = new Redis(REDIS_URL);
  });

  after(async () => {
    await Promise.all(shells.map((shell) => shell.close()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** A shell whose callers name themselves with a test header, standing in for authentication. */
  async function shellWith(options: ShellOptions) {
    const shell = await startShell({
      ...options,
      beforeRoutes: (app) =>
        app.use((request, response, next) => {
          const professionalId = request.get('x-test-professional');
          if (professionalId !== undefined) response.locals.principal = { professionalId };
          next();
        }),
    });
    shells.push(shell);
    return shell;
  }

  const get = (shell: ShellUnderTest, professionalId?: string) =>
    shell.fetch('/attente?ms=0', {
      headers: professionalId === undefined ? {} : { 'x-test-professional': professionalId },
    });

  it('answers past the limit with a 429 problem and Retry-After, per professional', async () => {
    // given
    const shell = await shellWith({ config: { rateLimitPerMinute: 3 } });
    for (let index = 0; index < 3; index += 1) expect((await get(shell, 'rpps-a')).status).to.equal(200);

    // when
    const limited = await get(shell, 'rpps-a');
    const colleague = await get(shell, 'rpps-b');

    // then
    expect(limited.status).to.equal(429);
    expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 60);
    expect(limited.headers.get('content-type')).to.match(/^application\/problem\+json/);
    const problem = (await limited.json()) as { type: string; detail: string };
    expect(problem.type).to.equal(`${PROBLEM_BASE_URI}rate-limited`);
    expect(problem.detail).to.match(/réessayez dans \d+ secondes?/);
    expect(colleague.status).to.equal(200);
  });

  it('counts anonymous callers by address, and leaves the probes alone', async () => {
    // given
    const shell = await shellWith({ config: { rateLimitPerMinute: 2 } });
    await get(shell);
    await get(shell);

    // when
    const limited = await get(shell);
    const health = await shell.fetch('/health');

    // then
    expect(limited.status).to.equal(429);
    expect(health.status).to.equal(200);
  });

  it('shares the counters between instances through Redis', async () => {
    // given: two instances on one Redis
    const first = await shellWith({
      config: { rateLimitPerMinute: 2 },
      rateLimitStore: redisRateLimitStore(redis, prefix),
    });
    const second = await shellWith({
      config: { rateLimitPerMinute: 2 },
      rateLimitStore: redisRateLimitStore(redis, prefix),
    });
    const professionalId = `rpps-${randomUUID()}`;
    await get(first, professionalId);
    await get(second, professionalId);

    // when
    const limited = await get(first, professionalId);

    // then
    expect(limited.status).to.equal(429);
    expect(await redis.keys(`${prefix}*`)).to.have.length.greaterThan(0);
  });
});
