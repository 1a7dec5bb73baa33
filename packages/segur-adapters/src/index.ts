export type {
  AnnuaireOrganisation,
  AnnuairePracticeLocation,
  AnnuairePractitioner,
  AnnuaireSante,
  OrganisationSearch,
  PractitionerSearch,
} from './annuaire-sante/annuaire-sante-port.js';
export { practitionerDisplayName } from './annuaire-sante/annuaire-sante-port.js';
export {
  ANNUAIRE_TEST_ORGANISATIONS,
  ANNUAIRE_TEST_PRACTITIONERS,
  AnnuaireSanteStandIn,
} from './annuaire-sante/annuaire-sante-stand-in.js';
export type { Insi, InsiSearchAnswer, InsiSearchQuery, InsiVerificationAnswer } from './insi/insi-port.js';
export { searchIns } from './insi/insi-search-procedure.js';
export { INSI_TEST_IDENTITIES, InsiStandIn, type InsiTestIdentity } from './insi/insi-stand-in.js';
