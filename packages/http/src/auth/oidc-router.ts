import { randomBytes } from 'node:crypto';
import { habilitationSuggestions } from '@dui-pds/segur-adapters';
import { type Request, type Response, Router } from 'express';
import { AuthenticationRefused } from './authentication-refused.js';
import { localPath } from './local-path.js';
import { type CompletedLogin, OidcRelyingParty } from './oidc-relying-party.js';
import type { OidcProviderSettings } from './oidc-settings.js';
import { openPendingLogin, PENDING_LOGIN_KEY_BYTES, sealPendingLogin } from './pending-login.js';
import { sendProblem, sendUnauthenticated } from './problem.js';
import type { SessionRecord, SessionStore } from './session-store.js';
import {
  type CookieSecurity,
  clearSessionCookie,
  cookieOf,
  sessionTokenOf,
  setSessionCookie,
} from './session-transport.js';
import { closeSession, liveSessionRecord, openSession, replaceProviderSession } from './sessions.js';

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
  /** Told that the logout at the provider could not be prepared; the local session is closed all the same. */
  onProviderLogoutFailure?: (error: unknown, provider: string) => void;
  now?: () => Date;
}

/**
 * `GET /auth/:provider/login` and `GET /auth/:provider/callback`, and for every session (the development
 * login's too) `GET /auth/session`, `POST /auth/refresh` and `POST /auth/logout`. An unknown provider
 * falls through to the next handler (the shell's 404).
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
    let login: CompletedLogin;
    let returnTo: string;
    try {
      const sealed = cookieOf(req, PENDING_LOGIN_COOKIE);
      const pending = sealed === undefined ? undefined : openPendingLogin(key, sealed, now());
      if (pending === undefined || pending.provider !== party.settings.id) {
        throw new AuthenticationRefused("Aucune connexion n'est en cours, ou elle a expiré : veuillez recommencer.");
      }
      login = await party.completeLogin(queryOf(req), pending);
      returnTo = pending.returnTo;
    } catch (error) {
      return refuse(res, party.settings.id, error);
    }
    // A session the user agent held before is not carried over: no session fixation.
    const previous = sessionTokenOf(req);
    if (previous !== undefined) await closeSession(options.sessionStore, previous);
    const session = await openSession(options.sessionStore, login.professional, {
      now,
      providerSession: login.providerSession,
    });
    setSessionCookie(res, session, options);
    res.set('Cache-Control', 'no-store').redirect(302, returnTo);
  });

  /** Who the session is about, what the provider vouched for, and the habilitations that suggests. */
  router.get('/auth/session', async (req, res) => {
    const token = sessionTokenOf(req);
    const record = token === undefined ? undefined : await liveSessionRecord(options.sessionStore, token, { now });
    if (record === undefined) return sendUnauthenticated(res, 'Aucune session ouverte.');
    res.set('Cache-Control', 'no-store').json(sessionView(record));
  });

  /**
   * Renews the provider session with its refresh token: the session goes on (until its absolute expiry,
   * which a renewal never moves) only if the provider still vouches for the professional, at the
   * required level; otherwise it ends here.
   */
  router.post('/auth/refresh', async (req, res) => {
    const token = sessionTokenOf(req);
    const record = token === undefined ? undefined : await liveSessionRecord(options.sessionStore, token, { now });
    if (token === undefined || record === undefined) return sendUnauthenticated(res, 'Aucune session ouverte.');
    const party = parties.get(record.provider);
    if (party === undefined || record.providerSession?.refreshToken === undefined) {
      return sendProblem(
        res,
        409,
        'conflict',
        'Conflit',
        'Cette session ne se renouvelle pas auprès de son fournisseur.',
      );
    }
    try {
      const renewed = await party.renew(record.providerSession);
      await replaceProviderSession(options.sessionStore, token, record, renewed);
    } catch (error) {
      await closeSession(options.sessionStore, token);
      clearSessionCookie(res, options);
      return refuse(res, party.settings.id, error);
    }
    res.set('Cache-Control', 'no-store').status(204).end();
  });

  /**
   * Ends the session here, then, for a login at a provider that can end its own (Pro Santé Connect),
   * gives its logout URL: a 303 to it for a browser's form, the URL as JSON for a script.
   */
  router.post('/auth/logout', async (req, res) => {
    const token = sessionTokenOf(req);
    const record = token === undefined ? undefined : await liveSessionRecord(options.sessionStore, token, { now });
    if (token !== undefined) await closeSession(options.sessionStore, token);
    clearSessionCookie(res, options);
    res.set('Cache-Control', 'no-store');
    const endSession = record === undefined ? undefined : await endSessionUrl(record);
    if (endSession === undefined) return res.status(204).end();
    if (req.accepts(['json', 'html']) === 'html') return res.redirect(303, endSession.href);
    res.json({ endSessionUrl: endSession.href });
  });

  /** `undefined` when there is nothing to end at the provider, or the provider cannot be reached. */
  async function endSessionUrl(record: SessionRecord): Promise<URL | undefined> {
    const party = parties.get(record.provider);
    if (party === undefined || record.providerSession === undefined) return undefined;
    try {
      return await party.endSessionUrl(record.providerSession, randomBytes(16).toString('base64url'));
    } catch (error) {
      options.onProviderLogoutFailure?.(error, party.settings.id);
      return undefined;
    }
  }

  return router;
}

/** Never the provider session: its tokens stay in the store. */
function sessionView(record: SessionRecord) {
  const practices = record.practices ?? [];
  return {
    professionalId: record.professionalId,
    displayName: record.displayName,
    provider: record.provider,
    ...(record.acr === undefined ? {} : { acr: record.acr }),
    loggedInAt: record.loggedInAt,
    expiresAt: record.expiresAt,
    practices,
    habilitationSuggestions: habilitationSuggestions(practices),
  };
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
