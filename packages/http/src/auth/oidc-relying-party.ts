import * as client from 'openid-client';
import { AuthenticationRefused } from './authentication-refused.js';
import { checkAcr, professionalFromClaims } from './identity-claims.js';
import type { OidcProviderSettings } from './oidc-settings.js';
import { PENDING_LOGIN_LIFETIME_MS, type PendingLogin } from './pending-login.js';
import type { AuthenticatedProfessional } from './professional-identity.js';

/**
 * This server as a client of one OpenID provider: authorization code with PKCE (S256), state and nonce,
 * through openid-client, which checks the ID token (signature, issuer, audience, expiry, nonce) and the
 * `iss` of the authorization response.
 */
export class OidcRelyingParty {
  readonly settings: OidcProviderSettings;
  #configuration: Promise<client.Configuration> | undefined;

  constructor(settings: OidcProviderSettings) {
    this.settings = settings;
  }

  async beginLogin(returnTo: string, now: Date = new Date()): Promise<{ url: URL; pending: PendingLogin }> {
    const configuration = await this.#configured();
    const codeVerifier = client.randomPKCECodeVerifier();
    const pending: PendingLogin = {
      provider: this.settings.id,
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier,
      returnTo,
      expiresAt: now.getTime() + PENDING_LOGIN_LIFETIME_MS,
    };
    const parameters: Record<string, string> = {
      redirect_uri: this.settings.redirectUri.href,
      scope: this.settings.scope,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    };
    if (this.settings.acrValues !== undefined) parameters.acr_values = this.settings.acrValues;
    return { url: client.buildAuthorizationUrl(configuration, parameters), pending };
  }

  /**
   * `callbackQuery` is the query string the provider sent the user agent back with. The callback URL is
   * rebuilt from the registered redirect URI rather than from the request's Host header.
   */
  async completeLogin(callbackQuery: URLSearchParams, pending: PendingLogin): Promise<AuthenticatedProfessional> {
    if (callbackQuery.get('state') !== pending.state) {
      throw new AuthenticationRefused(
        "La réponse du fournisseur d'identité ne correspond pas à la connexion en cours : veuillez recommencer.",
      );
    }
    const configuration = await this.#configured();
    const callbackUrl = new URL(this.settings.redirectUri);
    callbackUrl.search = callbackQuery.toString();
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (idToken === undefined)
        throw new AuthenticationRefused("Le fournisseur d'identité n'a pas remis de jeton d'identité.");
      // Checked before userinfo is asked for: a login below the required level goes no further.
      checkAcr(this.settings, idToken);
      const userinfo =
        configuration.serverMetadata().userinfo_endpoint === undefined
          ? undefined
          : await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
      const acr = checkAcr(this.settings, idToken, userinfo);
      return professionalFromClaims(this.settings, { ...idToken, ...userinfo }, acr);
    } catch (error) {
      throw refusal(error);
    }
  }

  /** Discovered once; a failed discovery is retried at the next login. */
  #configured(): Promise<client.Configuration> {
    if (this.#configuration === undefined) {
      const { issuer, clientId, clientSecret, allowInsecureRequests } = this.settings;
      this.#configuration = client
        .discovery(
          issuer,
          clientId,
          { client_secret: clientSecret },
          client.ClientSecretBasic(clientSecret),
          allowInsecureRequests ? { execute: [client.allowInsecureRequests] } : undefined,
        )
        .catch((error: unknown) => {
          this.#configuration = undefined;
          throw new AuthenticationRefused("Le fournisseur d'identité est injoignable : veuillez réessayer plus tard.", {
            cause: error,
          });
        });
    }
    return this.#configuration;
  }
}

function refusal(error: unknown): AuthenticationRefused {
  if (error instanceof AuthenticationRefused) return error;
  if (error instanceof client.AuthorizationResponseError) {
    return new AuthenticationRefused(
      error.error === 'access_denied'
        ? "La connexion a été refusée par le fournisseur d'identité."
        : `Le fournisseur d'identité a signalé une erreur (${oauthErrorCode(error.error)}).`,
      { cause: error },
    );
  }
  return new AuthenticationRefused("La connexion auprès du fournisseur d'identité a échoué : veuillez recommencer.", {
    cause: error,
  });
}

/** OAuth error codes are ASCII words; anything else is not echoed back. */
function oauthErrorCode(code: string): string {
  return /^[\w.-]{1,64}$/.test(code) ? code : 'erreur inconnue';
}
