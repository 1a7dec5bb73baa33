import { openPglite } from '@dui-pds/eventstore';
import { expect } from 'chai';
import express from 'express';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { startDraining } from './draining.js';
import { databaseCheck, healthRoutes, redisCheck } from './health.js';
import { startHttpServer } from './http-server.js';
import { createLogger } from './logging.js';
import { PROBLEM_BASE_URI } from './problem-details.js';
import { type ShellUnderTest, startShell } from './testing/shell-under-test.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('health and readiness (e2e)', () => {
  const shells: ShellUnderTest[] = [];
  let knex: Knex;
  let redis: Redis;

  before(async () => {
    knex = openPglite();
    redis = new Redis(REDIS_URL);
    // PGlite starts on its first query, which takes longer than a readiness check may
    await knex.raw('select 1');
  });

  after(async () => {
    await Promise.all(shells.map((shell) => shell.close()));
    await knex.destroy();
    await redis.quit();
  });

  async function shellWith(options: Parameters<typeof startShell>[0]) {
    const shell = await startShell(options);
    shells.push(shell);
    return shell;
  }

  it('answers /health while the process runs, unlogged', async () => {
    // given
    const shell = await shellWith({});

    // when
    const response = await shell.fetch('/health');

    // then
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ status: 'ok' });
    expect(shell.logLines).to.have.length(0);
  });

  it('answers /ready when the database and Redis answer', async () => {
    // given
    const shell = await shellWith({ readinessChecks: [databaseCheck(knex), redisCheck(redis)] });

    // when
    const response = await shell.fetch('/ready');

    // then
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });

  it('answers /ready with a 503 problem naming the failed check, slow ones included', async () => {
    // given
    const shell = await shellWith({
      readinessChecks: [
        databaseCheck(knex),
        { name: 'redis', check: () => Promise.reject(new Error('ECONNREFUSED 10.0.0.1')) },
        { name: 'annuaire', check: () => new Promise((resolve) => setTimeout(resolve, 5_000)) },
      ],
      readinessTimeoutMs: 200,
    });

    // when
    const response = await shell.fetch('/ready');

    // then
    expect(response.status).to.equal(503);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).to.deep.include({
      type: `${PROBLEM_BASE_URI}service-unavailable`,
      checks: { database: 'ok', redis: 'failed', annuaire: 'failed' },
    });
    expect(JSON.stringify(problem)).not.to.include('ECONNREFUSED');
  });

  it('stays ready when only a check the server can do without fails (Redis), and shows it', async () => {
    // given Redis out of reach, the server working on its fallbacks
    const unreachable = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    unreachable.on('error', () => {});
    const shell = await shellWith({ readinessChecks: [databaseCheck(knex), redisCheck(unreachable)] });

    // when
    const response = await shell.fetch('/ready');

    // then
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ status: 'ready', checks: { database: 'ok', redis: 'failed' } });
    unreachable.disconnect();
  });

  it('answers /ready with 503 once the app drains for a shutdown', async () => {
    // given
    const app = express();
    app.use(healthRoutes({ checks: [], logger: createLogger({ level: 'silent' }) }));
    const server = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
    const before = await fetch(new URL('/ready', server.url));

    // when
    startDraining(app);
    const during = await fetch(new URL('/ready', server.url));

    // then
    expect(before.status).to.equal(200);
    expect(during.status).to.equal(503);
    expect(((await during.json()) as { detail: string }).detail).to.match(/s’arrête/);
    await server.close();
  });
});
