export { type BlobStoreUnderTest, describeBlobStoreBehaviour } from './blob-store-behaviour.js';
export { InMemoryBlobKeys } from './in-memory-blob-keys.js';
export { pdfPagesImageCount } from './pdf-images.js';
export { pdfPagesText } from './pdf-text.js';
