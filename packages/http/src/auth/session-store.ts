import type { ProfessionalPractice } from '@dui-pds/segur-adapters';

/**
 * What a session keeps: who logged in, through which provider, how strongly, and when; and, for a login
 * at an OpenID provider, what the server needs to act on it there later.
 */
export interface SessionRecord {
  professionalId: string;
  displayName: string;
  provider: string;
  acr?: string;
  practices?: ProfessionalPractice[];
  rawPractices?: unknown;
  /** Server-side only: never sent to the client, never put in `res.locals`, gone with the session. */
  providerSession?: ProviderSession;
  /** ISO 8601. */
  loggedInAt: string;
  /** ISO 8601; the store forgets the session then. */
  expiresAt: string;
}

/**
 * What the provider gave that outlives the login: the ID token (the hint of the logout at the provider)
 * and the refresh token when there is one, with the subject they are about. Never the access token,
 * dropped once userinfo is read.
 */
export interface ProviderSession {
  idToken: string;
  refreshToken?: string;
  subject: string;
}

/**
 * Port for the server-side sessions. `sessionId` is the SHA-256 of the token the client holds, so that
 * whoever reads the store cannot replay a session.
 */
export interface SessionStore {
  /** Keeps the record until its `expiresAt`. */
  put(sessionId: string, record: SessionRecord): Promise<void>;
  get(sessionId: string): Promise<SessionRecord | undefined>;
  delete(sessionId: string): Promise<void>;
}
