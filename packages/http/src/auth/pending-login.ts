import { deriveSealingKey, openJson, SEALING_KEY_BYTES, sealJson } from './sealed-json.js';

/** What must survive the trip to the provider and back, and never be seen or altered by the user agent. */
export interface PendingLogin {
  provider: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** A local path, checked before it was sealed. */
  returnTo: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export const PENDING_LOGIN_LIFETIME_MS = 10 * 60 * 1000;
export const PENDING_LOGIN_KEY_BYTES = SEALING_KEY_BYTES;

const CONTEXT = 'dui-pds pending OIDC login v1';
const KEY_LABEL = 'dui-pds pending OIDC login key v1';

/**
 * The first value of the pending login key, derived from the master key as earlier versions did;
 * the deployment then keeps it as a stored secret (`loadDeploymentSecrets`) that every instance
 * reads: a login begun on one instance ends on whichever the load balancer sends the provider's
 * callback to. The label keeps it apart from the master key's other uses.
 */
export function derivePendingLoginKey(masterKey: Uint8Array): Buffer {
  return deriveSealingKey(masterKey, KEY_LABEL);
}

/**
 * Seals a pending login into a cookie value with AES-256-GCM: the code verifier stays secret and any
 * tampering is detected. Servers behind one load balancer share the key.
 */
export function sealPendingLogin(key: Buffer, login: PendingLogin): string {
  return sealJson(key, CONTEXT, login);
}

/** The pending login, or `undefined` if the value was forged, altered, sealed with another key or is stale. */
export function openPendingLogin(key: Buffer, sealed: string, now: Date = new Date()): PendingLogin | undefined {
  const login = openJson(key, CONTEXT, sealed);
  if (!isPendingLogin(login) || login.expiresAt <= now.getTime()) return undefined;
  return login;
}

function isPendingLogin(value: unknown): value is PendingLogin {
  if (typeof value !== 'object' || value === null) return false;
  const login = value as Record<string, unknown>;
  return (
    ['provider', 'state', 'nonce', 'codeVerifier', 'returnTo'].every((field) => typeof login[field] === 'string') &&
    typeof login.expiresAt === 'number'
  );
}
