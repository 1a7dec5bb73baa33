/**
 * A lease says "this worker processes this projection build now; nobody else does".
 *
 * Holding a lease is a strong hint, not a proof: between the moment a lease is lost (a dropped
 * connection, an expired key) and the moment its holder notices, another worker may already hold
 * it. Writes that must never be done twice still need their own guard (a conditional checkpoint).
 */
export interface Lease {
  readonly key: string;
  /** Aborted when the lease is lost (connection dropped, renewal failed, released). */
  readonly lost: AbortSignal;
  /** Gives the lease up; idempotent. */
  release(): Promise<void>;
}

export interface LeaseManager {
  /** The lease on `key` if nobody holds it, else undefined; never waits for it. */
  tryAcquire(key: string): Promise<Lease | undefined>;
  /** Releases every lease still held and closes what the manager opened. */
  close(): Promise<void>;
}

export class LeaseManagerClosed extends Error {
  constructor() {
    super('The lease manager is closed');
    this.name = 'LeaseManagerClosed';
  }
}

export class LeaseReleased extends Error {
  constructor(key: string) {
    super(`The lease on ${key} was released`);
    this.name = 'LeaseReleased';
  }
}
