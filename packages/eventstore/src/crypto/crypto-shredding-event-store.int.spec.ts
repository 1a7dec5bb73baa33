import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { openPglite } from '../postgres/connect.js';
import { storesInFreshSchemas, testPostgres } from '../postgres/test-databases.js';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { withCryptoShredding } from './crypto-shredding-event-store.js';
import { KnexDataKeyStore } from './knex-data-key-store.js';
import { describeCryptoShredding } from './testing/crypto-shredding-scenarios.js';
import { sqlUnderTest } from './testing/sql-under-test.js';

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
      // the decorated store must still pass the suite every adapter passes
      storesInFreshSchemas(
        () => knex!,
        label,
        (store, db, schema) =>
          withCryptoShredding(store, { keys: new KnexDataKeyStore(db, { schema }), masterKey: randomBytes(32) }),
      ),
      {
        modelRuns: 10,
      },
    );
  });
}
