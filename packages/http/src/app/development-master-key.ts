import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generateDevelopmentMasterKey, loadMasterKey } from '@dui-pds/eventstore';

/**
 * Outside production and without `DUI_MASTER_KEY`: a development key kept beside the embedded
 * data, so that `pnpm start` works out of the box and again on the same data. In production the
 * configuration refuses to start without a key from a secret store.
 */
export async function developmentMasterKey(pgliteDir: string): Promise<Buffer> {
  const path = join(dirname(pgliteDir), 'development-master-key');
  try {
    return loadMasterKey(await readFile(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true });
  const generated = generateDevelopmentMasterKey();
  await writeFile(path, generated, { mode: 0o600, flag: 'wx' });
  return loadMasterKey(generated, path);
}
