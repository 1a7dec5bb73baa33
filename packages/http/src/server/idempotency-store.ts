/**
 * Where commands' idempotency keys live between a request and its retries. The key a store sees
 * is already scoped to the caller and hashed; the fingerprint is the hash of what was asked.
 *
 * The adapters (Redis, PostgreSQL, memory) keep `KeptAnswer`s; the command routes take only a
 * store of plain answers, which `SealedIdempotencyStore` makes of an adapter: no answer is ever
 * kept in clear (ADR 0025).
 */
export interface IdempotencyStore<Answer = StoredResponse> {
  /**
   * Claims the key for a new request, for `lockTtlMs` (after which a crashed request's claim
   * lapses), or tells what already holds it.
   */
  claim(key: string, fingerprint: string, lockTtlMs: number): Promise<IdempotencyClaim<Answer>>;
  /** Keeps the answer of a claimed request for `ttlMs`; does nothing if the claim was lost. */
  complete(key: string, token: string, response: Answer, ttlMs: number): Promise<void>;
  /** Forgets a claim (the request failed in a way a retry may fix); does nothing if it was lost. */
  release(key: string, token: string): Promise<void>;
}

export type IdempotencyClaim<Answer = StoredResponse> =
  | { state: 'claimed'; token: string }
  | { state: 'in-progress'; fingerprint: string }
  | { state: 'completed'; fingerprint: string; response: Answer };

/** An answer as it is replayed: status, the headers that matter, the body bytes in base64. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An answer as an adapter keeps it: AES-256-GCM, base64url (`SealedIdempotencyStore`). */
export interface SealedResponse {
  sealed: string;
}

/**
 * What an adapter holds: a sealed answer, or a plain one that a version before sealing kept (for
 * at most a day after the upgrade, the keys' lifetime).
 */
export type KeptAnswer = SealedResponse | StoredResponse;

/** An adapter: what it keeps is opaque to it. */
export type IdempotencyKeeper = IdempotencyStore<KeptAnswer>;

export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** A request still unanswered after this long has crashed or hung: its key may be claimed again. */
export const IDEMPOTENCY_LOCK_TTL_MS = 5 * 60 * 1000;
