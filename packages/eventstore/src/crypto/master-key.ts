import { randomBytes } from 'node:crypto';
import { InvalidMasterKeyError } from './errors.js';

/** The environment variable the master key is read from, by convention. */
export const MASTER_KEY_ENV = 'DUI_MASTER_KEY';

/** AES-256: the master key and every data key are 32 bytes. */
export const KEY_BYTES = 32;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Parses the master key from configuration: 32 bytes, base64 (standard or URL-safe). Errors say
 * what is wrong but never echo the value, which is a secret.
 */
export function loadMasterKey(encoded: string | undefined, source = MASTER_KEY_ENV): Buffer {
  const value = encoded?.trim();
  if (!value) {
    throw new InvalidMasterKeyError(
      `${source} is not set: it must hold a ${KEY_BYTES}-byte key in base64 ` +
        '(for development, generate one with generateDevelopmentMasterKey())',
    );
  }
  const decoded = decode(value);
  if (decoded === undefined) throw new InvalidMasterKeyError(`${source} is not valid base64`);
  if (decoded.length !== KEY_BYTES) {
    throw new InvalidMasterKeyError(`${source} decodes to ${decoded.length} bytes, a master key is ${KEY_BYTES} bytes`);
  }
  if (decoded.every((byte) => byte === decoded[0])) {
    throw new InvalidMasterKeyError(`${source} is a constant byte string, not a random key`);
  }
  return decoded;
}

/** Checks a master key handed over as bytes (the decorator's option). */
export function assertMasterKey(masterKey: Buffer): void {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== KEY_BYTES) {
    throw new InvalidMasterKeyError(`a master key is ${KEY_BYTES} bytes`);
  }
}

/**
 * A fresh random master key, base64. For development and tests only: a production key is
 * generated and kept by the operator's secret manager, and losing it loses every usager's data.
 */
export function generateDevelopmentMasterKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

function decode(value: string): Buffer | undefined {
  // Buffer.from(…, 'base64') skips invalid characters silently: check the alphabet first.
  if (BASE64.test(value)) return Buffer.from(value, 'base64');
  if (BASE64URL.test(value)) return Buffer.from(value, 'base64url');
  return undefined;
}
