import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import knexOf, { type Knex } from 'knex';
import pg from 'pg';
import { EventStoreUnavailableError } from '../errors.js';
import {
  idsOf,
  rejectionOf,
  testEvent,
  testEvents,
  uniqueOrganisationId,
  uniqueStreamId,
} from '../testing/fixtures.js';
import { connectPostgres, withEventStoreConnections } from './connect.js';
import { migrateEventStore } from './migrations.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { dropSchema, TEST_DATABASE_URL, testPostgres, uniqueSchema } from './test-databases.js';

/**
 * The store's connections cut under its statements, as a terminated backend, a restart or a
 * failover of PostgreSQL cuts them (ADR 0023). Only this suite's own connections are cut, found by their application
 * name: other suites share the server.
 */
describe('PostgresEventStore when its connections are cut (PostgreSQL)', () => {
  let admin: Knex;
  let schema: string;
  let applicationName: string;
  let knex: Knex;
  let store: PostgresEventStore;
  let organisationId: string;
  /** Backends of the store cut by the test so far. */
  const cutBackends = new Set<number>();

  before(async () => {
    admin = testPostgres(2);
    schema = uniqueSchema('cut');
    applicationName = `dui_${schema}`;
    await migrateEventStore(admin, { schema });
  });
  after(async () => {
    await dropSchema(admin, schema);
    await admin.destroy();
  });
  beforeEach(() => {
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('application_name', applicationName);
    knex = connectPostgres(url.href, { poolSize: 4 });
    store = new PostgresEventStore(knex, { schema });
    organisationId = uniqueOrganisationId();
  });
  afterEach(async () => {
    await store.close();
    await knex.destroy();
  });

  /**
   * Cuts the connection of the store's next statement that waits for a lock; resolves once it is
   * cut. A backend cut before is passed over: it may still be listed, waiting, while it exits.
   */
  async function cutTheWaitingStatement(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const { rows } = await admin.raw(
        `select pid, pg_terminate_backend(pid) as cut from pg_stat_activity
          where application_name = ? and wait_event_type = 'Lock' and pid <> all(?::int[])`,
        [applicationName, [...cutBackends]],
      );
      const cut = rows.filter((row: { cut: boolean }) => row.cut);
      for (const { pid } of cut) cutBackends.add(pid);
      if (cut.length > 0) return;
      await sleep(5);
    }
    throw new Error('no statement of the store waited for a lock');
  }

  /** A session of its own that holds the stream's append lock (the append function's advisory lock) until released. */
  async function holdStreamLock(streamId: string): Promise<{ release(): Promise<void> }> {
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    await holder.query('select pg_advisory_lock(hashtextextended($1, 0))', [streamId]);
    return {
      async release() {
        await holder.end();
      },
    };
  }

  /** A session of its own that keeps every reader of the log waiting until released. */
  async function holdTheLog(): Promise<{ release(): Promise<void> }> {
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    await holder.query('begin');
    await holder.query(`lock table ${schema}.events in access exclusive mode`);
    return {
      async release() {
        await holder.query('commit');
        await holder.end();
      },
    };
  }

  async function storedIds(streamId: string): Promise<string[]> {
    const { rows } = await admin.raw(`select id from ${schema}.events where stream_id = ? order by stream_revision`, [
      streamId,
    ]);
    return rows.map((row: { id: string }) => row.id);
  }

  it('appends on a new connection when the connection of the append is cut under it', async () => {
    // given an append waiting for its stream
    const streamId = uniqueStreamId();
    const event = testEvent(organisationId);
    const lock = await holdStreamLock(streamId);
    const appending = store.appendToStream(streamId, [event], { expectedRevision: 'noStream' });

    // when its connection is cut, then the stream is free again
    await cutTheWaitingStatement();
    await lock.release();

    // then the append went through, once
    expect(await appending).to.deep.include({ nextExpectedRevision: 0, alreadyAppended: false });
    expect(await storedIds(streamId)).to.deep.equal([event.id]);
  });

  it('appends on a new connection with a pool of the caller’s making, built with withEventStoreConnections', async () => {
    // given a store on a knex instance configured by the caller, with a hook of its own
    const created: number[] = [];
    const theirs = knexOf(
      withEventStoreConnections({
        client: 'pg',
        connection: { connectionString: TEST_DATABASE_URL, application_name: applicationName },
        pool: {
          min: 0,
          max: 2,
          afterCreate: (connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) => {
            created.push(Date.now());
            connection.query('set statement_timeout = 30000', (error) => done(error ?? null, connection));
          },
        },
      }),
    );
    const theirStore = new PostgresEventStore(theirs, { schema });
    try {
      // when its append waits for its stream and its connection is cut
      const streamId = uniqueStreamId();
      const event = testEvent(organisationId);
      const lock = await holdStreamLock(streamId);
      const appending = theirStore.appendToStream(streamId, [event], { expectedRevision: 'noStream' });
      await cutTheWaitingStatement();
      await lock.release();

      // then the append went through, once, and the caller's hook ran on each new connection
      expect(await appending).to.deep.include({ nextExpectedRevision: 0, alreadyAppended: false });
      expect(await storedIds(streamId)).to.deep.equal([event.id]);
      expect(created.length).to.be.greaterThanOrEqual(2);
      const { rows } = await theirs.raw('show statement_timeout');
      expect(rows[0].statement_timeout).to.equal('30s');
    } finally {
      await theirStore.close();
      await theirs.destroy();
    }
  });

  it('says the database is out of reach when the new connection is cut too, and the same append later stores its events once', async () => {
    // given an append waiting for its stream
    const streamId = uniqueStreamId();
    const events = testEvents(organisationId, 2);
    const lock = await holdStreamLock(streamId);
    const appending = rejectionOf(store.appendToStream(streamId, events, { expectedRevision: 'noStream' }));

    // when its connection is cut, and the connection it tries again on
    await cutTheWaitingStatement();
    await cutTheWaitingStatement();
    const error = await appending;
    await lock.release();

    // then a typed error, with the driver's error as its cause
    expect(error).to.be.instanceOf(EventStoreUnavailableError);
    expect(error).to.deep.include({ operation: 'append' });
    expect((error as Error).message).to.match(/may or may not have been recorded/);
    expect((error as Error).cause).to.deep.include({ code: '57P01' });
    // and appending the same events again stores them, once
    await store.appendToStream(streamId, events, { expectedRevision: 'noStream' });
    expect(await storedIds(streamId)).to.deep.equal(idsOf(events));
  });

  it("does not append again in a caller's transaction: the transaction went with its connection", async () => {
    // given an append in a caller's transaction, waiting for its stream
    const streamId = uniqueStreamId();
    const lock = await holdStreamLock(streamId);
    const transaction = await knex.transaction();
    const appending = rejectionOf(
      store.appendToStream(streamId, [testEvent(organisationId)], { expectedRevision: 'noStream', transaction }),
    );

    // when its connection is cut
    await cutTheWaitingStatement();
    const error = await appending;
    await lock.release();
    await transaction.rollback().catch(() => undefined);

    // then it is refused as out of reach, and nothing is stored
    expect(error).to.be.instanceOf(EventStoreUnavailableError);
    expect(await storedIds(streamId)).to.deep.equal([]);
  });

  it('reads a stream and the global log on a new connection when the connection of the read is cut under it', async () => {
    // given a stored stream
    const streamId = uniqueStreamId();
    const events = testEvents(organisationId, 3);
    await store.appendToStream(streamId, events);

    // when each read waits for the log, held by another session, and its connection is cut
    const readAfterACut = async <T>(read: () => Promise<T>): Promise<T> => {
      const lock = await holdTheLog();
      const reading = read();
      await cutTheWaitingStatement();
      await lock.release();
      return reading;
    };
    const stream = await readAfterACut(() => store.readStream(streamId));
    const log = await readAfterACut(() => store.readAll({ organisationId }));

    // then both reads went through
    expect(idsOf(stream)).to.deep.equal(idsOf(events));
    expect(idsOf(log)).to.deep.equal(idsOf(events));
  });

  it('loses no acknowledged append and stores none twice while its connections are cut at random', async function () {
    this.timeout(120_000);
    // given a cutter that cuts every connection of the store every few tens of milliseconds
    let writing = true;
    let cuts = 0;
    const cutter = (async () => {
      while (writing) {
        await sleep(20 + Math.random() * 60);
        const { rows } = await admin.raw(
          'select pg_terminate_backend(pid) as cut from pg_stat_activity where application_name = ?',
          [applicationName],
        );
        cuts += rows.filter((row: { cut: boolean }) => row.cut).length;
      }
    })();

    // when 8 writers append 100 events each, one by one, at exact revisions, each appending again
    // with the same event when it is told the database is out of reach
    const writers = Array.from({ length: 8 }, async (_, writer) => {
      const streamId = uniqueStreamId(`writer${writer}`);
      const acknowledged: string[] = [];
      for (let revision = 0; revision < 100; revision++) {
        const event = testEvent(organisationId);
        const expectedRevision = revision === 0 ? 'noStream' : revision - 1;
        for (;;) {
          try {
            await store.appendToStream(streamId, [event], { expectedRevision });
            acknowledged.push(event.id);
            break;
          } catch (error) {
            if (!(error instanceof EventStoreUnavailableError)) throw error;
            await sleep(10);
          }
        }
      }
      return { streamId, acknowledged };
    });
    const written = await Promise.all(writers).finally(() => {
      writing = false;
    });
    await cutter;

    // then every stream holds exactly what was acknowledged, in order, and the log verifies
    expect(cuts, 'connections cut').to.be.greaterThan(0);
    for (const { streamId, acknowledged } of written) expect(await storedIds(streamId)).to.deep.equal(acknowledged);
    // verified through a pool no cut reached: the last cut may still be reaching the store's
    expect(await new PostgresEventStore(admin, { schema }).verifyIntegrity()).to.deep.include({ ok: true });
  });
});
