import { deriveSealingKey, openJson, sealJson } from './sealed-json.js';
import type { ProviderSession, SessionRecord, SessionStore } from './session-store.js';

const CONTEXT = 'dui-pds session provider tokens v1';
const KEY_LABEL = 'dui-pds session provider tokens key v1';

/** How the provider's tokens are stored: sealed, never as they came. */
interface SealedProviderSession {
  sealed: string;
}

/**
 * The first value of the key that seals sessions' provider tokens, derived from the master key as
 * earlier versions did; the deployment then keeps it as a stored secret (`loadDeploymentSecrets`).
 */
export function deriveSessionTokensKey(masterKey: Uint8Array): Buffer {
  return deriveSealingKey(masterKey, KEY_LABEL);
}

/**
 * Keeps the tokens a provider gave at login (the ID token, the refresh token) sealed in whatever
 * store holds the sessions, PostgreSQL and Redis alike: a copy of either (a backup, a replica, a
 * dump of Redis) gives nobody a refresh token to use at Pro Santé Connect. The rest of the record
 * says who logged in and until when, and stays readable for the stores' own needs.
 *
 * A record whose tokens cannot be opened (sealed under another master key, or altered) is no
 * session: the professional logs in again. Records written before sealing are read as they are,
 * so that turning it on logs nobody out.
 */
export class SealedTokensSessionStore implements SessionStore {
  readonly #inner: SessionStore;
  readonly #key: Buffer;

  constructor(inner: SessionStore, key: Buffer) {
    this.#inner = inner;
    this.#key = key;
  }

  async put(sessionId: string, record: SessionRecord): Promise<void> {
    const { providerSession } = record;
    if (providerSession === undefined) return this.#inner.put(sessionId, record);
    const sealed: SealedProviderSession = { sealed: sealJson(this.#key, CONTEXT, providerSession) };
    await this.#inner.put(sessionId, { ...record, providerSession: sealed as unknown as ProviderSession });
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const record = await this.#inner.get(sessionId);
    const stored = record?.providerSession as ProviderSession | SealedProviderSession | undefined;
    if (record === undefined || stored === undefined || !('sealed' in stored)) return record;
    const providerSession = openJson(this.#key, CONTEXT, stored.sealed);
    if (!isProviderSession(providerSession)) return undefined;
    return { ...record, providerSession };
  }

  delete(sessionId: string): Promise<void> {
    return this.#inner.delete(sessionId);
  }
}

function isProviderSession(value: unknown): value is ProviderSession {
  if (typeof value !== 'object' || value === null) return false;
  const session = value as Record<string, unknown>;
  return (
    typeof session.idToken === 'string' &&
    typeof session.subject === 'string' &&
    (session.refreshToken === undefined || typeof session.refreshToken === 'string')
  );
}
