import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A JSON value sealed with AES-256-GCM into a base64url string: unreadable, and any change to it,
 * or opening it with another key or under another context, is detected. The context names what
 * the value is (a pending login, a session's tokens), so that one sealed thing is never accepted
 * as another.
 */
export const SEALING_KEY_BYTES = 32;

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key of its own for one use of the master key, which every instance of a deployment shares. */
export function deriveSealingKey(masterKey: Uint8Array, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), label, SEALING_KEY_BYTES));
}

export function sealJson(key: Buffer, context: string, value: unknown): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The value, or `undefined` if the string was forged, altered, or sealed with another key or context. */
export function openJson(key: Buffer, context: string, sealed: string): unknown {
  checkKey(key);
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES)).setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const body = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== SEALING_KEY_BYTES) {
    throw new RangeError(`a sealing key is ${SEALING_KEY_BYTES} bytes, not ${key.length}`);
  }
}
