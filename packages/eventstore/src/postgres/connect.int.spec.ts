import { expect } from 'chai';
import type { Knex } from 'knex';
import { TransactionIdsBehindLogError } from '../errors.js';
import { testEvents, uniqueOrganisationId, uniqueStreamId } from '../testing/fixtures.js';
import { connectPostgres, openEventStore, openPglite } from './connect.js';
import type { SchemaMigration } from './migration.js';
import { eventStoreMigrations, migrateEventStore } from './migrations.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { dropSchema, TEST_DATABASE_URL, testPostgres, uniqueSchema } from './test-databases.js';

/** A step that counts its runs: run twice, it would insert two rows. */
const extraStep: SchemaMigration = {
  name: '0001_extra',
  async up(knex, schema) {
    await knex.raw(`create table if not exists ${schema}.extra_step_runs (ran_at timestamptz not null default now())`);
    await knex.raw(`insert into ${schema}.extra_step_runs default values`);
  },
};

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

  it('lets processes started together on a new schema migrate one after the other, each step run once', async () => {
    // given four processes' pools, each of one connection, and a schema nobody created yet
    const schema = uniqueSchema('together');
    const pools = Array.from({ length: 4 }, () => connectPostgres(TEST_DATABASE_URL, { poolSize: 1 }));
    try {
      // when they all migrate at once, the event store then a second set of steps in the same schema
      const outcomes = await Promise.allSettled(
        pools.map(async (pool) => {
          await migrateEventStore(pool, { schema });
          await migrateEventStore(pool, { schema, migrations: [extraStep], tableName: 'extra_migrations' });
        }),
      );

      // then none fails, and each step ran once
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).to.deep.equal([]);
      const { rows } = await knex.raw(`select name from ${schema}.knex_migrations order by id`);
      expect(rows.map((row: { name: string }) => row.name)).to.deep.equal(
        eventStoreMigrations.map((migration) => migration.name),
      );
      const { rows: extra } = await knex.raw(`select count(*)::int as runs from ${schema}.extra_step_runs`);
      expect(extra[0].runs).to.equal(1);
    } finally {
      await Promise.all(pools.map((pool) => pool.destroy()));
      await dropSchema(knex, schema);
    }
  });

  it('refuses to open a log whose transaction ids are ahead of the database, as after a careless logical restore', async () => {
    // given a log holding one event written "later" than anything this cluster has handed out,
    // as a dump restored into a new cluster holds the old cluster's ids
    const schema = uniqueSchema('restored');
    const organisationId = uniqueOrganisationId();
    await migrateEventStore(knex, { schema });
    const store = new PostgresEventStore(knex, { schema });
    await store.appendToStream(uniqueStreamId(), testEvents(organisationId, 1));
    const healthy = await openEventStore({ databaseUrl: TEST_DATABASE_URL, schema }).then((opened) => opened.close());
    await knex.raw(
      `insert into ${schema}.events (transaction_id, id, stream_id, stream_revision, type, version, data, metadata,
         organisation_id, occurred_at, recorded_at, previous_hash, hash)
       select (pg_current_xact_id()::text::bigint + 1000000)::text::xid8, gen_random_uuid(), 'restored', 0, 'Restored', 1,
         '{}', '{}', ?, now(), now(), '\\x00', '\\x00'`,
      [organisationId],
    );

    // when
    const refusal = await openEventStore({ databaseUrl: TEST_DATABASE_URL, schema }).then(
      (opened) => opened.close().then(() => undefined),
      (error: unknown) => error,
    );
    await dropSchema(knex, schema);

    // then the same log opened before the restore, and not after it
    expect(healthy).to.equal(undefined);
    expect(refusal).to.be.instanceOf(TransactionIdsBehindLogError);
    const { highestStored, nextTransactionId } = refusal as TransactionIdsBehindLogError;
    expect(Number(BigInt(highestStored) - BigInt(nextTransactionId))).to.be.greaterThan(999_000);
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
