import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { isErased } from '../event.js';
import { openPglite } from '../postgres/connect.js';
import { PostgresEventStore } from '../postgres/postgres-event-store.js';
import { dropSchema, testPostgres } from '../postgres/test-databases.js';
import { rejectionOf, testEvent, uniqueOrganisationId, uniqueStreamId } from '../testing/fixtures.js';
import { withCryptoShredding } from './crypto-shredding-event-store.js';
import { deploymentSecret } from './deployment-secrets.js';
import { DataKeyUnwrapError, DeploymentSecretUnwrapError } from './errors.js';
import type { MasterKeys } from './key-wrapping.js';
import { KnexDataKeyStore } from './knex-data-key-store.js';
import { rewrapUnderCurrentMasterKey } from './master-key-rotation.js';
import { migratedSchema } from './testing/sql-under-test.js';

function describeMasterKeyRotation(backend: string, open: () => Knex): void {
  describe(`a master key rotation on ${backend}`, () => {
    let knex: Knex;
    let schema: string;
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const beforeRotation: MasterKeys = { current: oldKey, previous: [] };
    const duringRotation: MasterKeys = { current: newKey, previous: [oldKey] };
    const afterRotation: MasterKeys = { current: newKey, previous: [] };

    before(() => {
      knex = open();
    });
    after(async () => {
      await knex.destroy();
    });
    beforeEach(async () => {
      schema = await migratedSchema(knex, 'rotation');
    });
    afterEach(async () => {
      await dropSchema(knex, schema);
    });

    const storeWith = (masterKeys: MasterKeys) =>
      withCryptoShredding(new PostgresEventStore(knex, { schema }), {
        keys: new KnexDataKeyStore(knex, { schema }),
        masterKey: masterKeys.current,
        previousMasterKeys: masterKeys.previous,
      });
    const secret = (masterKeys: MasterKeys, firstValue = randomBytes(32)) =>
      deploymentSecret(knex, { schema, masterKeys, name: 'portal-totp-seal', firstValue: () => firstValue });

    it('keeps a deployment secret’s first value through the rotation, and opens it with the new key alone once re-wrapped', async () => {
      // given a secret created under the old key
      const firstValue = randomBytes(32);
      assert.deepEqual(await secret(beforeRotation, firstValue), firstValue);

      // when the new key is configured beside the old one, then the wraps are renewed
      const duringValue = await secret(duringRotation);
      const report = await rewrapUnderCurrentMasterKey(knex, { schema, masterKeys: duringRotation });

      // then the value never changed, and the old key alone no longer opens it
      assert.deepEqual(duringValue, firstValue);
      assert.deepEqual(report.deploymentSecrets, { rewrapped: 1, alreadyCurrent: 0 });
      assert.deepEqual(await secret(afterRotation), firstValue);
      assert.ok((await rejectionOf(secret(beforeRotation))) instanceof DeploymentSecretUnwrapError);
    });

    it('refuses a master key that is not the database’s, rather than making another secret', async () => {
      // given a secret created under the old key
      await secret(beforeRotation);

      // when an unrelated key is configured alone
      const refusal = await rejectionOf(secret({ current: randomBytes(32), previous: [] }));

      // then it is refused by name
      assert.ok(refusal instanceof DeploymentSecretUnwrapError);
      assert.equal(refusal.secretName, 'portal-totp-seal');
    });

    it('keeps every usager’s data readable through the rotation, without touching an event', async () => {
      // given three usagers written under the old key, one of them forgotten
      const organisationId = uniqueOrganisationId();
      const streamId = uniqueStreamId();
      const usagers = ['usager-a', 'usager-b', 'usager-c'];
      await storeWith(beforeRotation).appendToStream(
        streamId,
        usagers.map((serviceUserId) =>
          testEvent(organisationId, { data: { note: `note de ${serviceUserId}` }, metadata: { serviceUserId } }),
        ),
      );
      await storeWith(beforeRotation).forget('usager-c');
      const rawBefore = await knex.raw(`select id, data::text, hash from ${schema}.events order by global_position`);

      // when a usager is written during the rotation, and the wraps are renewed page by page
      await storeWith(duringRotation).appendToStream(streamId, [
        testEvent(organisationId, { data: { note: 'note de usager-d' }, metadata: { serviceUserId: 'usager-d' } }),
      ]);
      const readDuring = await storeWith(duringRotation).readStream(streamId);
      const report = await rewrapUnderCurrentMasterKey(knex, { schema, masterKeys: duringRotation, pageSize: 1 });

      // then the new key alone reads what the old one wrote, the forgotten usager stays erased,
      // the events are the same bytes and still verify, and the old key alone opens nothing
      assert.deepEqual(report.dataKeys, { rewrapped: 2, alreadyCurrent: 1 });
      const readAfter = await storeWith(afterRotation).readStream(streamId);
      assert.deepEqual(readAfter, readDuring);
      assert.deepEqual(
        readAfter.map((event) => (isErased(event.data) ? 'effacé' : (event.data as { note: string }).note)),
        ['note de usager-a', 'note de usager-b', 'effacé', 'note de usager-d'],
      );
      const rawAfter = await knex.raw(`select id, data::text, hash from ${schema}.events order by global_position`);
      assert.deepEqual(rawAfter.rows.slice(0, 3), rawBefore.rows);
      assert.equal((await storeWith(afterRotation).verifyIntegrity()).ok, true);
      assert.ok((await rejectionOf(storeWith(beforeRotation).readStream(streamId))) instanceof DataKeyUnwrapError);
    });

    it('renews nothing twice: a second pass finds every wrap current', async () => {
      // given usagers written under the old key, and a first pass done
      const organisationId = uniqueOrganisationId();
      const store = storeWith(beforeRotation);
      for (const serviceUserId of ['usager-a', 'usager-b'])
        await store.appendToStream(uniqueStreamId(), [testEvent(organisationId, { metadata: { serviceUserId } })]);
      await secret(beforeRotation);
      await rewrapUnderCurrentMasterKey(knex, { schema, masterKeys: duringRotation });

      // when the pass runs again
      const again = await rewrapUnderCurrentMasterKey(knex, { schema, masterKeys: duringRotation });

      // then
      assert.deepEqual(again, {
        dataKeys: { rewrapped: 0, alreadyCurrent: 2 },
        deploymentSecrets: { rewrapped: 0, alreadyCurrent: 1 },
      });
    });

    it('stops at a data key no configured master key opens, naming its usager', async () => {
      // given a usager written under a key the rotation does not list
      const organisationId = uniqueOrganisationId();
      await storeWith({ current: randomBytes(32), previous: [] }).appendToStream(uniqueStreamId(), [
        testEvent(organisationId, { metadata: { serviceUserId: 'usager-lost' } }),
      ]);

      // when
      const refusal = await rejectionOf(rewrapUnderCurrentMasterKey(knex, { schema, masterKeys: duringRotation }));

      // then
      assert.ok(refusal instanceof DataKeyUnwrapError);
      assert.equal(refusal.serviceUserId, 'usager-lost');
    });
  });
}

describeMasterKeyRotation('PostgreSQL', () => testPostgres());
describeMasterKeyRotation('PGlite', () => openPglite());
