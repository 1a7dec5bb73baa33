import { randomUUID } from 'node:crypto';
import { openPglite } from '@dui-pds/eventstore';
import { dropSchema, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { migrateIdempotencyStore, PostgresIdempotencyStore } from './postgres-idempotency-store.js';
import { describeIdempotencyStoreBehaviour } from './testing/idempotency-store-behaviour.js';

describe('PostgresIdempotencyStore', () => {
  describe('on PostgreSQL', () => {
    let knex: Knex;
    const schema = uniqueSchema('idempotency');

    before(async () => {
      knex = testPostgres();
      await migrateIdempotencyStore(knex, { schema });
    });

    after(async () => {
      await dropSchema(knex, schema);
      await knex.destroy();
    });

    describeIdempotencyStoreBehaviour(() => new PostgresIdempotencyStore(knex, { schema }));

    it('migrates idempotently, beside the event store’s own steps', async () => {
      // when
      await migrateIdempotencyStore(knex, { schema });

      // then
      const steps = await knex(`${schema}.idempotency_migrations`).pluck('name');
      expect(steps).to.deep.equal(['0001_idempotency_keys']);
    });

    it('sweeps expired keys, and only those', async () => {
      // given a store that never sweeps on its own, so that the sweep measured is this one
      const store = new PostgresIdempotencyStore(knex, { schema, sweepEveryMs: Number.MAX_SAFE_INTEGER });
      const expired = randomUUID();
      const live = randomUUID();
      await store.claim(expired, 'a', 1);
      await store.claim(live, 'b', 60_000);
      await new Promise((resolve) => setTimeout(resolve, 20));

      // when
      const swept = await store.sweepExpired();

      // then
      expect(swept).to.be.at.least(1);
      const keys = await knex(`${schema}.idempotency_keys`).whereIn('key', [expired, live]).pluck('key');
      expect(keys).to.deep.equal([live]);
    });
  });

  describe('on PGlite', () => {
    let knex: Knex;

    before(async () => {
      knex = openPglite();
      await migrateIdempotencyStore(knex, { schema: 'dui' });
    });

    after(async () => {
      await knex.destroy();
    });

    describeIdempotencyStoreBehaviour(() => new PostgresIdempotencyStore(knex, { schema: 'dui' }));
  });
});
