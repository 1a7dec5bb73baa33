import { connectPostgres } from '@dui-pds/eventstore';
import { dropSchemasStartingWith, TEST_DATABASE_URL } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { ServerProcess } from '../app/testing/server-process.js';
import {
  acknowledged,
  clients,
  firstAcknowledgement,
  NoteWriter,
  notesNotRecordedOnce,
  nurseSession,
  seedNurse,
} from './note-load.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('fault: the server killed (SIGKILL) under load', function () {
  this.timeout(240_000);

  it('loses no acknowledged command and records none twice, clients retrying unanswered ones with the same key', async () => {
    // given a server process on PostgreSQL and Redis, and a nurse's session
    const data = await seedNurse();
    const knex = connectPostgres(TEST_DATABASE_URL, { poolSize: 2 });
    const token = await nurseSession(knex, data.schema, REDIS_URL);
    const env = {
      DATABASE_URL: TEST_DATABASE_URL,
      DUI_SCHEMA: data.schema,
      DUI_MASTER_KEY: data.masterKey,
      REDIS_URL,
      PORT: '0',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DUI_RETENTION_JOB_HOURS: '0',
      // a key held by a request that died with the server is free again soon
      DUI_IDEMPOTENCY_LOCK_SECONDS: '5',
    };
    let server = ServerProcess.server(env);
    let url = await server.url();
    const writer = new NoteWriter(() => url, token);
    try {
      // when 16 clients write notes and the server is killed in the middle
      const stop = new AbortController();
      let answered = 0;
      await clients(16, stop.signal, async () => {
        const outcome = await writer.send(writer.newCommand());
        if (outcome === 'no answer') {
          stop.abort();
          return;
        }
        answered += 1;
        if (answered === 150) server.signal('SIGKILL');
      });
      await server.exited;
      const acknowledgedBeforeKill = writer.commands.filter((command) => acknowledged(command.outcomes[0]));
      const unanswered = writer.commands.filter((command) => !acknowledged(command.outcomes[0]));

      // and it is started again on the same schema, and the clients send every command again:
      // the unanswered ones until acknowledged, the acknowledged ones once
      server = ServerProcess.server(env);
      url = await server.url();
      const deadline = Date.now() + 90_000;
      await Promise.all(unanswered.map((command) => writer.sendUntilAcknowledged(command, deadline)));
      for (const command of acknowledgedBeforeKill) await writer.send(command);

      // then the kill cut commands off, and yet every command is acknowledged, recorded once and readable
      expect(acknowledgedBeforeKill.length).to.be.at.least(100);
      expect(unanswered.length, 'commands cut off by the kill').to.be.greaterThan(0);
      expect(
        writer.commands.filter((command) => !acknowledged(command.outcomes.at(-1))).map((c) => c.outcomes),
      ).to.deep.equal([]);
      expect(
        await notesNotRecordedOnce(knex, data.schema, writer.commands),
        'notes not recorded exactly once',
      ).to.deep.equal([]);
      const reads = await Promise.all(writer.commands.map((command) => writer.read(command.noteId)));
      expect(reads.filter((status) => status !== 200)).to.deep.equal([]);
      // and a key sent again gives the first answer it got, byte for byte
      for (const command of writer.commands) {
        const first = firstAcknowledgement(command)!;
        const later = command.outcomes.slice(command.outcomes.indexOf(first) + 1).filter(acknowledged);
        for (const again of later)
          expect({ status: again.status, body: again.body }).to.deep.equal({ status: first.status, body: first.body });
      }
      expect(acknowledgedBeforeKill.every((command) => command.outcomes.length === 2)).to.equal(true);
    } finally {
      await server.kill();
      await dropSchemasStartingWith(knex, data.schema);
      await knex.destroy();
    }
  });
});
