import { randomBytes } from 'node:crypto';
import { dropSchema, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { migrateSessionStore, PostgresSessionStore } from './postgres-session-store.js';
import { describeSessionStoreBehaviour, sessionRecord } from './testing/session-store-behaviour.js';

describe('PostgresSessionStore', () => {
  const schema = uniqueSchema('sessions');
  let knex: Knex;

  before(async () => {
    knex = testPostgres();
    await migrateSessionStore(knex, { schema });
    // a second migration finds nothing to do
    await migrateSessionStore(knex, { schema });
  });

  after(async () => {
    await dropSchema(knex, schema);
    await knex.destroy();
  });

  describeSessionStoreBehaviour(() => new PostgresSessionStore(knex, { schema }));

  it('keeps the professionals’ and the portal’s sessions apart, even under the same id', async () => {
    // given
    const professionals = new PostgresSessionStore(knex, { schema });
    const portal = new PostgresSessionStore(knex, { schema, kind: 'portal' });
    const id = randomBytes(32).toString('base64url');

    // when
    await professionals.put(id, sessionRecord({ professionalId: '810000000001' }));

    // then
    expect(await portal.get(id)).to.equal(undefined);
    expect((await professionals.get(id))?.professionalId).to.equal('810000000001');
  });

  it('sweeps expired sessions', async () => {
    // given
    const store = new PostgresSessionStore(knex, { schema });
    const id = randomBytes(32).toString('base64url');
    await store.put(id, sessionRecord({ expiresAt: new Date(Date.now() - 1_000).toISOString() }));

    // when
    const swept = await store.sweepExpired();

    // then
    expect(swept).to.be.at.least(1);
    const [row] = await knex(`${schema}.sessions`).where({ session_id: id }).count({ count: '*' });
    expect(Number(row?.count)).to.equal(0);
  });
});
