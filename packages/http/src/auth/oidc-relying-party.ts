import * as client from 'openid-client';
import { AuthenticationRefused } from './authentication-refused.js';
import { checkAcr, professionalFromClaims } from './identity-claims.js';
import type { OidcProviderSettings } from './oidc-settings.js';
import { PENDING_LOGIN_LIFETIME_MS, type PendingLogin } from './pending-login.js';
import type { AuthenticatedProfessional } from './professional-identity.js';
import type { ProviderSession } from './session-store.js';

export interface CompletedLogin {
  professional: AuthenticatedProfessional;
  /** For the server-side session only. */
  providerSession: ProviderSession;
}

/**
 * This server as a client of one OpenID provider: authorization code with PKCE (S256), state and nonce,
 * through openid-client, which checks the ID token (issuer, audience, expiry, nonce) and the `iss` of
 * the authorization response. Signatures are checked against the provider's JWKS: the ID token's, and
 * userinfo's when the provider answers it as a signed JWT (`application/jwt`) rather than JSON.
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
  async completeLogin(callbackQuery: URLSearchParams, pending: PendingLogin): Promise<CompletedLogin> {
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
      return {
        professional: professionalFromClaims(this.settings, { ...idToken, ...userinfo }, acr),
        // the access token goes no further: reading userinfo was its one use
        providerSession: {
          idToken: tokens.id_token as string,
          subject: idToken.sub,
          ...(tokens.refresh_token === undefined ? {} : { refreshToken: tokens.refresh_token }),
        },
      };
    } catch (error) {
      throw refusal(error, "La connexion auprès du fournisseur d'identité a échoué : veuillez recommencer.");
    }
  }

  /**
   * New tokens for the provider session, by its refresh token: the provider thereby says the
   * professional's login there still holds. Refused when it does not, when the new ID token is about
   * someone else, or below the required level (a renewal that cannot show its level is refused too).
   */
  async renew(providerSession: ProviderSession): Promise<ProviderSession> {
    const { refreshToken } = providerSession;
    if (refreshToken === undefined) {
      throw new AuthenticationRefused("Le fournisseur d'identité n'a pas permis de renouveler cette connexion.");
    }
    const configuration = await this.#configured();
    try {
      const tokens = await client.refreshTokenGrant(configuration, refreshToken);
      const idToken = tokens.claims();
      if (idToken === undefined && this.settings.requiredAcr !== undefined) {
        throw new AuthenticationRefused(
          "Le fournisseur d'identité n'a pas confirmé le niveau d'authentification : veuillez vous reconnecter.",
        );
      }
      if (idToken !== undefined) {
        if (idToken.sub !== providerSession.subject) {
          throw new AuthenticationRefused("Le fournisseur d'identité a renouvelé la connexion d'une autre personne.");
        }
        checkAcr(this.settings, idToken);
      }
      return {
        idToken: tokens.id_token ?? providerSession.idToken,
        subject: providerSession.subject,
        refreshToken: tokens.refresh_token ?? refreshToken,
      };
    } catch (error) {
      throw refusal(error, "Le fournisseur d'identité n'a pas renouvelé la connexion : veuillez vous reconnecter.");
    }
  }

  /**
   * Where to send the professional so that the provider ends its own session too: its
   * `end_session_endpoint` with `id_token_hint`, `post_logout_redirect_uri` and `state`; `undefined`
   * when the provider has no such endpoint.
   */
  async endSessionUrl(providerSession: ProviderSession, state: string): Promise<URL | undefined> {
    const configuration = await this.#configured();
    if (configuration.serverMetadata().end_session_endpoint === undefined) return undefined;
    return client.buildEndSessionUrl(configuration, {
      id_token_hint: providerSession.idToken,
      post_logout_redirect_uri: (this.settings.postLogoutRedirectUri ?? siteRootOf(this.settings.redirectUri)).href,
      state,
    });
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
        .then((configuration) => {
          client.enableNonRepudiationChecks(configuration);
          return configuration;
        })
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

/** `…/auth/<id>/callback` → `…/`, keeping any path the server is mounted under. */
function siteRootOf(redirectUri: URL): URL {
  return new URL('../..', redirectUri);
}

function refusal(error: unknown, detail: string): AuthenticationRefused {
  if (error instanceof AuthenticationRefused) return error;
  if (error instanceof client.AuthorizationResponseError) {
    return new AuthenticationRefused(
      error.error === 'access_denied'
        ? "La connexion a été refusée par le fournisseur d'identité."
        : `Le fournisseur d'identité a signalé une erreur (${oauthErrorCode(error.error)}).`,
      { cause: error },
    );
  }
  return new AuthenticationRefused(detail, { cause: error });
}

/** OAuth error codes are ASCII words; anything else is not echoed back. */
function oauthErrorCode(code: string): string {
  return /^[\w.-]{1,64}$/.test(code) ? code : 'erreur inconnue';
}
