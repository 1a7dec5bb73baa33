import { setTimeout as sleep } from 'node:timers/promises';
import { connectPostgres } from '@dui-pds/eventstore';
import { dropSchemasStartingWith, TEST_DATABASE_URL } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { redisNames } from '../app/redis-names.js';
import { PrivateRedis } from '../app/testing/private-redis.js';
import { ServerProcess } from '../app/testing/server-process.js';
import { sessionIdOf } from '../auth/index.js';
import { scopedKey } from '../server/index.js';
import {
  acknowledged,
  clients,
  NoteWriter,
  NURSE,
  notesNotRecordedOnce,
  nurseSession,
  seedNurse,
} from './note-load.js';

type Phase = 'before' | 'outage' | 'after';

describe('fault: Redis stopped under load', function () {
  this.timeout(240_000);
  let redis: PrivateRedis;

  before(async () => {
    redis = await PrivateRedis.create();
  });

  after(async () => {
    await redis?.stop();
  });

  it('keeps taking commands and serving the logged-in nurse while Redis is away, and uses Redis again once it is back', async () => {
    // given a server process on PostgreSQL and a Redis of this test's own, and a nurse's session
    const data = await seedNurse();
    const knex = connectPostgres(TEST_DATABASE_URL, { poolSize: 2 });
    const token = await nurseSession(knex, data.schema, redis.url);
    const server = ServerProcess.server({
      DATABASE_URL: TEST_DATABASE_URL,
      DUI_SCHEMA: data.schema,
      DUI_MASTER_KEY: data.masterKey,
      REDIS_URL: redis.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DUI_RETENTION_JOB_HOURS: '0',
    });
    const inspector = new Redis(redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    inspector.on('error', () => {});
    try {
      const url = await server.url();
      const writer = new NoteWriter(() => url, token);

      // when 8 clients write a note and read it back, again and again, while Redis is killed,
      // stays down for a few seconds, and starts again empty
      let phase: Phase = 'before';
      const answers: { phase: Phase; what: 'command' | 'read'; status: number | 'no answer' }[] = [];
      const stop = new AbortController();
      const load = clients(8, stop.signal, async () => {
        const command = writer.newCommand();
        const sentIn = phase;
        const outcome = await writer.send(command);
        answers.push({ phase: sentIn, what: 'command', status: outcome === 'no answer' ? outcome : outcome.status });
        if (!acknowledged(outcome)) return;
        const readIn = phase;
        answers.push({ phase: readIn, what: 'read', status: await writer.read(command.noteId) });
      });
      await sleep(2_000);
      await redis.stop();
      phase = 'outage';
      const readinessDuringOutage: { status: number; checks: unknown }[] = [];
      for (let probe = 0; probe < 6; probe += 1) {
        const ready = await fetch(`${url}/ready`);
        readinessDuringOutage.push({
          status: ready.status,
          checks: ((await ready.json()) as { checks?: unknown }).checks,
        });
        await sleep(1_000);
      }
      await redis.start();
      phase = 'after';
      await inspector.connect();

      // then, once Redis is back, the server keeps a new command's key and the nurse's session there again
      const probe = writer.newCommand();
      const probeKey = `${redisNames(data.schema).idempotencyKeys}${scopedKey(`professional:${NURSE}`, probe.idempotencyKey)}`;
      const deadline = Date.now() + 30_000;
      let keptInRedis = false;
      while (!keptInRedis && Date.now() < deadline) {
        await writer.send(probe);
        keptInRedis = (await inspector.exists(probeKey)) === 1;
        if (!keptInRedis) await sleep(500);
      }
      await writer.read(probe.noteId);
      const sessionCachedAgain =
        (await inspector.exists(`${redisNames(data.schema).sessions}${sessionIdOf(token)}`)) === 1;
      await sleep(1_000);
      stop.abort();
      await load;

      expect(keptInRedis, 'a new idempotency key kept in Redis again').to.equal(true);
      expect(sessionCachedAgain, 'the session cached in Redis again').to.equal(true);
      // and while Redis was away every command and every read of the logged-in nurse succeeded
      const duringOutage = answers.filter((answer) => answer.phase === 'outage');
      expect(duringOutage.filter((answer) => answer.what === 'command').length).to.be.at.least(10);
      expect(duringOutage.filter((answer) => answer.what === 'read').length).to.be.at.least(10);
      expect(answers.filter((answer) => answer.status !== 201 && answer.status !== 200)).to.deep.equal([]);
      expect(readinessDuringOutage.map(({ status }) => status)).to.deep.equal([200, 200, 200, 200, 200, 200]);
      expect(readinessDuringOutage.map(({ checks }) => checks)).to.deep.include({ database: 'ok', redis: 'failed' });
      // and no note was lost or recorded twice
      expect(writer.commands.filter((command) => !acknowledged(command.outcomes.at(-1)))).to.deep.equal([]);
      expect(
        await notesNotRecordedOnce(knex, data.schema, writer.commands),
        'notes not recorded exactly once',
      ).to.deep.equal([]);
    } finally {
      inspector.disconnect();
      await server.kill();
      await dropSchemasStartingWith(knex, data.schema);
      await knex.destroy();
    }
  });
});
