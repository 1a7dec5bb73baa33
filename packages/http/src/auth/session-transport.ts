import type { Request, Response } from 'express';
import { parseCookie } from 'cookie';
import type { OpenedSession } from './sessions.js';

export const SESSION_COOKIE = 'dui_session';

export interface CookieSecurity {
  /** `false` only for development over plain HTTP: browsers drop Secure cookies there. */
  secureCookies: boolean;
}

/** Bearer first: an API client that sends one means it, whatever cookie the user agent adds. */
export function sessionTokenOf(req: Request): string | undefined {
  const authorization = req.get('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer +([^ ]+) *$/i.exec(authorization);
    return match?.[1];
  }
  return cookieOf(req, SESSION_COOKIE);
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
