export {
  type PortalAccountView,
  portalAccount,
  portalAccountById,
  portalAccountByLogin,
  portalAccountsOf,
  portalAccountsProjection,
} from './portal-accounts-projection.js';
