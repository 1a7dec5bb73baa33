import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { v7 as uuidv7 } from 'uuid';
import { openPglite } from '../postgres/connect.js';
import { PostgresEventStore } from '../postgres/postgres-event-store.js';
import { dropSchema, testPostgres } from '../postgres/test-databases.js';
import { within } from '../testing/fixtures.js';
import { withCryptoShredding } from './crypto-shredding-event-store.js';
import { KnexDataKeyStore } from './knex-data-key-store.js';
import { migratedSchema } from './testing/sql-under-test.js';

function describeKnexDataKeyStore(backend: string, open: () => Knex): void {
  describe(`KnexDataKeyStore on ${backend}`, () => {
    let knex: Knex;
    let schema: string;
    let keys: KnexDataKeyStore;

    before(() => {
      knex = open();
    });
    after(async () => {
      await knex.destroy();
    });
    beforeEach(async () => {
      schema = await migratedSchema(knex, 'data_keys');
      keys = new KnexDataKeyStore(knex, { schema });
    });
    afterEach(async () => {
      await dropSchema(knex, schema);
    });

    function newKey(serviceUserId = `usager-${randomUUID()}`) {
      return { serviceUserId, organisationId: 'og-1', wrappedKey: randomBytes(61) };
    }

    async function row(serviceUserId: string) {
      const { rows } = await knex.raw<{ rows: Record<string, unknown>[] }>(
        `select * from ${schema}.data_keys where service_user_id = ?`,
        [serviceUserId],
      );
      return rows;
    }

    it('stores a key and reads it back', async () => {
      // given
      const key = newKey();

      // when
      const created = await keys.create(key);

      // then
      assert.deepEqual(await keys.get(key.serviceUserId), created);
      assert.equal(created.status, 'active');
      assert.deepEqual(created.wrappedKey, key.wrappedKey);
      assert.equal(created.organisationId, 'og-1');
      assert.ok(created.createdAt instanceof Date && !Number.isNaN(created.createdAt.getTime()));
    });

    it('gives every racer the first key stored for a usager, never one each', async () => {
      // given
      const serviceUserId = `usager-${randomUUID()}`;
      const racers = Array.from({ length: 8 }, () => newKey(serviceUserId));

      // when
      const created = await Promise.all(racers.map((key) => keys.create(key)));

      // then
      const stored = await keys.get(serviceUserId);
      assert.equal(stored?.status, 'active');
      for (const key of created) assert.deepEqual(key, stored);
      assert.equal((await row(serviceUserId)).length, 1);
    });

    it('reads the keys of many usagers in one call, absent ones left out', async () => {
      // given: more usagers than one query binds
      const created = await Promise.all(Array.from({ length: 1_200 }, () => keys.create(newKey())));
      const ids = created.map((key) => key.serviceUserId);

      // when
      const found = await keys.getMany([...ids, 'usager-unknown', ids[0]!]);

      // then
      assert.equal(found.size, 1_200);
      assert.equal(found.has('usager-unknown'), false);
      assert.deepEqual(found.get(ids[1_100]!), created[1_100]);
    });

    it('on destroy, nulls the key and keeps the row with its erasure date as proof', async () => {
      // given
      const key = newKey();
      await keys.create(key);

      // when
      const destroyed = await keys.destroy(key.serviceUserId);

      // then
      assert.equal(destroyed.status, 'destroyed');
      assert.deepEqual(await keys.get(key.serviceUserId), destroyed);
      const [stored] = await row(key.serviceUserId);
      assert.equal(stored?.wrapped_key, null);
      assert.equal(stored?.organisation_id, 'og-1');
      assert.ok(stored?.destroyed_at instanceof Date);
    });

    it('keeps the first erasure date when a usager is forgotten twice, and never revives a key', async () => {
      // given
      const key = newKey();
      await keys.create(key);
      const first = await keys.destroy(key.serviceUserId);

      // when
      const second = await keys.destroy(key.serviceUserId);
      const recreated = await keys.create(newKey(key.serviceUserId));

      // then
      assert.deepEqual(second, first);
      assert.deepEqual(recreated, first);
    });

    it('records the erasure of a usager who never had a key', async () => {
      // when
      const destroyed = await keys.destroy('usager-never-seen');

      // then
      assert.deepEqual(
        { ...destroyed, createdAt: null, destroyedAt: null },
        {
          status: 'destroyed',
          serviceUserId: 'usager-never-seen',
          organisationId: null,
          createdAt: null,
          destroyedAt: null,
        },
      );
    });

    it('refuses at the table a destroyed row that still holds a key', async () => {
      // when
      const attempt = knex.raw(
        `insert into ${schema}.data_keys (service_user_id, organisation_id, wrapped_key, destroyed_at) values (?, ?, ?, now())`,
        ['usager-x', 'og-1', randomBytes(61)],
      );

      // then
      await assert.rejects(attempt, /data_keys_erasure_nulls_the_key/);
    });

    it('creates keys in the caller’s transaction: an append in one does not wait on itself, and a rollback takes the key', async function () {
      // given
      this.timeout(10_000);
      const store = withCryptoShredding(new PostgresEventStore(knex, { schema }), { keys, masterKey: randomBytes(32) });
      const serviceUserId = `usager-${randomUUID()}`;
      const event = {
        id: uuidv7(),
        type: 'HandoverRecorded',
        data: { note: 'dans la transaction' },
        metadata: {
          organisationId: 'og-1',
          actor: { kind: 'system' as const, id: 'test' },
          occurredAt: '2024-03-01T10:00:00.000Z',
          serviceUserId,
        },
      };

      // when
      const outcome = await within(
        knex
          .transaction(async (transaction) => {
            await store.appendToStream('handover-tx', [event], { transaction });
            assert.equal((await keys.get(serviceUserId, { transaction }))?.status, 'active');
            throw new Error('rolled back on purpose');
          })
          .catch((error: Error) => error.message),
        5_000,
      );

      // then
      assert.equal(outcome, 'rolled back on purpose');
      assert.equal(await keys.get(serviceUserId), undefined);
      assert.deepEqual(await store.readStream('handover-tx'), []);
    });
  });
}

describeKnexDataKeyStore('PostgreSQL', () => testPostgres());
describeKnexDataKeyStore('PGlite', () => openPglite());
