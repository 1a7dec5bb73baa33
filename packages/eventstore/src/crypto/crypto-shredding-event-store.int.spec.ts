import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { v7 as uuidv7 } from 'uuid';
import type { EventToAppend } from '../event.js';
import { openPglite } from '../postgres/connect.js';
import { storesInFreshSchemas, testPostgres } from '../postgres/test-databases.js';
import { describeEventStoreConformance } from '../testing/conformance.js';
import { withCryptoShredding } from './crypto-shredding-event-store.js';
import { KnexDataKeyStore } from './knex-data-key-store.js';
import { countingKeys, describeCryptoShredding } from './testing/crypto-shredding-scenarios.js';
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

    it('reads back what it appended in a transaction, in it, without looking up again the keys it wrote with', async () => {
      // given a store whose key look-ups are counted, and a usager already known
      const underTest = await sqlUnderTest(knex!, label);
      try {
        const calls: string[] = [];
        const store = withCryptoShredding(underTest.inner, {
          keys: countingKeys(underTest.keys, calls),
          masterKey: randomBytes(32),
        });
        const organisationId = `og-${randomUUID()}`;
        const [written, other] = [`usager-${randomUUID()}`, `usager-${randomUUID()}`];
        const event = (serviceUserId: string, note: string): EventToAppend => ({
          id: uuidv7(),
          type: 'HandoverRecorded',
          data: { note },
          metadata: {
            organisationId,
            actor: { kind: 'system', id: 'test' },
            occurredAt: new Date().toISOString(),
            serviceUserId,
          },
        });
        await store.appendToStream('handover-other', [event(other, 'déjà là')]);
        calls.length = 0;

        // when an inline projection's transaction appends about one usager, then reads back its
        // stream and the other usager's
        const [readBack, readOther] = await knex!.transaction(async (trx) => {
          await store.appendToStream('handover-written', [event(written, 'reçu ce matin')], { transaction: trx });
          return [
            await store.readStream('handover-written', { transaction: trx }),
            await store.readStream('handover-other', { transaction: trx }),
          ];
        });
        const afterCommit = await store.readStream('handover-written');

        // then the data reads in clear; the written usager's key was looked up and created to
        // write, not looked up again to read back; the other's when its stream is read; and the
        // written one's again outside the transaction
        expect(readBack.map((recorded) => recorded.data)).to.deep.equal([{ note: 'reçu ce matin' }]);
        expect(readOther.map((recorded) => recorded.data)).to.deep.equal([{ note: 'déjà là' }]);
        expect(afterCommit.map((recorded) => recorded.data)).to.deep.equal([{ note: 'reçu ce matin' }]);
        expect(calls).to.deep.equal(['getMany', 'create', 'getMany', 'getMany']);
      } finally {
        await underTest.dispose();
      }
    });
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
