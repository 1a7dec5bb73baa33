import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

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
export const PENDING_LOGIN_KEY_BYTES = 32;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const CONTEXT = Buffer.from('dui-pds pending OIDC login v1');
const KEY_LABEL = 'dui-pds pending OIDC login key v1';

/**
 * The pending login key of a deployment, derived from the master key every instance already
 * shares: a login begun on one instance ends on whichever the load balancer sends the provider's
 * callback to. The label keeps it apart from the master key's other uses.
 */
export function derivePendingLoginKey(masterKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), KEY_LABEL, PENDING_LOGIN_KEY_BYTES));
}

/**
 * Seals a pending login into a cookie value with AES-256-GCM: the code verifier stays secret and any
 * tampering is detected. Servers behind one load balancer share the key.
 */
export function sealPendingLogin(key: Buffer, login: PendingLogin): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(CONTEXT);
  const body = Buffer.concat([cipher.update(JSON.stringify(login), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The pending login, or `undefined` if the value was forged, altered, sealed with another key or is stale. */
export function openPendingLogin(key: Buffer, sealed: string, now: Date = new Date()): PendingLogin | undefined {
  checkKey(key);
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  let login: unknown;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES)).setAAD(CONTEXT);
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const body = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    login = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isPendingLogin(login) || login.expiresAt <= now.getTime()) return undefined;
  return login;
}

function checkKey(key: Buffer): void {
  if (key.length !== PENDING_LOGIN_KEY_BYTES) {
    throw new RangeError(`the pending login key must be ${PENDING_LOGIN_KEY_BYTES} bytes, not ${key.length}`);
  }
}

function isPendingLogin(value: unknown): value is PendingLogin {
  if (typeof value !== 'object' || value === null) return false;
  const login = value as Record<string, unknown>;
  return (
    ['provider', 'state', 'nonce', 'codeVerifier', 'returnTo'].every((field) => typeof login[field] === 'string') &&
    typeof login.expiresAt === 'number'
  );
}
