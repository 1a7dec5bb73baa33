import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateDevelopmentMasterKey, loadMasterKey, MASTER_KEY_ENV } from '@dui-pds/eventstore';

export interface ExampleMasterKey {
  key: Buffer;
  /** Where it came from, to tell the user. */
  source: string;
}

/**
 * The master key from `DUI_MASTER_KEY` when set. Otherwise, so that the example runs out of the
 * box and again on the same data, a development key kept beside the data: in production the key
 * lives in a secret manager, never next to what it protects.
 */
export async function exampleMasterKey(dataDir: string, configured: string | undefined): Promise<ExampleMasterKey> {
  if (configured !== undefined) return { key: loadMasterKey(configured), source: MASTER_KEY_ENV };
  const path = join(dataDir, 'development-master-key');
  try {
    return { key: loadMasterKey(await readFile(path, 'utf8'), path), source: `${path} (development only)` };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const generated = generateDevelopmentMasterKey();
  await writeFile(path, generated, { mode: 0o600, flag: 'wx' });
  return { key: loadMasterKey(generated, path), source: `${path} (generated, development only)` };
}
