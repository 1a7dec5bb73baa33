import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The names of the files under `directory` whose bytes hold `text` in clear: what a backup would show. */
export async function filesHolding(directory: string, text: string): Promise<string[]> {
  const files = (await readdir(directory, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  const holding = [];
  for (const file of files) {
    if ((await readFile(join(file.parentPath, file.name))).includes(Buffer.from(text))) holding.push(file.name);
  }
  return holding;
}
