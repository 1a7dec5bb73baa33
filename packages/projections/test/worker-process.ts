/**
 * A projection worker as its own process, for the tests that kill one: follows the counting
 * projection and prints one JSON line per batch. Configured by the environment:
 * DATABASE_URL, STORE_SCHEMA, WORKER_ID, LEASES (`postgres` | `redis`), REDIS_URL.
 */
import { connectPostgres, PostgresEventStore } from '@dui-pds/eventstore';
import { Redis } from 'ioredis';
import { RedisLeaseManager } from '../src/leases/index.js';
import { ProjectionRuntime } from '../src/runtime/projection-runtime.js';
import { countingProjection } from '../src/testing/counting-projection.js';
import { RedisAppendNotifier } from '../src/wake-up/index.js';

const { DATABASE_URL, STORE_SCHEMA, WORKER_ID, LEASES, REDIS_URL } = process.env;
const knex = connectPostgres(DATABASE_URL!);
const redisUrl = REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = LEASES === 'redis' ? new Redis(redisUrl) : undefined;
const notifier = await RedisAppendNotifier.connect(redisUrl, { channel: `dui:appended:${STORE_SCHEMA}` });
const store = new PostgresEventStore(knex, { schema: STORE_SCHEMA, notifier });
const runtime = new ProjectionRuntime({
  knex,
  store,
  schema: STORE_SCHEMA,
  projections: [countingProjection],
  notifier,
  leases: redis ? new RedisLeaseManager(redis, { ttlMs: 3_000 }) : undefined,
  pollIntervalMs: 200,
  leaseRetryMs: 200,
  onBatch: (batch) => process.stdout.write(`${JSON.stringify({ kind: 'batch', worker: WORKER_ID, ...batch })}\n`),
  onError: (error) => process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`),
});
await runtime.migrate();
process.stdout.write(`${JSON.stringify({ kind: 'ready', worker: WORKER_ID })}\n`);
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
await runtime.follow(countingProjection.name, stop.signal);
await runtime.close();
await notifier.close();
redis?.disconnect();
await knex.destroy();
