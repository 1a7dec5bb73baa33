import { createHash, randomBytes } from 'node:crypto';
import type { AuthenticatedProfessional } from './professional-identity.js';
import type { ProviderSession, SessionRecord, SessionStore } from './session-store.js';

/**
 * Twelve hours, absolute: counted from login and never extended by use, so that a working day ends with
 * a new authentication at the provider.
 */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface OpenedSession {
  /** 256 random bits, base64url: what the client holds, as cookie or bearer token. */
  token: string;
  expiresAt: Date;
}

export interface SessionClock {
  now?: () => Date;
}

export async function openSession(
  store: SessionStore,
  professional: AuthenticatedProfessional,
  options: SessionClock & { lifetimeMs?: number; providerSession?: ProviderSession } = {},
): Promise<OpenedSession> {
  const loggedInAt = (options.now ?? (() => new Date()))();
  const expiresAt = new Date(loggedInAt.getTime() + (options.lifetimeMs ?? SESSION_LIFETIME_MS));
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  await store.put(sessionIdOf(token), {
    professionalId: professional.professionalId,
    displayName: professional.displayName,
    provider: professional.provider,
    ...(professional.acr === undefined ? {} : { acr: professional.acr }),
    ...(professional.practices === undefined ? {} : { practices: professional.practices }),
    ...(professional.rawPractices === undefined ? {} : { rawPractices: professional.rawPractices }),
    ...(options.providerSession === undefined ? {} : { providerSession: options.providerSession }),
    loggedInAt: loggedInAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
  });
  return { token, expiresAt };
}

/** The professional of a live session, or `undefined` for an unknown, malformed or expired token. */
export async function resolveSession(
  store: SessionStore,
  token: string,
  options: SessionClock = {},
): Promise<AuthenticatedProfessional | undefined> {
  const record = await liveSessionRecord(store, token, options);
  return record === undefined ? undefined : professionalInSession(record);
}

/** Who the session is about, field by field: nothing of the provider session comes along. */
export function professionalInSession(record: SessionRecord): AuthenticatedProfessional {
  return {
    professionalId: record.professionalId,
    displayName: record.displayName,
    provider: record.provider,
    ...(record.acr === undefined ? {} : { acr: record.acr }),
    ...(record.practices === undefined ? {} : { practices: record.practices }),
    ...(record.rawPractices === undefined ? {} : { rawPractices: record.rawPractices }),
  };
}

/** The whole record of a live session, provider session included: for logout and renewal, never for a client. */
export async function liveSessionRecord(
  store: SessionStore,
  token: string,
  options: SessionClock = {},
): Promise<SessionRecord | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const record = await store.get(sessionIdOf(token));
  return record === undefined || expired(record, options) ? undefined : record;
}

/** The renewed provider session replaces the old one; the session's absolute expiry stays as it was. */
export async function replaceProviderSession(
  store: SessionStore,
  token: string,
  record: SessionRecord,
  providerSession: ProviderSession,
): Promise<void> {
  await store.put(sessionIdOf(token), { ...record, providerSession });
}

export async function closeSession(store: SessionStore, token: string): Promise<void> {
  if (TOKEN_PATTERN.test(token)) await store.delete(sessionIdOf(token));
}

/** The key a session is stored under: the token itself never reaches the store. */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Stores expire sessions themselves; this guards against a store whose clock or expiry lags. */
function expired(record: SessionRecord, options: SessionClock): boolean {
  const now = (options.now ?? (() => new Date()))();
  return !(Date.parse(record.expiresAt) > now.getTime());
}
