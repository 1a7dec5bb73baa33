/**
 * What a session keeps: who logged in, through which provider, how strongly, and when. Never a token of
 * the provider: nothing here can act at the provider in the professional's name.
 */
export interface SessionRecord {
  professionalId: string;
  displayName: string;
  provider: string;
  acr?: string;
  rawPractices?: unknown;
  /** ISO 8601. */
  loggedInAt: string;
  /** ISO 8601; the store forgets the session then. */
  expiresAt: string;
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
