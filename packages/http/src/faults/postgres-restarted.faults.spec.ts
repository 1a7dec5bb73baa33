import { setTimeout as sleep } from 'node:timers/promises';
import { connectPostgres } from '@dui-pds/eventstore';
import { expect } from 'chai';
import { ServerProcess } from '../app/testing/server-process.js';
import { activityJournalOnceCaughtUp } from './caught-up.js';
import {
  acknowledged,
  clients,
  NoteWriter,
  notesNotRecordedOnce,
  nurseSession,
  type Outcome,
  seedNurse,
} from './note-load.js';
import { PrivatePostgres } from './private-postgres.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('fault: PostgreSQL restarted under load', function () {
  this.timeout(300_000);
  let postgres: PrivatePostgres;

  before(async () => {
    postgres = await PrivatePostgres.create();
  });

  after(async () => {
    await postgres?.destroy();
  });

  it('answers 503 with Retry-After while it is down, recovers without a restart, and loses or doubles nothing', async () => {
    // given a server process on a PostgreSQL cluster of this test's own, and a nurse's session
    const data = await seedNurse(postgres.url);
    const knex = connectPostgres(postgres.url, { poolSize: 2 });
    const token = await nurseSession(knex, data.schema, REDIS_URL);
    await knex.destroy();
    const server = ServerProcess.server({
      DATABASE_URL: postgres.url,
      DUI_SCHEMA: data.schema,
      DUI_MASTER_KEY: data.masterKey,
      REDIS_URL,
      PORT: '0',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DUI_RETENTION_JOB_HOURS: '0',
    });
    try {
      const url = await server.url();
      const writer = new NoteWriter(() => url, token);

      // when 8 clients write notes, each sending a command again (same key, same body) until
      // acknowledged, while PostgreSQL stops for a few seconds and starts again
      const stop = new AbortController();
      const load = clients(8, stop.signal, async () => {
        await writer.sendUntilAcknowledged(writer.newCommand(), Date.now() + 120_000);
      });
      await sleep(3_000);
      await postgres.stop('fast');
      const readinessDuringOutage: number[] = [];
      for (let probe = 0; probe < 8; probe += 1) {
        readinessDuringOutage.push((await fetch(`${url}/ready`)).status);
        await sleep(500);
      }
      await postgres.start();
      await sleep(4_000);
      stop.abort();
      await load;

      // then the outage was answered as such: 503, Retry-After, a French problem; never a 500
      const outcomes = writer.commands.flatMap((command) => command.outcomes);
      const unavailable = outcomes.filter(
        (outcome): outcome is Exclude<Outcome, 'no answer'> => outcome !== 'no answer' && outcome.status === 503,
      );
      expect(
        outcomes.filter((outcome) => outcome === 'no answer'),
        'requests left unanswered',
      ).to.deep.equal([]);
      expect(
        outcomes.filter((outcome) => outcome !== 'no answer' && outcome.status !== 201 && outcome.status !== 503),
      ).to.deep.equal([]);
      expect(unavailable.length, 'commands answered 503').to.be.greaterThan(0);
      for (const outcome of unavailable) {
        expect(outcome.retryAfter).to.equal('5');
        expect(JSON.parse(outcome.body)).to.deep.include({
          type: 'https://dui-pds.org/problems/service-unavailable',
          title: 'Service indisponible',
          status: 503,
        });
        expect(JSON.parse(outcome.body).detail).to.match(/^La base de données est momentanément injoignable/);
      }
      expect(readinessDuringOutage).to.include(503);
      // and the same process serves again, every command acknowledged once and recorded once
      expect(() => process.kill(server.pid, 0), 'the server process still runs').not.to.throw();
      expect((await fetch(`${url}/ready`)).status).to.equal(200);
      expect(writer.commands.filter((command) => !acknowledged(command.outcomes.at(-1)))).to.deep.equal([]);
      const recheck = connectPostgres(postgres.url, { poolSize: 2 });
      try {
        expect(
          await notesNotRecordedOnce(recheck, data.schema, writer.commands),
          'notes not recorded exactly once',
        ).to.deep.equal([]);
      } finally {
        await recheck.destroy();
      }
      const reads = await Promise.all(writer.commands.map((command) => writer.read(command.noteId)));
      expect(reads.filter((status) => status !== 200)).to.deep.equal([]);
      // and the in-process projection worker came through the outage and caught up, each event counted once
      const journal = await activityJournalOnceCaughtUp(postgres.url, data.schema);
      expect(journal.eventsDone).to.equal(journal.eventsInLog);
      expect(journal.counted).to.equal(journal.eventsInLog);
      expect(journal.rows).to.deep.equal(journal.rebuiltRows);
    } finally {
      await server.kill();
    }
  });
});
