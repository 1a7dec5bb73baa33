export { type BlobStoreUnderTest, describeBlobStoreBehaviour } from './blob-store-behaviour.js';
export { pdfPagesText } from './pdf-text.js';
