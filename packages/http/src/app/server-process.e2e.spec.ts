import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_DATABASE_URL } from '@dui-pds/eventstore/testing';
import { recordNoteStreamId } from '@dui-pds/projections';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { openSession, RedisSessionStore } from '../auth/index.js';
import { redisNames } from './redis-names.js';
import { ServerProcess } from './testing/server-process.js';
import { ServerUnderTest } from './testing/server-under-test.js';

describe('the server process', function () {
  this.timeout(180_000);

  it('starts with `pnpm start` from a fresh checkout and an empty HOME, answers /health and /openapi.json, and stops on SIGTERM', async () => {
    // given an empty HOME and no data yet
    const home = await mkdtemp(join(tmpdir(), 'dui-home-'));
    const data = await mkdtemp(join(tmpdir(), 'dui-data-'));
    const server = new ServerProcess('pnpm', ['start'], {
      HOME: home,
      DUI_DATA_DIR: data,
      PORT: '0',
      DATABASE_URL: '',
      REDIS_URL: '',
      DUI_MASTER_KEY: '',
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
    });
    try {
      // when it has started
      const url = await server.url();
      const health = await fetch(`${url}/health`);
      const openApi = await fetch(`${url}/openapi.json`);
      const login = await fetch(`${url}/auth/dev/login`);

      // then it answers, says how to log in, and stops cleanly
      expect(health.status).to.equal(200);
      expect(((await openApi.json()) as { openapi: string }).openapi).to.equal('3.1.0');
      expect(login.status).to.equal(200);
      expect(server.output).to.include('Connexion de développement');
      expect(server.output).to.include('Organisme de démonstration (fictif)');
      server.signal('SIGTERM');
      // pnpm reports its child's signal in its own way: what matters is that everything stops
      expect(await Promise.race([server.exited.then(() => 'stopped'), sleep(15_000, 'still running')])).to.equal(
        'stopped',
      );
    } finally {
      server.signal('SIGKILL');
      await rm(home, { recursive: true, force: true });
      await rm(data, { recursive: true, force: true });
    }
  });

  it('refuses to start in production mode with the development login enabled, saying why in French', async () => {
    // when
    const server = ServerProcess.server({
      NODE_ENV: 'production',
      DUI_DEV_LOGIN: 'true',
      DATABASE_URL: TEST_DATABASE_URL,
      DUI_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      PORT: '0',
    });

    // then
    expect(await server.exited).to.equal(2);
    expect(server.output).to.match(/DUI_DEV_LOGIN/);
    expect(server.output).not.to.match(/écoute sur/);
  });

  it('loses no acknowledged command and half-writes none when stopped by SIGTERM under load', async () => {
    // given a server process on PostgreSQL and Redis, with a nurse allowed to write notes
    const seeded = await ServerUnderTest.start();
    await seeded.asSystem(
      'og-a',
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: '750000001', role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: 'pro-nurse', serviceUserId: 'usager-1', facilityId: '750000001' },
    );
    const data = { schema: seeded.schema, masterKey: seeded.masterKey };
    await seeded.close({ keepData: true });
    const redis = new Redis('redis://127.0.0.1:6379');
    const { token } = await openSession(new RedisSessionStore(redis, { keyPrefix: redisNames(data.schema).sessions }), {
      professionalId: 'pro-nurse',
      displayName: 'Infirmier',
      provider: 'test',
    });
    redis.disconnect();
    const server = ServerProcess.server({
      DATABASE_URL: TEST_DATABASE_URL,
      DUI_SCHEMA: data.schema,
      DUI_MASTER_KEY: data.masterKey,
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: '0',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    const url = await server.url();

    // when notes are written by 16 concurrent clients, and the server gets SIGTERM in the middle
    const outcomes = new Map<string, number | 'no answer'>();
    let answered = 0;
    let stopped = false;
    const client = async () => {
      while (!stopped) {
        const noteId = randomUUID();
        try {
          const response = await fetch(`${url}/organisations/og-a/usagers/usager-1/notes`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              'idempotency-key': randomUUID(),
            },
            body: JSON.stringify({ noteId, facilityId: '750000001', sensitivity: 'medical', text: `note ${noteId}` }),
          });
          outcomes.set(noteId, response.status);
          await response.arrayBuffer();
        } catch {
          outcomes.set(noteId, 'no answer');
          stopped = true;
        }
        answered += 1;
        if (answered === 150) server.signal('SIGTERM');
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    const exitCode = await server.exited;

    // then it stopped cleanly, and after a restart every acknowledged note is there, whole
    expect(exitCode, server.output).to.equal(0);
    const acknowledged = [...outcomes].filter(([, status]) => status === 201).map(([noteId]) => noteId);
    expect(acknowledged.length).to.be.greaterThan(100);
    expect([...outcomes.values()].filter((status) => typeof status === 'number' && status >= 500)).to.deep.equal([]);
    const restarted = await ServerUnderTest.start({}, data);
    try {
      const nurse = await restarted.loginAs('pro-nurse');
      for (const noteId of acknowledged) {
        const read = await restarted.request('GET', `/organisations/og-a/notes/${noteId}`, { as: nurse });
        expect(read.status, noteId).to.equal(200);
      }
      for (const noteId of outcomes.keys()) {
        const events = await restarted.server.store.readStream(recordNoteStreamId('og-a', noteId));
        const row = await restarted.server.knex
          .withSchema(restarted.server.runtime.readSchema('record_notes'))
          .from('notes')
          .where({ note_id: noteId })
          .first();
        // all or nothing: the event and its read model row commit together
        expect(events.length, noteId).to.be.at.most(1);
        expect(row !== undefined, noteId).to.equal(events.length === 1);
      }
    } finally {
      await restarted.close();
    }
  });
});
