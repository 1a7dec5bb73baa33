import { parseCookie } from 'cookie';
import type { Request, Response } from 'express';
import type { OpenedSession } from './sessions.js';

export const SESSION_COOKIE = 'dui_session';

export interface CookieSecurity {
  /** `false` only for development over plain HTTP: browsers drop Secure cookies there. */
  secureCookies: boolean;
}

/**
 * A bearer token first: an API client that sends one means it, whatever cookie the user agent adds. Any
 * other authorization scheme (a proxy's Basic, say) is not ours and leaves the cookie in charge.
 */
export function sessionTokenOf(req: Request): string | undefined {
  const bearer = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '');
  return bearer === null ? cookieOf(req, SESSION_COOKIE) : bearer[1];
}

export function cookieOf(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  return header === undefined ? undefined : parseCookie(header)[name];
}

export function setSessionCookie(res: Response, session: OpenedSession, security: CookieSecurity): void {
  res.cookie(SESSION_COOKIE, session.token, { ...sessionCookieAttributes(security), expires: session.expiresAt });
}

export function clearSessionCookie(res: Response, security: CookieSecurity): void {
  res.clearCookie(SESSION_COOKIE, sessionCookieAttributes(security));
}

function sessionCookieAttributes(security: CookieSecurity) {
  return { httpOnly: true, secure: security.secureCookies, sameSite: 'lax' as const, path: '/' };
}
