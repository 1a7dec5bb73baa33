export { documentsProjection } from './documents-projection.js';
export {
  blobsOfServiceUser,
  type ContentOwners,
  contentOwners,
  type DocumentSignatureView,
  type DocumentSummaryView,
  type DocumentVersionView,
  type DocumentView,
  documentById,
  documentsOfServiceUser,
  type ServiceUserBlob,
} from './documents-queries.js';
