import { expect } from 'chai';
import { MemorySessionStore } from './memory-session-store.js';
import type { AuthenticatedProfessional } from './professional-identity.js';
import type { SessionRecord, SessionStore } from './session-store.js';
import {
  closeSession,
  liveSessionRecord,
  openSession,
  replaceProviderSession,
  resolveSession,
  SESSION_LIFETIME_MS,
  sessionIdOf,
} from './sessions.js';

describe('sessions', () => {
  const camille: AuthenticatedProfessional = {
    professionalId: '810012345678',
    displayName: 'Camille Martin',
    provider: 'psc',
    acr: 'eidas1',
    practices: [{ professionCode: '10', workSituations: [{ finess: '750000001' }] }],
  };
  const providerSession = { idToken: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', refreshToken: 'refresh-1', subject: 'f:ans:1' };

  /** Keeps what it is given, to look at what a session stores. */
  class RecordingStore implements SessionStore {
    readonly records = new Map<string, SessionRecord>();
    async put(sessionId: string, record: SessionRecord) {
      this.records.set(sessionId, record);
    }
    async get(sessionId: string) {
      return this.records.get(sessionId);
    }
    async delete(sessionId: string) {
      this.records.delete(sessionId);
    }
  }

  it('opens a session under a 256-bit base64url token, and resolves it back to the professional', async () => {
    // given
    const store = new MemorySessionStore();

    // when
    const session = await openSession(store, camille);

    // then
    expect(session.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(session.token, 'base64url')).to.have.length(32);
    expect(await resolveSession(store, session.token)).to.deep.equal(camille);
  });

  it('stores the identity and login time under the hash of the token, never the token itself', async () => {
    // given
    const store = new RecordingStore();
    const now = new Date('2026-03-02T08:00:00.000Z');

    // when
    const session = await openSession(store, camille, { now: () => now });

    // then
    expect([...store.records.keys()]).to.deep.equal([sessionIdOf(session.token)]);
    expect(JSON.stringify([...store.records])).to.not.include(session.token);
    expect(store.records.get(sessionIdOf(session.token))).to.deep.equal({
      ...camille,
      loggedInAt: '2026-03-02T08:00:00.000Z',
      expiresAt: '2026-03-02T20:00:00.000Z',
    });
  });

  it('ends twelve hours after login, however much it is used in between', async () => {
    // given
    let now = new Date('2026-03-02T08:00:00.000Z');
    const clock = { now: () => now };
    const store = new MemorySessionStore(clock);
    const session = await openSession(store, camille, clock);

    // when
    now = new Date(Date.parse('2026-03-02T08:00:00.000Z') + SESSION_LIFETIME_MS - 1);
    const justBefore = await resolveSession(store, session.token, clock);
    now = new Date(Date.parse('2026-03-02T08:00:00.000Z') + SESSION_LIFETIME_MS);
    const atExpiry = await resolveSession(store, session.token, clock);

    // then
    expect(justBefore).to.deep.equal(camille);
    expect(atExpiry).to.equal(undefined);
  });

  it('does not trust a store that still holds an expired session', async () => {
    // given
    const store = new RecordingStore();
    const session = await openSession(store, camille, { now: () => new Date('2026-03-02T08:00:00Z') });

    // when
    const resolved = await resolveSession(store, session.token, { now: () => new Date('2026-03-02T20:00:00Z') });

    // then
    expect(resolved).to.equal(undefined);
  });

  it('closes a session: its token then resolves to nobody', async () => {
    // given
    const store = new MemorySessionStore();
    const session = await openSession(store, camille);

    // when
    await closeSession(store, session.token);

    // then
    expect(await resolveSession(store, session.token)).to.equal(undefined);
  });

  it('keeps the provider session in the store only: the professional resolved from the token holds none of it', async () => {
    // given
    const store = new MemorySessionStore();

    // when
    const session = await openSession(store, camille, { providerSession });

    // then
    expect((await liveSessionRecord(store, session.token))?.providerSession).to.deep.equal(providerSession);
    expect(await resolveSession(store, session.token)).to.deep.equal(camille);
  });

  it('replaces the provider session of a renewal and leaves the session’s expiry as it was', async () => {
    // given
    const store = new RecordingStore();
    const session = await openSession(store, camille, {
      providerSession,
      now: () => new Date('2026-03-02T08:00:00.000Z'),
    });
    const record = (await liveSessionRecord(store, session.token, { now: () => new Date('2026-03-02T09:00:00Z') }))!;
    const renewed = { ...providerSession, idToken: 'eyJhbGciOiJSUzI1NiJ9.e30.bmV3', refreshToken: 'refresh-2' };

    // when
    await replaceProviderSession(store, session.token, record, renewed);

    // then
    expect(store.records.get(sessionIdOf(session.token))).to.deep.include({
      providerSession: renewed,
      expiresAt: '2026-03-02T20:00:00.000Z',
    });
  });

  it('resolves a malformed or unknown token to nobody without asking the store', async () => {
    // given
    const store = new RecordingStore();

    // when
    const malformed = await resolveSession(store, 'not a token');
    const unknown = await resolveSession(store, 'A'.repeat(43));

    // then
    expect(malformed).to.equal(undefined);
    expect(unknown).to.equal(undefined);
  });
});
