export type { Insi, InsiSearchAnswer, InsiSearchQuery, InsiVerificationAnswer } from './insi/insi-port.js';
export { searchIns } from './insi/insi-search-procedure.js';
export { INSI_TEST_IDENTITIES, InsiStandIn, type InsiTestIdentity } from './insi/insi-stand-in.js';
