export { authenticate, professionalOf, requireProfessional } from './authenticate.js';
export { AuthenticationRefused } from './authentication-refused.js';
export { CachedSessionStore, type CachedSessionStoreOptions } from './cached-session-store.js';
export {
  DEV_PROVIDER,
  type DemoProfessional,
  type DevLoginOptions,
  devLoginAllowed,
  devLoginRouter,
} from './dev-login.js';
export { type Claims, checkAcr, professionalFromClaims } from './identity-claims.js';
export { localPath } from './local-path.js';
export { MemorySessionStore } from './memory-session-store.js';
export { OidcRelyingParty } from './oidc-relying-party.js';
export { type OidcRouterOptions, oidcRouter, PENDING_LOGIN_COOKIE } from './oidc-router.js';
export {
  type ClaimsMapping,
  genericOidcProfile,
  type OidcProviderSettings,
  PRO_SANTE_CONNECT_CLAIMS,
  type ProviderRegistration,
  proSanteConnectProfile,
  STANDARD_OIDC_CLAIMS,
} from './oidc-settings.js';
export {
  derivePendingLoginKey,
  openPendingLogin,
  PENDING_LOGIN_KEY_BYTES,
  PENDING_LOGIN_LIFETIME_MS,
  type PendingLogin,
  sealPendingLogin,
} from './pending-login.js';
export {
  createSessionsTable,
  migrateSessionStore,
  PostgresSessionStore,
  type PostgresSessionStoreOptions,
} from './postgres-session-store.js';
export { sendUnauthenticated, UNAUTHENTICATED_PROBLEM_TYPE } from './problem.js';
export type { AuthenticatedProfessional } from './professional-identity.js';
export { DEFAULT_SESSION_KEY_PREFIX, RedisSessionStore } from './redis-session-store.js';
export { deriveSessionTokensKey, SealedTokensSessionStore } from './sealed-tokens-session-store.js';
export type { SessionRecord, SessionStore } from './session-store.js';
export {
  type CookieSecurity,
  clearSessionCookie,
  SESSION_COOKIE,
  sessionTokenOf,
  setSessionCookie,
} from './session-transport.js';
export {
  closeSession,
  type OpenedSession,
  openSession,
  resolveSession,
  SESSION_LIFETIME_MS,
  sessionIdOf,
} from './sessions.js';
