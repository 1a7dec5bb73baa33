export {
  BlobIntegrityError,
  BlobNotFoundError,
  type BlobStore,
  type ClearBlobAddresses,
  isSha256Hex,
  type SealedBlobSlots,
  type SignedContentVerification,
  type StoredBlob,
  sha256Hex,
  verifySignedContent,
} from './blob-store.js';
export { FileSystemBlobStore } from './file-system-blob-store.js';
export { InMemoryBlobStore } from './in-memory-blob-store.js';
export { PostgresBlobStore, type PostgresBlobStoreOptions } from './postgres-blob-store.js';
export {
  BlobErasedError,
  type BlobKeys,
  type BlobOwner,
  SealedBlobStore,
  type SealingOutcome,
  slotOf,
} from './sealed-blob-store.js';
