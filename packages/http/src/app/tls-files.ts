import { readFile } from 'node:fs/promises';
import { ConfigurationError } from '../server/index.js';

/** Where a client of a national service finds its mutual-TLS certificate, key and authorities. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/**
 * Reads the three PEM files of a service configured by `<prefix>_CERT_FILE`, `_KEY_FILE` and
 * `_CA_FILE`; one that cannot be read stops the start, naming its variable, never its content.
 */
export async function readTlsFiles(
  variablePrefix: string,
  files: TlsFiles,
): Promise<{ cert: string; key: string; ca: string }> {
  const parts = [
    ['cert', 'CERT_FILE', files.certFile],
    ['key', 'KEY_FILE', files.keyFile],
    ['ca', 'CA_FILE', files.caFile],
  ] as const;
  const problems: string[] = [];
  const read: Record<string, string> = {};
  for (const [part, suffix, path] of parts) {
    try {
      read[part] = await readFile(path, 'utf8');
    } catch {
      problems.push(`${variablePrefix}_${suffix} : le fichier ${path} ne peut pas être lu`);
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return { cert: read.cert as string, key: read.key as string, ca: read.ca as string };
}
