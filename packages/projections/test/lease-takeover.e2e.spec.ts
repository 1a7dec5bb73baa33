import { setTimeout as sleep } from 'node:timers/promises';
import { migrateEventStore, PostgresEventStore } from '@dui-pds/eventstore';
import {
  dropSchemasStartingWith,
  TEST_DATABASE_URL,
  testEvent,
  testPostgres,
  uniqueOrganisationId,
  uniqueSchema,
} from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { ProjectionRuntime } from '../src/runtime/projection-runtime.js';
import { countingProjection } from '../src/testing/counting-projection.js';
import { RedisAppendNotifier } from '../src/wake-up/index.js';
import { countedEvents, overlappingWork, type WorkerBatch, WorkerProcess, waitFor } from './worker-processes.js';

const TAKEOVER_LIMIT_MS = 10_000;

for (const leases of ['postgres', 'redis'] as const) {
  const held = leases === 'postgres' ? 'PostgreSQL advisory locks' : 'Redis keys';
  describe(`two workers on one projection, leases held by ${held}`, function () {
    this.timeout(120_000);
    let knex: Knex;
    let schema: string;
    let notifier: RedisAppendNotifier;
    let workers: WorkerProcess[] = [];

    beforeEach(async () => {
      knex = testPostgres();
      schema = uniqueSchema('leases');
      await migrateEventStore(knex, { schema });
      // the workers' channel: they hear the test's appends at once
      notifier = await RedisAppendNotifier.connect('redis://127.0.0.1:6379', { channel: `dui:appended:${schema}` });
    });
    afterEach(async () => {
      await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
      workers = [];
      await notifier.close();
      await dropSchemasStartingWith(knex, schema);
      await knex.destroy();
    });

    it('never lets both work at once, and the survivor takes over within 10 s of the holder being killed', async () => {
      // given two workers started on the same projection while events keep coming
      const store = new PostgresEventStore(knex, { schema, notifier });
      const organisationId = uniqueOrganisationId();
      let appended = 0;
      const append = async (count: number) => {
        const events = Array.from({ length: count }, () => testEvent(organisationId, { type: 'Counted', data: {} }));
        await store.appendToStream(`compte-${appended % 13}`, events);
        appended += count;
      };
      await append(2_000);
      const env = { DATABASE_URL: TEST_DATABASE_URL, STORE_SCHEMA: schema, LEASES: leases };
      const first = new WorkerProcess('first', env);
      workers.push(first);
      await first.ready();
      await waitFor(
        () => first.applied().length > 0,
        20_000,
        () => `the first worker applied nothing: ${first.stderr}`,
      );
      const second = new WorkerProcess('second', env);
      workers.push(second);
      await second.ready();
      for (let round = 0; round < 10; round += 1) {
        await append(50);
        await sleep(100);
      }

      // when the holder is killed, and events keep coming
      const [holder, survivor] = [first, second];
      const killedAt = performance.timeOrigin + performance.now();
      await holder.kill('SIGKILL');
      const takenOver = (async () => {
        while (survivor.applied().length === 0) {
          await append(10);
          await sleep(100);
        }
      })();
      await Promise.race([takenOver, sleep(TAKEOVER_LIMIT_MS + 5_000)]);

      // then the survivor took over within 10 s
      const firstBySurvivor = survivor.applied()[0];
      expect(firstBySurvivor, `the survivor never took over: ${survivor.stderr}`).to.not.equal(undefined);
      expect(firstBySurvivor!.startedAt - killedAt).to.be.lessThan(TAKEOVER_LIMIT_MS);
      // and the two never worked at the same time
      const work: WorkerBatch[] = [...first.batches, ...second.batches];
      expect(survivor.batches.filter((batch) => batch.startedAt < killedAt)).to.deep.equal([]);
      expect(overlappingWork(work)).to.deep.equal([]);
      // and every event was applied once
      const runtime = new ProjectionRuntime({ knex, store, schema, projections: [countingProjection] });
      expect(await countedEvents(knex, runtime.readSchema('counting'), appended, 30_000)).to.equal(appended);
      expect((await runtime.status())[0]!.behindEvents).to.equal(0);
      await runtime.close();
    });
  });
}

describe('overlapping work, as the lease test detects it', () => {
  const batch = (worker: string, startedAt: number, finishedAt: number) =>
    ({ worker, startedAt, finishedAt }) as WorkerBatch;

  it('finds two workers busy at the same time, and only them', () => {
    expect(overlappingWork([batch('a', 0, 10), batch('b', 5, 12)])).to.have.length(1);
    expect(overlappingWork([batch('a', 0, 10), batch('b', 10, 12), batch('a', 12, 20)])).to.deep.equal([]);
    expect(overlappingWork([batch('a', 0, 10), batch('a', 5, 12)])).to.deep.equal([]);
    expect(overlappingWork([batch('a', 0, 100), batch('a', 5, 12), batch('b', 50, 60)])).to.have.length(1);
  });
});
