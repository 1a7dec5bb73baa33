export { documentsProjection } from './documents-projection.js';
export {
  blobsReferencedOnlyBy,
  type DocumentSignatureView,
  type DocumentSummaryView,
  type DocumentVersionView,
  type DocumentView,
  documentById,
  documentsOfServiceUser,
} from './documents-queries.js';
