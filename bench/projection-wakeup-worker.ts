/**
 * The other process of `projection_wakeup_ms`: follows a tiny async projection and prints, once
 * each batch has committed, one JSON line per event it applied with the moment its `evolve` ran
 * (`performance.timeOrigin + performance.now()`, comparable with the parent's on one machine).
 * Configured by the environment: DATABASE_URL, STORE_SCHEMA, EVENT_TYPE (the one type it handles),
 * POLL_INTERVAL_MS, and REDIS_URL with REDIS_CHANNEL for the Redis notifier (without REDIS_CHANNEL
 * it only polls: the baseline).
 */
import { connectPostgres, PostgresEventStore } from '@dui-pds/eventstore';
import { defineProjection, ProjectionRuntime, RedisAppendNotifier } from '@dui-pds/projections';

interface Applied {
  id: string;
  appliedAt: number;
}

const { DATABASE_URL, STORE_SCHEMA, EVENT_TYPE, POLL_INTERVAL_MS, REDIS_URL, REDIS_CHANNEL } = process.env;
if (!DATABASE_URL || !STORE_SCHEMA || !EVENT_TYPE)
  throw new Error('DATABASE_URL, STORE_SCHEMA and EVENT_TYPE are required');

// what evolve saw in the batch under way: printed only after its commit, dropped if it failed,
// so that a retried batch does not report its events twice
let pending: Applied[] = [];

const probe = defineProjection({
  name: 'wakeup_probe',
  version: 1,
  handles: [EVENT_TYPE],
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('applied', (table) => {
      table.uuid('event_id').primary();
      table.double('applied_at').notNullable();
    });
  },
  async evolve(event, { db, schema }) {
    const appliedAt = performance.timeOrigin + performance.now();
    // a real write, as any projection makes, committed with the checkpoint
    await db.raw(`insert into ${schema}.applied (event_id, applied_at) values (?, ?)`, [event.id, appliedAt]);
    pending.push({ id: event.id, appliedAt });
  },
});

const knex = connectPostgres(DATABASE_URL);
const notifier = REDIS_CHANNEL
  ? await RedisAppendNotifier.connect(REDIS_URL ?? 'redis://127.0.0.1:6379', { channel: REDIS_CHANNEL })
  : undefined;
const store = new PostgresEventStore(knex, { schema: STORE_SCHEMA, notifier });
const runtime = new ProjectionRuntime({
  knex,
  store,
  schema: STORE_SCHEMA,
  projections: [probe],
  notifier,
  pollIntervalMs: POLL_INTERVAL_MS ? Number(POLL_INTERVAL_MS) : undefined,
  leaseRetryMs: 100,
  onBatch: (batch) => {
    const done = pending;
    pending = [];
    if (batch.outcome !== 'applied') return;
    for (const applied of done) {
      process.stdout.write(`${JSON.stringify({ kind: 'applied', ...applied, committedAt: batch.finishedAt })}\n`);
    }
  },
  onError: (error) => {
    pending = [];
    process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`);
  },
});

const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
process.on('SIGINT', () => stop.abort());
try {
  await runtime.migrate();
  process.stdout.write(`${JSON.stringify({ kind: 'ready' })}\n`);
  await runtime.follow(probe.name, stop.signal);
} finally {
  await runtime.close();
  await notifier?.close();
  await knex.destroy();
}
