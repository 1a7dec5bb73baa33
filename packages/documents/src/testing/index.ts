export { type BlobStoreUnderTest, describeBlobStoreBehaviour } from './blob-store-behaviour.js';
export { pdfPagesImageCount } from './pdf-images.js';
export { pdfPagesText } from './pdf-text.js';
