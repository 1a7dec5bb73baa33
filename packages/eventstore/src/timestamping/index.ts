export { parsePemRevocationLists } from './revocation.js';
export {
  type Rfc3161TimestampAuthorityOptions,
  rfc3161TimestampAuthority,
} from './rfc3161-timestamp-authority.js';
export { renewAnchorTimestamp, type TimestampAuthority, timestampAnchor } from './timestamp-authority.js';
export {
  type CheckedToken,
  checkAnchorTimestamp,
  parsePemCertificates,
  type TimestampCheck,
  type TimestampCheckOptions,
  type TimestampProblem,
} from './timestamp-token.js';
