import { loadMasterKey } from '@dui-pds/eventstore';
import { z } from 'zod';

export const PREVIOUS_KEYS_WITHOUT_CURRENT =
  'DUI_PREVIOUS_MASTER_KEYS ne sert qu’avec DUI_MASTER_KEY : ce sont les clés que la clé maîtresse actuelle a remplacées';

/**
 * `DUI_MASTER_KEY` as a zod transform: the key's bytes, or the library's reason in French, naming
 * the setting and never repeating the key.
 */
export function masterKeySetting(name: string) {
  return (value: string, context: z.RefinementCtx): Buffer => {
    const key = parsedKey(value, name);
    if (key) return key;
    context.addIssue({ code: 'custom', message: masterKeyProblem(value.trim(), name) });
    return z.NEVER;
  };
}

/**
 * `DUI_PREVIOUS_MASTER_KEYS`: the master keys the current one replaced, comma-separated, kept
 * only until `dui keys rewrap` has re-wrapped what they wrapped (ADR 0020).
 */
export function previousMasterKeysSetting(name: string) {
  return (value: string, context: z.RefinementCtx): Buffer[] => {
    const keys: Buffer[] = [];
    for (const [index, part] of value.split(',').entries()) {
      const described = `${name} (clé n° ${index + 1})`;
      const key = parsedKey(part, described);
      if (key) keys.push(key);
      else context.addIssue({ code: 'custom', message: masterKeyProblem(part.trim(), described) });
    }
    return keys;
  };
}

function parsedKey(value: string, name: string): Buffer | undefined {
  try {
    return loadMasterKey(value, name);
  } catch {
    return undefined;
  }
}

/** The library's reasons, in French, without repeating the key. */
function masterKeyProblem(value: string, name: string): string {
  if (value === '') return `${name} est vide`;
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/.test(value) || /^[A-Za-z0-9_-]+$/.test(value);
  if (!base64) return `${name} n’est pas du base64 valide`;
  const bytes = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64').length;
  if (bytes !== 32) return `${name} doit encoder 32 octets en base64 (il en encode ${bytes})`;
  return `${name} n’est pas une clé aléatoire : ses 32 octets sont tous identiques`;
}
