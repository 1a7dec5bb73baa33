import { once } from 'node:events';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { CliError, ExitCode, UsageError } from './cli-errors.js';

/** Where a command writes its result: a file given with `--out`, or stdout. */
export interface TextSink {
  /** Text as UTF-8, or bytes as they are (a PDF). */
  write(text: string | Uint8Array): Promise<void>;
  /** The result is complete. */
  close(): Promise<void>;
  /** The command failed: no half-written file is left behind. */
  discard(): Promise<void>;
}

/**
 * Opens the file before the work starts, so that a wrong path fails at once rather than after a
 * long replay or export.
 */
export async function openFileSink(path: string): Promise<TextSink> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'w');
  } catch (error) {
    throw fileError(path, error);
  }
  return {
    async write(text) {
      try {
        await (typeof text === 'string' ? handle.write(text) : handle.write(text));
      } catch (error) {
        throw fileError(path, error);
      }
    },
    close: () => handle.close(),
    async discard() {
      await handle.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
    },
  };
}

export function streamSink(stream: NodeJS.WritableStream): TextSink {
  return {
    async write(text) {
      // a slow reader (a pipe to gzip, to ssh) must not make the whole stream pile up in memory
      if (!stream.write(text)) await once(stream, 'drain');
    },
    close: async () => undefined,
    discard: async () => undefined,
  };
}

function fileError(path: string, error: unknown): CliError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'inconnu';
  switch (code) {
    case 'ENOENT':
      return new UsageError(`impossible d’écrire « ${path} » : le dossier n’existe pas`);
    case 'ENOTDIR':
      return new UsageError(`impossible d’écrire « ${path} » : une partie du chemin n’est pas un dossier`);
    case 'EISDIR':
      return new UsageError(`impossible d’écrire « ${path} » : c’est un dossier`);
    case 'EACCES':
    case 'EPERM':
      return new UsageError(`impossible d’écrire « ${path} » : permission refusée`);
    case 'ENOSPC':
      return new CliError(`impossible d’écrire « ${path} » : disque plein`, ExitCode.failure);
    default:
      return new CliError(`impossible d’écrire « ${path} » (${code})`, ExitCode.failure);
  }
}
