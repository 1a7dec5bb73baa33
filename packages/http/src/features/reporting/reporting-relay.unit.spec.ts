import { setTimeout as sleep } from 'node:timers/promises';
import type { LeaseManager } from '@dui-pds/projections';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { ReportingRelay } from './reporting-relay.js';

describe('the reporting relay’s failures', () => {
  it('reports an outage once, however many retries fail, and says when it works again', async () => {
    // given leases that fail 20 times in a row (Redis away), then work (nobody else holds the lease)
    let failuresLeft = 20;
    const leases: LeaseManager = {
      async tryAcquire() {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('Connection is closed.');
        }
        return undefined;
      },
      async close() {},
    };
    const errors: unknown[] = [];
    let recoveries = 0;
    const relay = new ReportingRelay({
      // never reached: the relay publishes only under a lease
      knex: {} as Knex,
      redis: {} as Redis,
      outboxSchema: 'unused',
      schema: 'unused',
      leases,
      pollMs: 1,
      onError: (error) => errors.push(error),
      onRecovered: () => {
        recoveries += 1;
      },
    });

    // when
    relay.start();
    for (let waited = 0; recoveries === 0 && waited < 5_000; waited += 10) await sleep(10);
    await relay.stop();

    // then
    expect(failuresLeft).to.equal(0);
    expect(errors).to.have.length(1);
    expect(recoveries).to.equal(1);
  });
});
