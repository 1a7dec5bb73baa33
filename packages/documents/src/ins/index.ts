export {
  GS,
  INS_DATAMATRIX_HEADER,
  InsDataMatrixError,
  insDataMatrixContent,
  insDataMatrixPng,
} from './ins-datamatrix.js';
export { type PrintedIns, printedIns } from './printed-ins.js';
export {
  type IdentityAsRecorded,
  insKindLabel,
  type QualifiedIdentity,
  qualifiedIdentity,
} from './qualified-identity.js';
