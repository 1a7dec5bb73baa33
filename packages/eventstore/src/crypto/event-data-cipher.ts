import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { EventDataDecryptionError } from './errors.js';

/** How the data of an event about a usager is stored: never in clear. */
export interface EncryptedData {
  $encrypted: {
    v: 1;
    alg: 'A256GCM';
    /** base64 */
    iv: string;
    /** base64 */
    tag: string;
    /** base64 of the UTF-8 JSON of the data. */
    ciphertext: string;
  };
}

/** What the ciphertext is bound to: moved to another event or usager, it no longer decrypts. */
export interface EncryptionContext {
  eventId: string;
  serviceUserId: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function isEncryptedData(data: unknown): data is EncryptedData {
  if (typeof data !== 'object' || data === null || !('$encrypted' in data)) return false;
  const envelope = data.$encrypted;
  return typeof envelope === 'object' && envelope !== null;
}

/**
 * AES-256-GCM under the usager's data key. The IV is synthetic (an HMAC of the context and the
 * plaintext, as in SIV modes) rather than random: re-appending the same event yields the same
 * bytes, so a store's idempotency check sees the same event, and two different plaintexts still
 * never share an IV.
 */
export function encryptEventData(dataKey: Buffer, context: EncryptionContext, data: unknown): EncryptedData {
  const plaintext = Buffer.from(JSON.stringify(data ?? null), 'utf8');
  const aad = associatedData(context);
  const iv = createHmac('sha256', ivKey(dataKey)).update(aad).update(plaintext).digest().subarray(0, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv).setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    $encrypted: {
      v: 1,
      alg: 'A256GCM',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    },
  };
}

/**
 * The key of the usager's content kept outside the log: HKDF of the data key under a purpose of
 * its own, so that it never encrypts with the very key of the events, and dies with it.
 */
export function deriveContentKey(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'dui-pds/content-outside-the-log/v1', 32));
}

export function decryptEventData(dataKey: Buffer, context: EncryptionContext, data: EncryptedData): unknown {
  const fail = (reason: string) => new EventDataDecryptionError(context.eventId, context.serviceUserId, reason);
  const { v, alg, iv, tag, ciphertext } = data.$encrypted;
  if (v !== 1 || alg !== 'A256GCM') throw fail(`unknown format ${String(v)}/${String(alg)}`);
  if (typeof iv !== 'string' || typeof tag !== 'string' || typeof ciphertext !== 'string') {
    throw fail('malformed envelope');
  }
  const ivBytes = Buffer.from(iv, 'base64');
  const tagBytes = Buffer.from(tag, 'base64');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw fail('malformed envelope');
  let plaintext: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, ivBytes).setAAD(associatedData(context));
    decipher.setAuthTag(tagBytes);
    plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw fail('authentication failed (altered, or not encrypted for this event)');
  }
  try {
    return JSON.parse(plaintext);
  } catch {
    throw fail('the plaintext is not JSON');
  }
}

function associatedData({ eventId, serviceUserId }: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(['dui-pds/event-data/v1', eventId, serviceUserId]), 'utf8');
}

/** A key of its own for deriving IVs, so the data key serves one purpose only. */
function ivKey(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'dui-pds/event-data-iv/v1', 32));
}
