import { setTimeout as sleep } from 'node:timers/promises';
import { type LeaseManager, readReportingEvents } from '@dui-pds/projections';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';

export interface ReportingRelayOptions {
  knex: Knex;
  /** The outbox's read schema. */
  outboxSchema: string;
  /** Where the relay keeps its cursor (the store's schema). */
  schema: string;
  redis: Redis;
  /** One relay publishes at a time, across servers. */
  leases: LeaseManager;
  /** Streams are `<prefix><organisationId>`; `dui:reporting:` by default. */
  streamPrefix?: string;
  /** Pause when nothing is left to publish (or the lease is elsewhere); 500 ms by default. */
  pollMs?: number;
  batchSize?: number;
  /** The first failure of an outage (Redis or PostgreSQL away): not each retry, every `pollMs`. */
  onError?: (error: unknown) => void;
  /** The relay works again after `onError`. */
  onRecovered?: () => void;
}

const CURSORS = 'reporting_relay_cursors';

/**
 * Follows the reporting outbox with a cursor of its own and publishes each event to the Redis
 * stream of its organisme gestionnaire (`XADD dui:reporting:<organisationId> * id … event …`).
 * The cursor moves only once Redis has taken the batch: at least once, never skipping; after a
 * crash between the two, the batch is published again and consumers drop what they have by the
 * entry's `id`. A lease keeps two servers from publishing together.
 */
export class ReportingRelay {
  readonly #options: Required<Omit<ReportingRelayOptions, 'onError' | 'onRecovered'>> &
    Pick<ReportingRelayOptions, 'onError' | 'onRecovered'>;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  constructor(options: ReportingRelayOptions) {
    this.#options = { streamPrefix: 'dui:reporting:', pollMs: 500, batchSize: 200, ...options };
  }

  /** Creates the cursors' table; safe to run from several processes. */
  static async migrate(knex: Knex, schema: string): Promise<void> {
    await knex.transaction(async (trx) => {
      // `if not exists` alone races on the catalog when two servers start together: one of them fails
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`${schema}.${CURSORS}`]);
      await trx.raw(
        `create table if not exists ??.?? (relay text primary key, cursor text not null, updated_at timestamptz not null default now())`,
        [schema, CURSORS],
      );
    });
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  /** Publishes what the outbox holds beyond the cursor, one batch; how many events it published. */
  async publishBatch(): Promise<number> {
    const { knex, outboxSchema, redis, batchSize, streamPrefix } = this.#options;
    const after = await this.#cursor();
    const { events, next } = await readReportingEvents(knex, outboxSchema, { after, limit: batchSize });
    if (events.length === 0) return 0;
    const pipeline = redis.multi();
    for (const { cursor: _cursor, ...event } of events) {
      pipeline.xadd(
        `${streamPrefix}${event.organisationId}`,
        '*',
        'id',
        event.id,
        'type',
        event.type,
        'version',
        String(event.version),
        'event',
        JSON.stringify(event),
      );
    }
    const replies = await pipeline.exec();
    const failed = replies?.find(([error]) => error !== null);
    if (!replies || failed) throw failed?.[0] ?? new Error('Redis did not run the batch');
    await knex
      .withSchema(this.#options.schema)
      .table(CURSORS)
      .insert({ relay: streamPrefix, cursor: next, updated_at: knex.fn.now() })
      .onConflict('relay')
      .merge();
    return events.length;
  }

  async #cursor(): Promise<string | undefined> {
    const row = (await this.#options.knex
      .withSchema(this.#options.schema)
      .table(CURSORS)
      .where({ relay: this.#options.streamPrefix })
      .first('cursor')) as { cursor: string } | undefined;
    return row?.cursor;
  }

  async #run(): Promise<void> {
    const { leases, pollMs, schema } = this.#options;
    const signal = this.#stop.signal;
    let failing = false;
    while (!signal.aborted) {
      try {
        const lease = await leases.tryAcquire(`reporting-relay:${schema}`);
        if (failing) {
          failing = false;
          this.#options.onRecovered?.();
        }
        if (!lease) {
          await pause(pollMs, signal);
          continue;
        }
        try {
          while (!signal.aborted && !lease.lost.aborted) {
            const published = await this.publishBatch();
            if (published === 0) await pause(pollMs, signal);
          }
        } finally {
          await lease.release();
        }
      } catch (error) {
        if (signal.aborted) return;
        if (!failing) this.#options.onError?.(error);
        failing = true;
        await pause(pollMs, signal);
      }
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}

/** A started relay, its table created: what the server runs where Redis is configured. */
export async function reportingRelay(options: ReportingRelayOptions): Promise<ReportingRelay> {
  await ReportingRelay.migrate(options.knex, options.schema);
  const relay = new ReportingRelay(options);
  relay.start();
  return relay;
}
