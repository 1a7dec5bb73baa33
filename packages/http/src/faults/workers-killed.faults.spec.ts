import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_DATABASE_URL, testEvents } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { ServerProcess } from '../app/testing/server-process.js';
import { CliDatabase } from '../cli/testing/cli-under-test.js';
import { activityJournalOnceCaughtUp } from './caught-up.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A seeded random: the kills fall at other points on every run, and a failing run says which seed to replay. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('fault: projection workers killed and restarted while events are appended', function () {
  this.timeout(300_000);
  let database: CliDatabase;

  beforeEach(() => {
    database = new CliDatabase();
  });
  afterEach(() => database.drop());

  it('leaves the async read models equal to a rebuild from scratch, every event applied once', async () => {
    // given a migrated store and two `dui projections run` workers sharing it through Redis leases
    const seed = Date.now();
    const random = randomFrom(seed);
    expect((await database.run(['migrate'])).code).to.equal(0);
    const env = { ...database.env, REDIS_URL, DUI_MASTER_KEY: '' };
    const startWorker = () => ServerProcess.dui(['projections', 'run', '--poll-interval', '200'], env);
    const workers = [startWorker(), startWorker()];
    const opened = await database.open();
    try {
      // when events are appended by several organisations while workers are killed (SIGKILL) and started again
      let appending = true;
      let appended = 0;
      const appender = (async () => {
        for (let batch = 0; appending; batch += 1) {
          const stream = batch % 40;
          const count = 1 + Math.floor(random() * 8);
          await opened.store.appendToStream(`dossier-${stream}`, testEvents(`og-${stream % 3}`, count));
          appended += count;
          await sleep(Math.floor(random() * 20));
        }
      })();
      let kills = 0;
      for (let round = 0; round < 8; round += 1) {
        await sleep(500 + Math.floor(random() * 2_000));
        const victim = Math.floor(random() * workers.length);
        await workers[victim]!.kill();
        kills += 1;
        workers[victim] = startWorker();
      }
      await sleep(2_000);
      appending = false;
      await appender;

      // then once the workers have caught up, every event was applied exactly once
      const journal = await activityJournalOnceCaughtUp(TEST_DATABASE_URL, database.schema, 90_000);
      expect(kills).to.equal(8);
      expect(journal.eventsInLog, `seed ${seed}`).to.equal(appended);
      expect(journal.eventsDone, `seed ${seed}: events applied by the checkpoints`).to.equal(journal.eventsInLog);
      expect(journal.counted, `seed ${seed}: events counted in the read model`).to.equal(journal.eventsInLog);
      // and the read model is, row for row, what a build from scratch gives
      expect(journal.rows.length).to.be.greaterThan(0);
      expect(journal.rows, `seed ${seed}`).to.deep.equal(journal.rebuiltRows);
    } finally {
      await Promise.all(workers.map((worker) => worker.kill()));
      await opened.close();
    }
  });
});
