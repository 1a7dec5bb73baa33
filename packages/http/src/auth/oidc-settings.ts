import { type ProfessionalPractice, practicesFromSubjectRefPro } from '@dui-pds/segur-adapters';

/**
 * Which claim carries which part of the identity. Declarative so that an organisation's own provider is
 * added by configuration alone.
 */
export interface ClaimsMapping {
  professionalId: string;
  givenName?: string;
  familyName?: string;
  /** Read first; given and family names are the fallback. */
  displayName?: string;
  practices?: string;
}

export interface OidcProviderSettings {
  /** Route segment (`/auth/<id>/login`) and the `provider` of the sessions it opens. */
  id: string;
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** Must be this server's `/auth/<id>/callback`, as registered at the provider. */
  redirectUri: URL;
  /**
   * Where the provider sends the professional after logging them out, as registered there; the site
   * root of `redirectUri` (`…/auth/<id>/callback` → `…/`) by default.
   */
  postLogoutRedirectUri?: URL;
  scope: string;
  acrValues?: string;
  /** An ID token or userinfo carrying another `acr` is refused. */
  requiredAcr?: string;
  claimsMapping: ClaimsMapping;
  /** Reads the practices claim; without it, the claim is kept raw (`rawPractices`). */
  practicesOf?: (claim: unknown) => ProfessionalPractice[];
  /** Plain HTTP to the provider, for a provider on the loopback interface only (tests, local development). */
  allowInsecureRequests?: boolean;
}

/** The part of the settings that differs between deployments of one profile. */
export type ProviderRegistration = Pick<OidcProviderSettings, 'issuer' | 'clientId' | 'clientSecret' | 'redirectUri'> &
  Partial<Pick<OidcProviderSettings, 'id' | 'allowInsecureRequests' | 'postLogoutRedirectUri'>>;

/** Pro Santé Connect's claims: `SubjectNameID` is the national id, RPPS or ADELI with its one-digit prefix. */
export const PRO_SANTE_CONNECT_CLAIMS: ClaimsMapping = {
  professionalId: 'SubjectNameID',
  givenName: 'given_name',
  familyName: 'family_name',
  practices: 'SubjectRefPro',
};

export const STANDARD_OIDC_CLAIMS: ClaimsMapping = {
  professionalId: 'sub',
  givenName: 'given_name',
  familyName: 'family_name',
  displayName: 'name',
};

/** Route segments that are not providers. */
const RESERVED_IDS = new Set(['dev', 'logout', 'refresh', 'session']);

/**
 * Pro Santé Connect: authorization code with PKCE, state and nonce, `acr_values=eidas1`, nothing below
 * eidas1 accepted, and `SubjectRefPro` read into practices.
 */
export function proSanteConnectProfile(registration: ProviderRegistration): OidcProviderSettings {
  return checkedSettings({
    id: 'psc',
    ...registration,
    scope: 'openid scope_all',
    acrValues: 'eidas1',
    requiredAcr: 'eidas1',
    claimsMapping: PRO_SANTE_CONNECT_CLAIMS,
    practicesOf: practicesFromSubjectRefPro,
  });
}

/** An organisation's own OpenID provider: `sub` is the professional id unless the mapping says otherwise. */
export function genericOidcProfile(
  registration: ProviderRegistration & { id: string } & Partial<OidcProviderSettings>,
): OidcProviderSettings {
  return checkedSettings({ scope: 'openid profile', claimsMapping: STANDARD_OIDC_CLAIMS, ...registration });
}

function checkedSettings(settings: OidcProviderSettings): OidcProviderSettings {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(settings.id) || RESERVED_IDS.has(settings.id)) {
    throw new Error(
      `fournisseur d'identité « ${settings.id} » : l'identifiant doit être fait de minuscules, chiffres et tirets, et n'être ni « dev », ni « logout », ni « refresh », ni « session »`,
    );
  }
  if (!settings.scope.split(' ').includes('openid')) {
    throw new Error(`fournisseur d'identité « ${settings.id} » : la portée doit contenir « openid »`);
  }
  if (settings.allowInsecureRequests && !isLoopback(settings.issuer)) {
    throw new Error(
      `fournisseur d'identité « ${settings.id} » : le HTTP non chiffré n'est permis que vers un fournisseur local (127.0.0.1, ::1, localhost)`,
    );
  }
  if (!settings.allowInsecureRequests && settings.issuer.protocol !== 'https:') {
    throw new Error(`fournisseur d'identité « ${settings.id} » : l'émetteur doit être en https`);
  }
  return settings;
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}
