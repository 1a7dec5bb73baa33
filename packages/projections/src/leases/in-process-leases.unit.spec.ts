import { expect } from 'chai';
import { InProcessLeaseManager } from './in-process-leases.js';
import { LeaseManagerClosed } from './lease.js';
import { describeLeaseManagerBehaviour, uniqueLeaseKey } from './lease-manager-behaviour.js';

describe('InProcessLeaseManager', () => {
  describeLeaseManagerBehaviour({
    open: () => {
      const manager = new InProcessLeaseManager();
      return [manager, manager];
    },
  });

  it('refuses to grant leases once closed', async () => {
    // given
    const manager = new InProcessLeaseManager();
    await manager.close();

    // when
    const attempt = manager.tryAcquire(uniqueLeaseKey());

    // then
    await attempt.then(
      () => expect.fail('a closed manager granted a lease'),
      (error: unknown) => expect(error).to.be.instanceOf(LeaseManagerClosed),
    );
  });
});
