import { randomUUID } from 'node:crypto';
import type { IdempotencyClaim, IdempotencyKeeper, KeptAnswer } from './idempotency-store.js';

interface Entry {
  fingerprint: string;
  token: string;
  response: KeptAnswer | undefined;
  expiresAt: number;
}

/** Idempotency keys in this process only: for tests, and a single process that wants no table. */
export class InMemoryIdempotencyStore implements IdempotencyKeeper {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(key: string, fingerprint: string, lockTtlMs: number): Promise<IdempotencyClaim<KeptAnswer>> {
    const held = this.entries.get(key);
    if (held !== undefined && held.expiresAt > this.now()) {
      return held.response === undefined
        ? { state: 'in-progress', fingerprint: held.fingerprint }
        : { state: 'completed', fingerprint: held.fingerprint, response: held.response };
    }
    const token = randomUUID();
    this.entries.set(key, { fingerprint, token, response: undefined, expiresAt: this.now() + lockTtlMs });
    return { state: 'claimed', token };
  }

  async complete(key: string, token: string, response: KeptAnswer, ttlMs: number): Promise<void> {
    const held = this.entries.get(key);
    if (held?.token !== token) return;
    held.response = response;
    held.expiresAt = this.now() + ttlMs;
  }

  async release(key: string, token: string): Promise<void> {
    if (this.entries.get(key)?.token === token) this.entries.delete(key);
  }
}
