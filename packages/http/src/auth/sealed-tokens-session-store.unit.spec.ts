import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { MemorySessionStore } from './memory-session-store.js';
import { deriveSessionTokensKey, SealedTokensSessionStore } from './sealed-tokens-session-store.js';
import type { SessionRecord } from './session-store.js';

describe('sessions whose provider tokens are kept sealed', () => {
  const now = new Date('2026-11-26T07:00:00Z');
  const masterKey = randomBytes(32);
  const record: SessionRecord = {
    professionalId: '810000012345',
    displayName: 'Alex MARTIN',
    provider: 'psc',
    acr: 'eidas1',
    providerSession: {
      idToken: 'eyJhbGciOiJSUzI1NiJ9.an-id-token.signature',
      refreshToken: 'a-refresh-token-worth-stealing',
      subject: 'f:ans:810000012345',
    },
    loggedInAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
  };

  it('gives back the record as it was put, while the store underneath holds no token', async () => {
    // given
    const underneath = new MemorySessionStore({ now: () => now });
    const sessions = new SealedTokensSessionStore(underneath, deriveSessionTokensKey(masterKey));

    // when
    await sessions.put('session-1', record);

    // then
    expect(await sessions.get('session-1')).to.deep.equal(record);
    const stored = JSON.stringify(await underneath.get('session-1'));
    expect(stored).not.to.include('a-refresh-token-worth-stealing');
    expect(stored).not.to.include('an-id-token');
    expect(stored).to.include('810000012345');
  });

  it('opens the tokens on another instance of the deployment, and on no other deployment', async () => {
    // given a session put by one instance
    const underneath = new MemorySessionStore({ now: () => now });
    await new SealedTokensSessionStore(underneath, deriveSessionTokensKey(masterKey)).put('session-1', record);

    // when another instance (same master key) and another deployment (another master key) read it
    const sameDeployment = new SealedTokensSessionStore(underneath, deriveSessionTokensKey(Buffer.from(masterKey)));
    const otherDeployment = new SealedTokensSessionStore(underneath, deriveSessionTokensKey(randomBytes(32)));

    // then
    expect(await sameDeployment.get('session-1')).to.deep.equal(record);
    expect(await otherDeployment.get('session-1')).to.equal(undefined);
  });

  it('refuses a session whose sealed tokens were altered', async () => {
    // given
    const underneath = new MemorySessionStore({ now: () => now });
    const sessions = new SealedTokensSessionStore(underneath, deriveSessionTokensKey(masterKey));
    await sessions.put('session-1', record);
    const stored = (await underneath.get('session-1'))!;
    const sealed = (stored.providerSession as unknown as { sealed: string }).sealed;
    const altered = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`;
    await underneath.put('session-1', { ...stored, providerSession: { sealed: altered } as never });

    // when
    const read = await sessions.get('session-1');

    // then
    expect(read).to.equal(undefined);
  });

  it('reads a session stored before sealing, and one without provider tokens, as they are', async () => {
    // given
    const underneath = new MemorySessionStore({ now: () => now });
    const { providerSession: _tokens, ...devLogin } = record;
    await underneath.put('before-sealing', record);
    await underneath.put('dev-login', { ...devLogin, provider: 'dev' });
    const sessions = new SealedTokensSessionStore(underneath, deriveSessionTokensKey(masterKey));

    // then
    expect(await sessions.get('before-sealing')).to.deep.equal(record);
    expect(await sessions.get('dev-login')).to.deep.equal({ ...devLogin, provider: 'dev' });
    expect(await sessions.get('unknown')).to.equal(undefined);
  });
});
