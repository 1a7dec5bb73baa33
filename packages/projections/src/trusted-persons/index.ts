export { trustedPersonsProjection } from './trusted-persons-projection.js';
export {
  type TrustedPersonOfferView,
  type TrustedPersonView,
  trustedPersonOffersOf,
  trustedPersonsOf,
  trustedPersonsRevision,
} from './trusted-persons-queries.js';
