import type { IdempotencyClaim, IdempotencyKeeper, KeptAnswer } from './idempotency-store.js';

/** Marks the tokens of claims the fallback made, so that their answer goes back to it. */
const FALLBACK_TOKEN = 'fallback:';

export interface FallbackIdempotencyStoreOptions {
  /** Told when the primary store fails and the fallback takes over, and when the primary answers again. */
  onDegraded?: (error: unknown) => void;
  onRecovered?: () => void;
}

/**
 * Redis first, PostgreSQL while Redis is away (ADR 0018). A claim is completed or released in the
 * store that made it. During the switch a key may be claimed in both: the command then runs
 * twice, and the event store's own idempotency (event ids derived from the command id) still
 * records it once and gives the first result.
 */
export class FallbackIdempotencyStore implements IdempotencyKeeper {
  #degraded = false;

  constructor(
    private readonly primary: IdempotencyKeeper,
    private readonly fallback: IdempotencyKeeper,
    private readonly options: FallbackIdempotencyStoreOptions = {},
  ) {}

  async claim(key: string, fingerprint: string, lockTtlMs: number): Promise<IdempotencyClaim<KeptAnswer>> {
    let claim: IdempotencyClaim<KeptAnswer>;
    try {
      claim = await this.primary.claim(key, fingerprint, lockTtlMs);
    } catch (error) {
      this.#noteFailure(error);
      const fallbackClaim = await this.fallback.claim(key, fingerprint, lockTtlMs);
      return fallbackClaim.state === 'claimed'
        ? { state: 'claimed', token: FALLBACK_TOKEN + fallbackClaim.token }
        : fallbackClaim;
    }
    this.#noteSuccess();
    return claim;
  }

  async complete(key: string, token: string, response: KeptAnswer, ttlMs: number): Promise<void> {
    if (token.startsWith(FALLBACK_TOKEN)) return this.fallback.complete(key, fallbackToken(token), response, ttlMs);
    return this.primary.complete(key, token, response, ttlMs);
  }

  async release(key: string, token: string): Promise<void> {
    if (token.startsWith(FALLBACK_TOKEN)) return this.fallback.release(key, fallbackToken(token));
    return this.primary.release(key, token);
  }

  #noteFailure(error: unknown): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.options.onDegraded?.(error);
  }

  #noteSuccess(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.options.onRecovered?.();
  }
}

function fallbackToken(token: string): string {
  return token.slice(FALLBACK_TOKEN.length);
}
