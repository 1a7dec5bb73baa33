import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { testEvents, uniqueOrganisationId, uniqueStreamId } from '../testing/fixtures.js';
import { openEventStore, openPglite } from './connect.js';
import { storesInFreshSchemas, testPostgres } from './test-databases.js';

describe('PostgresEventStore on PostgreSQL', () => {
  let knex: Knex | undefined;
  before(() => {
    knex = testPostgres();
  });
  after(async () => {
    await knex?.destroy();
  });

  describeEventStoreConformance(
    'PostgreSQL',
    storesInFreshSchemas(() => knex!, 'pg_conformance'),
  );
});

describe('PostgresEventStore on PGlite', () => {
  let knex: Knex | undefined;
  before(() => {
    knex = openPglite();
  });
  after(async () => {
    await knex?.destroy();
  });

  describeEventStoreConformance(
    'PGlite (in memory)',
    storesInFreshSchemas(() => knex!, 'pglite_conformance'),
  );

  describe('in a data directory', () => {
    let dataDir: string;
    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'dui-pglite-'));
    });
    afterEach(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    it('keeps the log across a close and a reopen', async function () {
      this.timeout(60_000);
      // given
      const organisationId = uniqueOrganisationId();
      const streamId = uniqueStreamId();
      const events = testEvents(organisationId, 3);
      const directory = join(dataDir, 'not', 'yet', 'there');
      // an empty URL asks for the embedded store even where DATABASE_URL is set
      const first = await openEventStore({ databaseUrl: '', dataDir: directory });
      expect(first.backend).to.equal('pglite');
      const appended = await first.store.appendToStream(streamId, events, { expectedRevision: 'noStream' });
      await first.close();

      // when
      const reopened = await openEventStore({ databaseUrl: '', dataDir: directory });
      try {
        const stored = await reopened.store.readStream(streamId);
        const next = await reopened.store.appendToStream(streamId, testEvents(organisationId, 1), {
          expectedRevision: appended.nextExpectedRevision,
        });

        // then
        expect(stored.map((event) => event.id)).to.deep.equal(events.map((event) => event.id));
        expect(next.nextExpectedRevision).to.equal(3);
        expect(await reopened.store.verifyIntegrity()).to.deep.equal({ ok: true, streamsChecked: 1, eventsChecked: 4 });
      } finally {
        await reopened.close();
      }
    });
  });
});
