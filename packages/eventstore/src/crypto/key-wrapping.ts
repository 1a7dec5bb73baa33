import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DataKeyUnwrapError } from './errors.js';
import { KEY_BYTES } from './master-key.js';

/**
 * A usager's data key never leaves memory in clear: it is stored wrapped (AES-256-GCM) by the
 * master key. The usager id is authenticated with it, so a wrapped key copied onto another
 * usager's row does not open. Rotating the master key means re-wrapping these rows only; the
 * events are untouched.
 *
 * Layout: format (1 byte) ‖ IV (12) ‖ tag (16) ‖ wrapped key (32).
 */
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_BYTES = 1 + IV_BYTES + TAG_BYTES + KEY_BYTES;

export function generateDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function wrapDataKey(masterKey: Buffer, serviceUserId: string, dataKey: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv).setAAD(wrappingContext(serviceUserId));
  const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), wrapped]);
}

export function unwrapDataKey(masterKey: Buffer, serviceUserId: string, wrapped: Buffer): Buffer {
  if (wrapped.length !== WRAPPED_BYTES || wrapped[0] !== FORMAT) throw new DataKeyUnwrapError(serviceUserId);
  const iv = wrapped.subarray(1, 1 + IV_BYTES);
  const tag = wrapped.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const body = wrapped.subarray(1 + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterKey, iv).setAAD(wrappingContext(serviceUserId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new DataKeyUnwrapError(serviceUserId);
  }
}

function wrappingContext(serviceUserId: string): Buffer {
  return Buffer.from(JSON.stringify(['dui-pds/data-key/v1', serviceUserId]), 'utf8');
}
