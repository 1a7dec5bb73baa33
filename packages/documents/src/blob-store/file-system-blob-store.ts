import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  BlobNotFoundError,
  type BlobStore,
  type ClearBlobAddresses,
  checkedContent,
  isSha256Hex,
  type SealedBlobSlots,
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
 * Sealed slots (a usager's bytes, encrypted) are kept the same way under `sealed/`.
 */
export class FileSystemBlobStore implements BlobStore, SealedBlobSlots, ClearBlobAddresses {
  constructor(readonly directory: string) {}

  /** Where the blob of this address lives (whether or not it is there). */
  pathOf(sha256: string): string {
    if (!isSha256Hex(sha256)) throw new BlobNotFoundError(sha256);
    return join(this.directory, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(content: Uint8Array): Promise<StoredBlob> {
    const sha256 = sha256Hex(content);
    const path = this.pathOf(sha256);
    // also replaces a corrupted copy: the content is the one its address names
    if (!(await this.#holdsIntact(path, sha256))) await writeAtomically(path, content);
    return { sha256, byteLength: content.byteLength };
  }

  async *addresses(): AsyncIterable<string> {
    for (const first of await shardsOf(this.directory)) {
      for (const second of await shardsOf(join(this.directory, first))) {
        const shard = join(this.directory, first, second);
        for (const name of await readdir(shard).catch(emptyWhenMissing)) {
          if (isSha256Hex(name) && name.startsWith(first + second)) yield name;
        }
      }
    }
  }

  /** Where a sealed slot lives: apart from the addresses, under `sealed/`, sharded the same way. */
  sealedPathOf(slot: string): string {
    if (!isSha256Hex(slot)) throw new BlobNotFoundError(slot);
    return join(this.directory, 'sealed', slot.slice(0, 2), slot.slice(2, 4), slot);
  }

  async putSealed(slot: string, sealed: Uint8Array): Promise<void> {
    const path = this.sealedPathOf(slot);
    const held = await readIfThere(path);
    if (held === undefined || !held.equals(sealed)) await writeAtomically(path, sealed);
  }

  async getSealed(slot: string): Promise<Buffer | undefined> {
    return readIfThere(this.sealedPathOf(slot));
  }

  async deleteSealed(slot: string): Promise<boolean> {
    return isSha256Hex(slot) && unlinkIfThere(this.sealedPathOf(slot));
  }

  async get(sha256: string): Promise<Buffer> {
    const content = await readIfThere(this.pathOf(sha256));
    if (content === undefined) throw new BlobNotFoundError(sha256);
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
    return isSha256Hex(sha256) && unlinkIfThere(this.pathOf(sha256));
  }

  /** A copy already there and whole: storing it again writes nothing. */
  async #holdsIntact(path: string, sha256: string): Promise<boolean> {
    const held = await readIfThere(path);
    return held !== undefined && sha256Hex(held) === sha256;
  }
}

/**
 * Written to a temporary file in the final directory, flushed, then renamed onto its path: the
 * rename is atomic, so a crash leaves at worst a stray `.tmp` file, never half a blob.
 */
async function writeAtomically(path: string, content: Uint8Array): Promise<void> {
  const shard = dirname(path);
  await mkdir(shard, { recursive: true });
  const temporary = join(shard, `.${basename(path)}.${randomUUID()}.tmp`);
  const file = await open(temporary, 'wx', 0o444);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(shard);
}

/** The two-hexadecimal-digit shard directories under `directory` (`sealed/` and strays left out). */
async function shardsOf(directory: string): Promise<string[]> {
  return (await readdir(directory).catch(emptyWhenMissing)).filter((name) => /^[0-9a-f]{2}$/.test(name));
}

function emptyWhenMissing(error: unknown): string[] {
  if (isMissing(error)) return [];
  throw error;
}

async function readIfThere(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function unlinkIfThere(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
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
