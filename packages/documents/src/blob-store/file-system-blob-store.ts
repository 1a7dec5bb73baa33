import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  BlobNotFoundError,
  type BlobStore,
  checkedContent,
  isSha256Hex,
  type StoredBlob,
  sha256Hex,
} from './blob-store.js';

/**
 * The default blob store: one file per content under `directory`, sharded by the first two bytes
 * of its hash (`ab/cd/abcd…`) so that no directory grows past a few hundred entries.
 *
 * A blob is written to a temporary file in its final directory, flushed, then renamed onto its
 * address: the rename is atomic, so a crash leaves at worst a stray `.tmp` file, never a half
 * blob under an address, and two writers of the same content both end with the whole of it.
 * Files are created read-only; nothing rewrites a blob but the repair of a corrupted one.
 */
export class FileSystemBlobStore implements BlobStore {
  constructor(readonly directory: string) {}

  /** Where the blob of this address lives (whether or not it is there). */
  pathOf(sha256: string): string {
    if (!isSha256Hex(sha256)) throw new BlobNotFoundError(sha256);
    return join(this.directory, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(content: Uint8Array): Promise<StoredBlob> {
    const sha256 = sha256Hex(content);
    const stored = { sha256, byteLength: content.byteLength };
    const path = this.pathOf(sha256);
    if (await this.#holdsIntact(path, sha256)) return stored;
    const shard = dirname(path);
    await mkdir(shard, { recursive: true });
    const temporary = join(shard, `.${sha256}.${randomUUID()}.tmp`);
    const file = await open(temporary, 'wx', 0o444);
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      // also replaces a corrupted copy: the content is the one its address names
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await syncDirectory(shard);
    return stored;
  }

  async get(sha256: string): Promise<Buffer> {
    let content: Buffer;
    try {
      content = await readFile(this.pathOf(sha256));
    } catch (error) {
      if (isMissing(error)) throw new BlobNotFoundError(sha256);
      throw error;
    }
    return checkedContent(sha256, content);
  }

  async has(sha256: string): Promise<boolean> {
    if (!isSha256Hex(sha256)) return false;
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async delete(sha256: string): Promise<boolean> {
    if (!isSha256Hex(sha256)) return false;
    try {
      await unlink(this.pathOf(sha256));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** A copy already there and whole: storing it again writes nothing. */
  async #holdsIntact(path: string, sha256: string): Promise<boolean> {
    try {
      return sha256Hex(await readFile(path)) === sha256;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }
}

/** Makes the rename durable: the directory entry is flushed too (where the platform allows it). */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // some platforms cannot open or flush a directory: the rename is still atomic there
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
