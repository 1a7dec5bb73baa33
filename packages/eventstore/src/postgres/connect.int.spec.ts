import { expect } from 'chai';
import type { Knex } from 'knex';
import { testEvents, uniqueOrganisationId, uniqueStreamId } from '../testing/fixtures.js';
import { connectPostgres, openEventStore, openPglite } from './connect.js';
import { eventStoreMigrations, migrateEventStore } from './migrations.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { dropSchema, TEST_DATABASE_URL, testPostgres, uniqueSchema } from './test-databases.js';

describe('Opening and migrating the PostgreSQL event store', () => {
  let knex: Knex;
  before(() => {
    knex = testPostgres(2);
  });
  after(async () => {
    await knex.destroy();
  });

  it('opens a migrated store on PostgreSQL when given a URL, and closes its pool', async () => {
    // given
    const schema = uniqueSchema('open');
    const opened = await openEventStore({ databaseUrl: TEST_DATABASE_URL, schema });

    // when
    let closedPool: unknown;
    try {
      await opened.store.appendToStream(uniqueStreamId(), testEvents(uniqueOrganisationId(), 1));
    } finally {
      await opened.close();
      closedPool = await opened.knex.raw('select 1').catch((error: unknown) => error);
      await dropSchema(knex, schema);
    }

    // then
    expect(opened.backend).to.equal('postgresql');
    expect(closedPool).to.be.instanceOf(Error);
  });

  it('runs each migration once, recorded by name in the schema', async () => {
    // given
    const schema = uniqueSchema('migrate');
    try {
      // when
      await migrateEventStore(knex, { schema });
      await migrateEventStore(knex, { schema });

      // then
      const { rows } = await knex.raw(`select name from ${schema}.knex_migrations order by id`);
      expect(rows.map((row: { name: string }) => row.name)).to.deep.equal(
        eventStoreMigrations.map((migration) => migration.name),
      );
    } finally {
      await dropSchema(knex, schema);
    }
  });

  it('refuses a schema name it would have to quote', async () => {
    // given
    const names = ['Dui', 'dui; drop table x', '', '1dui'];

    // when
    const refusals = names.map((schema) => {
      try {
        new PostgresEventStore(knex, { schema });
        return undefined;
      } catch (error) {
        return error;
      }
    });

    // then
    for (const refusal of refusals) expect(refusal).to.be.instanceOf(TypeError);
  });

  it('gives int8 values as text, so that no position loses precision', async () => {
    // given
    const pool = connectPostgres(TEST_DATABASE_URL, { poolSize: 1 });

    // when
    const { rows } = await pool.raw('select 9007199254740993::int8 as position').finally(() => pool.destroy());

    // then
    expect(rows[0].position).to.equal('9007199254740993');
  });

  it('gives a date as its day, on PostgreSQL and on PGlite alike, whatever the process time zone', async () => {
    // given both drivers
    const databases = [connectPostgres(TEST_DATABASE_URL, { poolSize: 1 }), openPglite()];

    // when each reads a calendar day
    const days = await Promise.all(
      databases.map((db) => db.raw(`select '2025-03-31'::date as day`).finally(() => db.destroy())),
    );

    // then both give the day itself, not a midnight somewhere
    expect(days.map(({ rows }) => rows[0].day)).to.deep.equal(['2025-03-31', '2025-03-31']);
  });
});
