/**
 * Where commands' idempotency keys live between a request and its retries. The key a store sees
 * is already scoped to the caller and hashed; the fingerprint is the hash of what was asked.
 */
export interface IdempotencyStore {
  /**
   * Claims the key for a new request, for `lockTtlMs` (after which a crashed request's claim
   * lapses), or tells what already holds it.
   */
  claim(key: string, fingerprint: string, lockTtlMs: number): Promise<IdempotencyClaim>;
  /** Keeps the answer of a claimed request for `ttlMs`; does nothing if the claim was lost. */
  complete(key: string, token: string, response: StoredResponse, ttlMs: number): Promise<void>;
  /** Forgets a claim (the request failed in a way a retry may fix); does nothing if it was lost. */
  release(key: string, token: string): Promise<void>;
}

export type IdempotencyClaim =
  | { state: 'claimed'; token: string }
  | { state: 'in-progress'; fingerprint: string }
  | { state: 'completed'; fingerprint: string; response: StoredResponse };

/** An answer as it is replayed: status, the headers that matter, the body bytes in base64. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** A request still unanswered after this long has crashed or hung: its key may be claimed again. */
export const IDEMPOTENCY_LOCK_TTL_MS = 5 * 60 * 1000;
