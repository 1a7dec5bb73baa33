import { createHmac, hkdfSync } from 'node:crypto';
import { openJson, SEALING_KEY_BYTES, sealJson } from '../auth/sealed-json.js';
import type {
  IdempotencyClaim,
  IdempotencyKeeper,
  IdempotencyStore,
  KeptAnswer,
  SealedResponse,
  StoredResponse,
} from './idempotency-store.js';

/** Sealed under one context per key: an answer copied under another key does not open there. */
const ANSWER_CONTEXT = 'dui-pds/idempotent-answer/v1';

/**
 * Keeps commands' answers sealed in the adapter (ADR 0025). An answer is kept a day so that a
 * retry gets it again, and some carry what must never rest in clear: the name an anonymous usager
 * gives for a certificate of care (L.3414-1 CSP), an ICS feed's secret link, personal data of
 * every kind. Redis and the `idempotency_keys` table, their dumps and their backups, now hold only
 * ciphertext (AES-256-GCM under a deployment secret) and, in place of the request's fingerprint,
 * its HMAC: a plain hash would let whoever guesses a body (a name, a date) confirm it.
 *
 * The middleware compares fingerprints only for equality; a claim held by another request gives
 * back the kept HMAC, which matches nothing the middleware computes.
 */
export class SealedIdempotencyStore implements IdempotencyStore {
  readonly #sealingKey: Buffer;
  readonly #fingerprintKey: Buffer;

  constructor(
    private readonly keeper: IdempotencyKeeper,
    /** The deployment's secret for idempotent answers, 32 bytes. */
    secret: Buffer,
  ) {
    if (secret.length !== SEALING_KEY_BYTES) {
      throw new RangeError(`the idempotent answers' secret is ${SEALING_KEY_BYTES} bytes, not ${secret.length}`);
    }
    this.#sealingKey = subkey(secret, 'dui-pds/idempotent-answers/seal/v1');
    this.#fingerprintKey = subkey(secret, 'dui-pds/idempotent-answers/fingerprint/v1');
  }

  async claim(key: string, fingerprint: string, lockTtlMs: number): Promise<IdempotencyClaim> {
    const claim = await this.keeper.claim(key, this.#keptFingerprint(fingerprint), lockTtlMs);
    if (claim.state === 'claimed') return claim;
    const sameRequest = this.#isSameRequest(claim.fingerprint, fingerprint);
    const heldFingerprint = sameRequest ? fingerprint : claim.fingerprint;
    if (claim.state === 'in-progress') return { state: 'in-progress', fingerprint: heldFingerprint };
    return { state: 'completed', fingerprint: heldFingerprint, response: this.#open(key, claim.response) };
  }

  async complete(key: string, token: string, response: StoredResponse, ttlMs: number): Promise<void> {
    const sealed: SealedResponse = { sealed: sealJson(this.#sealingKey, answerContext(key), response) };
    await this.keeper.complete(key, token, sealed, ttlMs);
  }

  async release(key: string, token: string): Promise<void> {
    await this.keeper.release(key, token);
  }

  #keptFingerprint(fingerprint: string): string {
    return createHmac('sha256', this.#fingerprintKey).update(fingerprint).digest('hex');
  }

  /** The HMAC kept since sealing; the plain hash a version before it kept. */
  #isSameRequest(held: string, fingerprint: string): boolean {
    return held === this.#keptFingerprint(fingerprint) || held === fingerprint;
  }

  #open(key: string, kept: KeptAnswer): StoredResponse {
    if (!('sealed' in kept)) return kept;
    const opened = openJson(this.#sealingKey, answerContext(key), kept.sealed);
    if (!isStoredResponse(opened)) throw new IdempotentAnswerUnreadableError();
    return opened;
  }
}

/**
 * A kept answer that does not open: altered where it is kept, or sealed under another secret. The
 * command is not run again, for it may have done what cannot be undone (a message sent); the
 * client sends it with a new key once it has checked what the first did.
 */
export class IdempotentAnswerUnreadableError extends Error {
  override readonly name = 'IdempotentAnswerUnreadableError';
  constructor() {
    super('the kept answer of this idempotency key does not open (altered, or sealed under another secret)');
  }
}

function subkey(secret: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), label, SEALING_KEY_BYTES));
}

function answerContext(key: string): string {
  return `${ANSWER_CONTEXT}\u0000${key}`;
}

function isStoredResponse(value: unknown): value is StoredResponse {
  if (typeof value !== 'object' || value === null) return false;
  const { status, headers, body } = value as Record<string, unknown>;
  return (
    typeof status === 'number' &&
    typeof body === 'string' &&
    typeof headers === 'object' &&
    headers !== null &&
    Object.values(headers).every((header) => typeof header === 'string')
  );
}
