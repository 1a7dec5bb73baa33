import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { SessionRecord, SessionStore } from '../session-store.js';

export function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const loggedInAt = new Date();
  return {
    professionalId: '810012345678',
    displayName: 'Camille Martin',
    provider: 'psc',
    acr: 'eidas1',
    practices: [{ professionCode: '10', workSituations: [{ finess: '750000001', siteName: 'CSAPA' }] }],
    providerSession: { idToken: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', refreshToken: 'refresh-token', subject: 'f:ans:1' },
    loggedInAt: loggedInAt.toISOString(),
    expiresAt: new Date(loggedInAt.getTime() + 60_000).toISOString(),
    ...overrides,
  };
}

/** What every `SessionStore` adapter must do; each adapter's spec runs it. */
export function describeSessionStoreBehaviour(open: () => SessionStore): void {
  describe('as a session store', () => {
    let store: SessionStore;
    const sessionId = () => randomBytes(32).toString('base64url');

    beforeEach(() => {
      store = open();
    });

    it('gives back what was put, unchanged', async () => {
      // given
      const id = sessionId();
      const record = sessionRecord();

      // when
      await store.put(id, record);

      // then
      expect(await store.get(id)).to.deep.equal(record);
    });

    it('knows nothing of an id never put', async () => {
      // when
      const found = await store.get(sessionId());

      // then
      expect(found).to.equal(undefined);
    });

    it('forgets a deleted session, and deleting twice is harmless', async () => {
      // given
      const id = sessionId();
      await store.put(id, sessionRecord());

      // when
      await store.delete(id);
      await store.delete(id);

      // then
      expect(await store.get(id)).to.equal(undefined);
    });

    it('forgets a session once its expiry has passed', async () => {
      // given
      const id = sessionId();
      await store.put(id, sessionRecord({ expiresAt: new Date(Date.now() + 150).toISOString() }));
      const before = await store.get(id);

      // when
      await sleep(300);

      // then
      expect(before).to.not.equal(undefined);
      expect(await store.get(id)).to.equal(undefined);
    });

    it('keeps sessions apart', async () => {
      // given
      const [first, second] = [sessionId(), sessionId()];
      await store.put(first, sessionRecord({ professionalId: '810000000001' }));
      await store.put(second, sessionRecord({ professionalId: '810000000002' }));

      // when
      await store.delete(first);

      // then
      expect(await store.get(first)).to.equal(undefined);
      expect((await store.get(second))?.professionalId).to.equal('810000000002');
    });
  });
}
