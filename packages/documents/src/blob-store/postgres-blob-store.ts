import type { Knex } from 'knex';
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

export interface PostgresBlobStoreOptions {
  /** The schema of the `blobs` table (created by `migrate`). */
  schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Blobs in a PostgreSQL table (`bytea`), for deployments of several HTTP instances that share no
 * disk: every instance reads what another stored, in the database already backed up with the log.
 * The primary key is the address: concurrent stores of the same content insert one row, and a row
 * whose bytes no longer hash to its key is rewritten by the next store of that content. Sealed
 * slots (a usager's bytes, encrypted) are rows of `sealed_blobs`.
 */
export class PostgresBlobStore implements BlobStore, SealedBlobSlots, ClearBlobAddresses {
  readonly #schema: string;

  constructor(
    private readonly knex: Knex,
    options: PostgresBlobStoreOptions,
  ) {
    if (!SCHEMA_NAME.test(options.schema)) {
      throw new TypeError(`blob store schema ${JSON.stringify(options.schema)}: lowercase letters, digits and _`);
    }
    this.#schema = options.schema;
  }

  /** Creates the schema and the table if they are not there; safe to run from every instance at start. */
  async migrate(): Promise<void> {
    await this.knex.transaction(async (trx) => {
      // two instances starting together would otherwise race on the catalog
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`${this.#schema}.blobs`]);
      await trx.raw('create schema if not exists ??', [this.#schema]);
      await trx.raw(
        `create table if not exists ??.blobs (
           sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
           byte_length integer not null check (byte_length >= 0),
           content bytea not null,
           stored_at timestamptz not null default now()
         )`,
        [this.#schema],
      );
      await trx.raw(
        `create table if not exists ??.sealed_blobs (
           slot text primary key check (slot ~ '^[0-9a-f]{64}$'),
           content bytea not null,
           stored_at timestamptz not null default now()
         )`,
        [this.#schema],
      );
    });
  }

  async put(content: Uint8Array): Promise<StoredBlob> {
    const sha256 = sha256Hex(content);
    await this.knex.raw(
      `insert into ??.blobs as stored (sha256, byte_length, content) values (?, ?, ?)
       on conflict (sha256) do update set content = excluded.content, byte_length = excluded.byte_length
       where sha256(stored.content) <> decode(stored.sha256, 'hex')`,
      [this.#schema, sha256, content.byteLength, Buffer.from(content.buffer, content.byteOffset, content.byteLength)],
    );
    return { sha256, byteLength: content.byteLength };
  }

  async get(sha256: string): Promise<Buffer> {
    if (!isSha256Hex(sha256)) throw new BlobNotFoundError(sha256);
    const row = (await this.#blobs().where({ sha256 }).first('content')) as { content: Buffer } | undefined;
    if (row === undefined) throw new BlobNotFoundError(sha256);
    return checkedContent(sha256, Buffer.from(row.content));
  }

  async has(sha256: string): Promise<boolean> {
    if (!isSha256Hex(sha256)) return false;
    return (await this.#blobs().where({ sha256 }).first('sha256')) !== undefined;
  }

  async delete(sha256: string): Promise<boolean> {
    if (!isSha256Hex(sha256)) return false;
    return (await this.#blobs().where({ sha256 }).delete()) > 0;
  }

  async *addresses(): AsyncIterable<string> {
    let after = '';
    for (;;) {
      const page = (await this.#blobs()
        .where('sha256', '>', after)
        .orderBy('sha256')
        .limit(1_000)
        .select('sha256')) as {
        sha256: string;
      }[];
      for (const row of page) yield row.sha256;
      if (page.length < 1_000) return;
      after = page.at(-1)!.sha256;
    }
  }

  async putSealed(slot: string, sealed: Uint8Array): Promise<void> {
    if (!isSha256Hex(slot)) throw new BlobNotFoundError(slot);
    // sealing is deterministic: different bytes in the slot are a damaged copy, repaired here
    await this.knex.raw(
      `insert into ??.sealed_blobs as stored (slot, content) values (?, ?)
       on conflict (slot) do update set content = excluded.content where stored.content <> excluded.content`,
      [this.#schema, slot, Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)],
    );
  }

  async getSealed(slot: string): Promise<Buffer | undefined> {
    if (!isSha256Hex(slot)) return undefined;
    const row = (await this.#sealed().where({ slot }).first('content')) as { content: Buffer } | undefined;
    return row === undefined ? undefined : Buffer.from(row.content);
  }

  async deleteSealed(slot: string): Promise<boolean> {
    if (!isSha256Hex(slot)) return false;
    return (await this.#sealed().where({ slot }).delete()) > 0;
  }

  #sealed(): Knex.QueryBuilder {
    return this.knex.withSchema(this.#schema).table('sealed_blobs');
  }

  #blobs(): Knex.QueryBuilder {
    return this.knex.withSchema(this.#schema).table('blobs');
  }
}
