import { TEST_DATABASE_URL } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import pg from 'pg';
import type { LeaseManager } from './lease.js';
import { abortedWithin, describeLeaseManagerBehaviour, uniqueLeaseKey } from './lease-manager-behaviour.js';
import { PostgresAdvisoryLeaseManager, PostgresLeaseConnectionLost } from './postgres-advisory-leases.js';

describe('PostgresAdvisoryLeaseManager', () => {
  describeLeaseManagerBehaviour({
    open: () => [
      new PostgresAdvisoryLeaseManager(TEST_DATABASE_URL),
      new PostgresAdvisoryLeaseManager(TEST_DATABASE_URL),
    ],
  });

  describe('when the holder’s connection dies', () => {
    let admin: pg.Client;
    let holder: LeaseManager;
    let successor: LeaseManager;

    beforeEach(async () => {
      admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      holder = new PostgresAdvisoryLeaseManager(TEST_DATABASE_URL, { heartbeatMs: 100 });
      successor = new PostgresAdvisoryLeaseManager(TEST_DATABASE_URL, { heartbeatMs: 100 });
    });

    afterEach(async () => {
      await Promise.all([holder.close(), successor.close(), admin.end()]);
    });

    it('aborts lost and lets another manager take the key at once', async () => {
      // given
      const key = uniqueLeaseKey();
      const lease = await holder.tryAcquire(key);
      expect(await successor.tryAcquire(key)).to.equal(undefined);

      // when
      const pid = await backendHolding(admin, key);
      await admin.query('select pg_terminate_backend($1)', [pid]);

      // then
      await abortedWithin(lease!.lost, 2000);
      expect(lease!.lost.reason).to.be.instanceOf(PostgresLeaseConnectionLost);
      expect(await successor.tryAcquire(key)).to.not.equal(undefined);
    });
  });
});

async function backendHolding(admin: pg.Client, key: string): Promise<number> {
  // A bigint advisory key shows in pg_locks as its high half (classid) and low half (objid).
  const { rows } = await admin.query<{ pid: number }>(
    `select l.pid from pg_locks l
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1
        and ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
    [key],
  );
  expect(rows).to.have.length(1);
  return rows[0]!.pid;
}
