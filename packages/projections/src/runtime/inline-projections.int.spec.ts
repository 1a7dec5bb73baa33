import { migrateEventStore, openPglite, PostgresEventStore, WrongExpectedRevisionError } from '@dui-pds/eventstore';
import {
  dropSchemasStartingWith,
  testEvent,
  testPostgres,
  uniqueOrganisationId,
  uniqueSchema,
} from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { countingProjection, countingProjectionV2 } from '../testing/counting-projection.js';
import { withInlineProjections } from './inline-projections.js';
import { modelRows } from './model-rows.js';
import { ProjectionRuntime } from './projection-runtime.js';

const backends: { name: string; database: () => Knex }[] = [
  { name: 'PostgreSQL', database: () => testPostgres() },
  { name: 'PGlite', database: () => openPglite() },
];

for (const backend of backends) {
  describe(`Inline projections on ${backend.name}`, function () {
    this.timeout(60_000);
    let knex: Knex;
    let schema: string;
    let runtime: ProjectionRuntime;
    let store: ReturnType<typeof withInlineProjections>;
    const organisationId = uniqueOrganisationId();
    const counted = (count = 1) =>
      Array.from({ length: count }, () => testEvent(organisationId, { type: 'Counted', data: {} }));
    const totalCounted = async () =>
      (await modelRows(knex, runtime.readSchema('counting'), 'stream_counts')).reduce(
        (sum, row) => sum + Number(row.events),
        0,
      );

    beforeEach(async () => {
      knex = backend.database();
      schema = uniqueSchema('inline');
      await migrateEventStore(knex, { schema });
      const log = new PostgresEventStore(knex, { schema });
      runtime = new ProjectionRuntime({ knex, store: log, schema, projections: [], inline: [countingProjection] });
      await runtime.migrate();
      store = withInlineProjections(log, knex, runtime);
    });
    afterEach(async () => {
      await runtime.close();
      await dropSchemasStartingWith(knex, schema);
      await knex.destroy();
    });

    it('updates the model in the append’s transaction: read-your-writes, and nothing of a refused append', async () => {
      // when events are appended through the inline store
      await store.appendToStream('compte-a', counted(3));
      await store.appendToStream('compte-a', counted(2), { expectedRevision: 2 });

      // then the model already holds them, with no worker running
      expect(await modelRows(knex, runtime.readSchema('counting'), 'stream_counts')).to.deep.equal([
        { stream_id: 'compte-a', events: 5, revision_sum: 10, last_revision: 4 },
      ]);

      // when an append is refused, or its caller's transaction rolls back
      const refused = await store
        .appendToStream('compte-a', counted(), { expectedRevision: 0 })
        .catch((error: unknown) => error);
      await knex
        .transaction(async (trx) => {
          await store.appendToStream('compte-b', counted(), { transaction: trx });
          throw new Error('the caller changes its mind');
        })
        .catch(() => undefined);

      // then neither the log nor the model changed
      expect(refused).to.be.instanceOf(WrongExpectedRevisionError);
      expect(await totalCounted()).to.equal(5);
      expect(await store.readAll()).to.have.length(5);
      const [status] = await runtime.status();
      expect(status).to.include({ mode: 'inline', behindEvents: 0 });
    });

    // the PGlite adapter has one connection and never batches
    const onPostgres = backend.name === 'PostgreSQL' ? it : undefined;
    onPostgres?.(
      'leaves an append no inline projection handles to the store: concurrent ones share round trips',
      async () => {
        const transactions = async (prefix: string) => {
          const { rows } = await knex.raw<{ rows: { count: string }[] }>(
            `select count(distinct transaction_id)::text as count from ${schema}.events where starts_with(stream_id, ?)`,
            [prefix],
          );
          return Number(rows[0]!.count);
        };
        const unhandled = () => testEvent(organisationId, { type: 'NotCounted', data: {} });

        // when eight appends of a type no inline projection handles, and eight of a handled one, go at once
        await Promise.all(
          Array.from({ length: 8 }, (_, index) => store.appendToStream(`trace-${index}`, [unhandled()])),
        );
        await Promise.all(Array.from({ length: 8 }, (_, index) => store.appendToStream(`compte-${index}`, counted())));

        // then the first shared transactions (the store batches them), the second had one each, projected
        expect(await transactions('trace-')).to.be.below(8);
        expect(await transactions('compte-')).to.equal(8);
        expect(await totalCounted()).to.equal(8);
        expect(await store.readAll()).to.have.length(16);
      },
    );

    it('rebuilds beside the live model while inline appends go on, and misses none of them at the switch', async () => {
      // given events already projected inline, and appends that keep coming
      for (let stream = 0; stream < 10; stream += 1) await store.appendToStream(`compte-${stream}`, counted(50));
      const stop = new AbortController();
      let appended = 500;
      const appending = (async () => {
        for (let round = 0; !stop.signal.aborted; round += 1) {
          await store.appendToStream(`compte-${round % 10}`, counted(2));
          appended += 2;
        }
      })();

      // when the projection is rebuilt and switched to
      const switched = await runtime.rebuild('counting');
      stop.abort();
      await appending;

      // then the live model holds every event once: those before, during and after the switch
      expect(switched.schema).to.not.equal(`${runtime.readSchema('counting')}__v1`);
      expect(await totalCounted()).to.equal(appended);
      const scratch = await runtime.replay('counting', { head: true });
      expect(await modelRows(knex, runtime.readSchema('counting'), 'stream_counts')).to.deep.equal(
        await scratch.rows('stream_counts'),
      );
      await scratch.dispose();
    });

    it('rebuilds at start an inline projection whose code declares a newer version, before any append', async () => {
      // given events projected inline by version 1
      await store.appendToStream('compte-a', counted(3));
      const log = new PostgresEventStore(knex, { schema });

      // when the code with version 2 starts: two instances together on PostgreSQL (PGlite has one process)
      const instances = backend.name === 'PostgreSQL' ? 2 : 1;
      const upgraded = Array.from(
        { length: instances },
        () => new ProjectionRuntime({ knex, store: log, schema, projections: [], inline: [countingProjectionV2] }),
      );
      await Promise.all(upgraded.map((instance) => instance.migrate()));
      const upgradedStore = withInlineProjections(log, knex, upgraded[0]!);
      await upgradedStore.appendToStream('compte-a', counted(1), { expectedRevision: 2 });

      // then version 2 is active, holds every event, and the next append writes its new shape
      const [status] = await upgraded.at(-1)!.status();
      expect(status?.active).to.include({ version: 2 });
      expect(await modelRows(knex, upgraded[0]!.readSchema('counting'), 'stream_counts')).to.deep.equal([
        { stream_id: 'compte-a', events: 4, revision_sum: 6, last_revision: 3, note: 'v2' },
      ]);
      await Promise.all(upgraded.map((instance) => instance.close()));
    });
  });
}
