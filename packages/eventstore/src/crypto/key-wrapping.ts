import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KEY_BYTES } from './master-key.js';

/**
 * A usager's data key never leaves memory in clear: it is stored wrapped (AES-256-GCM) by the
 * master key. The usager id is authenticated with it, so a wrapped key copied onto another
 * usager's row does not open. Rotating the master key means re-wrapping these rows only; the
 * events are untouched (`rewrapUnderCurrentMasterKey`, ADR 0020). The deployment's secrets are
 * wrapped the same way, under a context of their own.
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

/**
 * The master key in use and the ones it replaced. Wraps are always made with `current`; the
 * `previous` keys only open what was wrapped before a rotation, until it is re-wrapped.
 */
export interface MasterKeys {
  current: Buffer;
  previous: readonly Buffer[];
}

/** What a wrap is bound to: a usager's data key, or one of the deployment's secrets. */
export type WrappingContext = { dataKeyOf: string } | { secret: string };

export function wrapDataKey(masterKey: Buffer, serviceUserId: string, dataKey: Buffer): Buffer {
  return wrapKey(masterKey, { dataKeyOf: serviceUserId }, dataKey);
}

export function wrapKey(masterKey: Buffer, context: WrappingContext, key: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv).setAAD(associatedData(context));
  const wrapped = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), wrapped]);
}

/**
 * Opens a wrap with the current master key, else with a previous one. `byCurrent` says whether it
 * still needs re-wrapping; undefined when no key of the ring opens it.
 */
export function unwrapKey(
  masterKeys: MasterKeys,
  context: WrappingContext,
  wrapped: Buffer,
): { key: Buffer; byCurrent: boolean } | undefined {
  const byCurrent = openWrap(masterKeys.current, context, wrapped);
  if (byCurrent) return { key: byCurrent, byCurrent: true };
  for (const previous of masterKeys.previous) {
    const key = openWrap(previous, context, wrapped);
    if (key) return { key, byCurrent: false };
  }
  return undefined;
}

function openWrap(masterKey: Buffer, context: WrappingContext, wrapped: Buffer): Buffer | undefined {
  if (wrapped.length !== WRAPPED_BYTES || wrapped[0] !== FORMAT) return undefined;
  const iv = wrapped.subarray(1, 1 + IV_BYTES);
  const tag = wrapped.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const body = wrapped.subarray(1 + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterKey, iv).setAAD(associatedData(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}

function associatedData(context: WrappingContext): Buffer {
  // the data keys' context is the one wraps were first made with: existing wraps still open
  const labelled =
    'dataKeyOf' in context
      ? ['dui-pds/data-key/v1', context.dataKeyOf]
      : ['dui-pds/deployment-secret/v1', context.secret];
  return Buffer.from(JSON.stringify(labelled), 'utf8');
}
