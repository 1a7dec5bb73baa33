import {
  type BlobStore,
  type ClearBlobAddresses,
  FileSystemBlobStore,
  PostgresBlobStore,
  type SealedBlobSlots,
} from '@dui-pds/documents';
import type { Knex } from 'knex';

export interface BlobStorageSettings {
  blobStore: 'filesystem' | 'postgres';
  blobDirectory: string;
  /** The event store's schema: the database's blobs are in `<schema>_blobs`. */
  schema: string;
}

/** The file system store by default; the database's (PostgreSQL or PGlite) with `DUI_BLOB_STORE=postgres`. */
export async function openBlobStorage(
  settings: BlobStorageSettings,
  knex: Knex,
): Promise<BlobStore & SealedBlobSlots & ClearBlobAddresses> {
  if (settings.blobStore === 'filesystem') return new FileSystemBlobStore(settings.blobDirectory);
  const blobs = new PostgresBlobStore(knex, { schema: `${settings.schema}_blobs` });
  await blobs.migrate();
  return blobs;
}
