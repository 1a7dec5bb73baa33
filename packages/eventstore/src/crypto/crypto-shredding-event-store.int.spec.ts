import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { openPglite } from '../postgres/connect.js';
import { PostgresEventStore } from '../postgres/postgres-event-store.js';
import { dropSchema, sqlTampering, testPostgres } from '../postgres/test-databases.js';
import { describeEventStoreConformance, type EventStoreUnderTest } from '../testing/conformance.js';
import { withCryptoShredding } from './crypto-shredding-event-store.js';
import { KnexDataKeyStore } from './knex-data-key-store.js';
import { describeCryptoShredding } from './testing/crypto-shredding-scenarios.js';
import { migratedSchema, sqlUnderTest } from './testing/sql-under-test.js';

/** The decorated store must still pass the suite every adapter passes. */
function decoratedStoresIn(database: () => Knex, label: string): () => Promise<EventStoreUnderTest<Knex.Transaction>> {
  return async () => {
    const knex = database();
    const schema = await migratedSchema(knex, label);
    const store = withCryptoShredding(new PostgresEventStore(knex, { schema }), {
      keys: new KnexDataKeyStore(knex, { schema }),
      masterKey: randomBytes(32),
    });
    return {
      store,
      tamper: sqlTampering(knex, schema),
      async dispose() {
        await store.close();
        await dropSchema(knex, schema);
      },
    };
  };
}

for (const [backend, open] of [
  ['PostgreSQL', () => testPostgres()],
  ['PGlite', () => openPglite()],
] as const) {
  describe(`withCryptoShredding on ${backend}`, () => {
    let knex: Knex | undefined;
    before(() => {
      knex = open();
    });
    after(async () => {
      await knex?.destroy();
    });

    const label = backend === 'PGlite' ? 'pglite_crypto' : 'pg_crypto';
    describeCryptoShredding(backend, () => sqlUnderTest(knex!, label), { propertyRuns: 30 });
    describeEventStoreConformance(
      `${backend}, with crypto-shredding`,
      decoratedStoresIn(() => knex!, label),
      {
        modelRuns: 10,
      },
    );
  });
}
