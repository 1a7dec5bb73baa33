import type { SessionRecord, SessionStore } from './session-store.js';

/** The embedded default: one process, sessions lost on restart. Expired sessions are dropped lazily. */
export class MemorySessionStore implements SessionStore {
  readonly #records = new Map<string, SessionRecord>();
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  async put(sessionId: string, record: SessionRecord): Promise<void> {
    this.#dropExpired();
    this.#records.set(sessionId, structuredClone(record));
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const record = this.#records.get(sessionId);
    if (record === undefined) return undefined;
    if (this.#expired(record)) {
      this.#records.delete(sessionId);
      return undefined;
    }
    return structuredClone(record);
  }

  async delete(sessionId: string): Promise<void> {
    this.#records.delete(sessionId);
  }

  /** Sessions held, expired or not: for tests and health figures. */
  get size(): number {
    return this.#records.size;
  }

  #dropExpired(): void {
    for (const [sessionId, record] of this.#records) {
      if (this.#expired(record)) this.#records.delete(sessionId);
    }
  }

  #expired(record: SessionRecord): boolean {
    return Date.parse(record.expiresAt) <= this.#now().getTime();
  }
}
