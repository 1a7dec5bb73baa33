import { randomBytes } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { AuthenticationRefused } from './authentication-refused.js';
import { localPath } from './local-path.js';
import { OidcRelyingParty } from './oidc-relying-party.js';
import type { OidcProviderSettings } from './oidc-settings.js';
import { openPendingLogin, PENDING_LOGIN_KEY_BYTES, sealPendingLogin } from './pending-login.js';
import { sendUnauthenticated } from './problem.js';
import type { AuthenticatedProfessional } from './professional-identity.js';
import type { SessionStore } from './session-store.js';
import {
  type CookieSecurity,
  clearSessionCookie,
  cookieOf,
  sessionTokenOf,
  setSessionCookie,
} from './session-transport.js';
import { closeSession, openSession } from './sessions.js';

export const PENDING_LOGIN_COOKIE = 'dui_oidc_login';

export interface OidcRouterOptions extends CookieSecurity {
  /** May be empty: the router still serves `POST /auth/logout`, e.g. for the development login. */
  providers: readonly OidcProviderSettings[];
  sessionStore: SessionStore;
  /**
   * 32 bytes sealing the pending login cookie; every instance behind one load balancer needs the same.
   * Absent: a random key per process, which suits a single instance.
   */
  pendingLoginKey?: Buffer;
  /** Told why a login was refused, for the logs; the professional only sees the French detail. */
  onRefusal?: (refusal: AuthenticationRefused, provider: string) => void;
  now?: () => Date;
}

/**
 * `GET /auth/:provider/login`, `GET /auth/:provider/callback` and `POST /auth/logout`. An unknown
 * provider falls through to the next handler (the shell's 404).
 */
export function oidcRouter(options: OidcRouterOptions): Router {
  const parties = new Map(options.providers.map((settings) => [settings.id, new OidcRelyingParty(settings)]));
  if (parties.size !== options.providers.length) {
    throw new Error("deux fournisseurs d'identité ont le même identifiant");
  }
  const key = options.pendingLoginKey ?? randomBytes(PENDING_LOGIN_KEY_BYTES);
  const now = options.now ?? (() => new Date());
  const refuse = (res: Response, provider: string, error: unknown): void => {
    const refusal =
      error instanceof AuthenticationRefused
        ? error
        : new AuthenticationRefused('La connexion a échoué : veuillez recommencer.', { cause: error });
    options.onRefusal?.(refusal, provider);
    sendUnauthenticated(res, refusal.detail);
  };

  const router = Router();

  router.get('/auth/:provider/login', async (req, res, next) => {
    const party = parties.get(req.params.provider);
    if (party === undefined) return next();
    try {
      const { url, pending } = await party.beginLogin(localPath(req.query.returnTo) ?? '/', now());
      res.cookie(PENDING_LOGIN_COOKIE, sealPendingLogin(key, pending), {
        ...pendingCookieAttributes(req, options),
        expires: new Date(pending.expiresAt),
      });
      res.set('Cache-Control', 'no-store').redirect(302, url.href);
    } catch (error) {
      refuse(res, party.settings.id, error);
    }
  });

  router.get('/auth/:provider/callback', async (req, res, next) => {
    const party = parties.get(req.params.provider);
    if (party === undefined) return next();
    // One use only, whatever the outcome.
    res.clearCookie(PENDING_LOGIN_COOKIE, pendingCookieAttributes(req, options));
    let professional: AuthenticatedProfessional;
    let returnTo: string;
    try {
      const sealed = cookieOf(req, PENDING_LOGIN_COOKIE);
      const pending = sealed === undefined ? undefined : openPendingLogin(key, sealed, now());
      if (pending === undefined || pending.provider !== party.settings.id) {
        throw new AuthenticationRefused("Aucune connexion n'est en cours, ou elle a expiré : veuillez recommencer.");
      }
      professional = await party.completeLogin(queryOf(req), pending);
      returnTo = pending.returnTo;
    } catch (error) {
      return refuse(res, party.settings.id, error);
    }
    // A session the user agent held before is not carried over: no session fixation.
    const previous = sessionTokenOf(req);
    if (previous !== undefined) await closeSession(options.sessionStore, previous);
    const session = await openSession(options.sessionStore, professional, { now });
    setSessionCookie(res, session, options);
    res.set('Cache-Control', 'no-store').redirect(302, returnTo);
  });

  router.post('/auth/logout', async (req, res) => {
    const token = sessionTokenOf(req);
    if (token !== undefined) await closeSession(options.sessionStore, token);
    clearSessionCookie(res, options);
    res.set('Cache-Control', 'no-store').status(204).end();
  });

  return router;
}

function pendingCookieAttributes(req: Request, security: CookieSecurity) {
  // Lax: the callback is a top-level navigation coming back from the provider's site.
  return { httpOnly: true, secure: security.secureCookies, sameSite: 'lax' as const, path: `${req.baseUrl}/auth` };
}

/** The raw query string, as the provider sent it: Express's parsed `req.query` may reshape it. */
function queryOf(req: Request): URLSearchParams {
  const questionMark = req.originalUrl.indexOf('?');
  return new URLSearchParams(questionMark === -1 ? '' : req.originalUrl.slice(questionMark + 1));
}
