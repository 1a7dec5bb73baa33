import pg from 'pg';
import { type Lease, type LeaseManager, LeaseManagerClosed, LeaseReleased } from './lease.js';

export interface PostgresAdvisoryLeaseOptions {
  /** How often each lease checks that its connection is alive; 2000 by default. */
  heartbeatMs?: number;
}

export class PostgresLeaseConnectionLost extends Error {
  constructor(key: string, options?: { cause?: unknown }) {
    super(`The connection holding the lease on ${key} was lost`, options);
    this.name = 'PostgresLeaseConnectionLost';
  }
}

/**
 * Session-level advisory locks, one dedicated connection per lease: when a process dies, the
 * server drops its connections and the locks go with them, so another process takes over at once
 * without waiting for any expiry.
 */
export class PostgresAdvisoryLeaseManager implements LeaseManager {
  readonly #connectionString: string;
  readonly #heartbeatMs: number;
  readonly #held = new Set<PostgresAdvisoryLease>();
  #closed = false;

  constructor(connectionString: string, options: PostgresAdvisoryLeaseOptions = {}) {
    this.#connectionString = connectionString;
    this.#heartbeatMs = options.heartbeatMs ?? 2000;
  }

  async tryAcquire(key: string): Promise<Lease | undefined> {
    if (this.#closed) throw new LeaseManagerClosed();
    const client = new pg.Client({ connectionString: this.#connectionString, keepAlive: true });
    // Without a listener, an 'error' emitted before the lease exists would crash the process.
    client.on('error', ignore);
    let locked: boolean;
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        'select pg_try_advisory_lock(hashtextextended($1, 0)) as locked',
        [key],
      );
      locked = rows[0]?.locked === true;
    } catch (error) {
      await client.end().catch(ignore);
      throw error;
    }
    if (!locked) {
      await client.end().catch(ignore);
      return undefined;
    }
    const lease = new PostgresAdvisoryLease(key, client, this.#heartbeatMs, () => this.#held.delete(lease));
    this.#held.add(lease);
    // close() may have run while this connection was being opened.
    if (this.#closed) {
      await lease.release();
      throw new LeaseManagerClosed();
    }
    return lease;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#held].map((lease) => lease.release()));
  }
}

class PostgresAdvisoryLease implements Lease {
  readonly #controller = new AbortController();
  readonly lost = this.#controller.signal;
  readonly #client: pg.Client;
  readonly #forget: () => void;
  readonly #heartbeat: NodeJS.Timeout;
  #heartbeatInFlight = false;
  #released: Promise<void> | undefined;
  #ended: Promise<void> | undefined;

  constructor(
    readonly key: string,
    client: pg.Client,
    heartbeatMs: number,
    forget: () => void,
  ) {
    this.#client = client;
    this.#forget = forget;
    client.on('error', (error) => this.#lose(error));
    client.on('end', () => this.#lose(undefined));
    this.#heartbeat = setInterval(() => this.#beat(), heartbeatMs).unref();
  }

  release(): Promise<void> {
    this.#released ??= this.#release();
    return this.#released;
  }

  async #release(): Promise<void> {
    const wasLost = this.lost.aborted;
    // Abort before unlocking, so that the holder stops working before anybody else can start.
    this.#stop(new LeaseReleased(this.key));
    if (!wasLost) {
      await this.#client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [this.key]).catch(ignore);
    }
    await this.#end();
  }

  #beat(): void {
    // A heartbeat still unanswered a period later means a dead link (no error ever comes on a
    // partition) while the server may already have dropped the session and its lock.
    if (this.#heartbeatInFlight) {
      this.#lose(new Error('heartbeat unanswered'));
      return;
    }
    this.#heartbeatInFlight = true;
    this.#client.query('select 1').then(
      () => {
        this.#heartbeatInFlight = false;
      },
      (error: unknown) => this.#lose(error),
    );
  }

  #lose(cause: unknown): void {
    if (this.lost.aborted) return;
    this.#stop(new PostgresLeaseConnectionLost(this.key, { cause }));
    // The session may still hold the lock (a stalled link): ending it is what lets it go.
    void this.#end();
  }

  #end(): Promise<void> {
    this.#ended ??= this.#client.end().catch(ignore);
    return this.#ended;
  }

  #stop(reason: Error): void {
    clearInterval(this.#heartbeat);
    this.#forget();
    this.#controller.abort(reason);
  }
}

function ignore(): void {}
