export { InProcessLeaseManager } from './in-process-leases.js';
export { type Lease, type LeaseManager, LeaseManagerClosed, LeaseReleased } from './lease.js';
export {
  PostgresAdvisoryLeaseManager,
  type PostgresAdvisoryLeaseOptions,
  PostgresLeaseConnectionLost,
} from './postgres-advisory-leases.js';
export { RedisLeaseExpired, RedisLeaseManager, type RedisLeaseOptions } from './redis-leases.js';
