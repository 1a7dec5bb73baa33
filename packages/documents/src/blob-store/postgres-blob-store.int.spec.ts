import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { describeBlobStoreBehaviour } from '../testing/blob-store-behaviour.js';
import { PostgresBlobStore } from './postgres-blob-store.js';

/** The test database of the PostgreSQL specs (documents may not import the event store's test helpers). */
const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('the PostgreSQL blob store, on the test database', () => {
  let knex: Knex;
  before(() => {
    knex = knexFactory({ client: 'pg', connection: TEST_DATABASE_URL, pool: { min: 0, max: 10 } });
  });
  after(() => knex.destroy());

  describeBlobStoreBehaviour('PostgreSQL', async () => {
    const schema = `test_blobs_${randomBytes(6).toString('hex')}`;
    const store = new PostgresBlobStore(knex, { schema });
    // twice, as every instance of a deployment does at start
    await Promise.all([store.migrate(), store.migrate()]);
    return {
      store,
      async corrupt(addressOrSlot) {
        await knex.raw(`update ??.blobs set content = content || '\\x00'::bytea where sha256 = ?`, [
          schema,
          addressOrSlot,
        ]);
        await knex.raw(`update ??.sealed_blobs set content = content || '\\x00'::bytea where slot = ?`, [
          schema,
          addressOrSlot,
        ]);
      },
      async everythingKept() {
        const rows = (await knex.raw('select content from ??.blobs union all select content from ??.sealed_blobs', [
          schema,
          schema,
        ])) as { rows: { content: Buffer }[] };
        return Buffer.concat(rows.rows.map((row) => row.content));
      },
      async copiesOf(sha256) {
        const [row] = await knex.withSchema(schema).table('blobs').where({ sha256 }).count({ count: '*' });
        return Number(row?.count ?? 0);
      },
      async dispose() {
        await knex.raw('drop schema if exists ?? cascade', [schema]);
      },
    };
  });
});
