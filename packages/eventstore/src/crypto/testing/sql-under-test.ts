import type { Knex } from 'knex';
import { migrateEventStore } from '../../postgres/migrations.js';
import { PostgresEventStore } from '../../postgres/postgres-event-store.js';
import { dropSchema, tamperWith, uniqueSchema } from '../../postgres/test-databases.js';
import { KnexDataKeyStore } from '../knex-data-key-store.js';
import type { CryptoShreddingUnderTest } from './crypto-shredding-scenarios.js';

/** A migrated schema of its own, dropped by `dispose`. */
export async function migratedSchema(knex: Knex, label: string): Promise<string> {
  const schema = uniqueSchema(label);
  await migrateEventStore(knex, { schema });
  return schema;
}

/** The crypto-shredding scenarios on a PostgreSQL (or PGlite) database, raw storage read with SQL. */
export async function sqlUnderTest(knex: Knex, label: string): Promise<CryptoShreddingUnderTest<Knex.Transaction>> {
  const schema = await migratedSchema(knex, label);
  const inner = new PostgresEventStore(knex, { schema });
  return {
    inner,
    keys: new KnexDataKeyStore(knex, { schema }),
    async rawEvents() {
      const { rows } = await knex.raw<{ rows: { dump: string | null }[] }>(
        `select string_agg(e::text, E'\\n') as dump from ${schema}.events e`,
      );
      return rows[0]?.dump ?? '';
    },
    alterStoredData: (eventId, data) =>
      tamperWith(knex, schema, (trx) =>
        trx.raw(`update ${schema}.events set data = ?::json where id = ?`, [JSON.stringify(data), eventId]),
      ),
    async dispose() {
      await inner.close();
      await dropSchema(knex, schema);
    },
  };
}
