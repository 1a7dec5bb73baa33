import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { derivePendingLoginKey, openPendingLogin, type PendingLogin, sealPendingLogin } from './pending-login.js';

describe('pending login cookie', () => {
  const key = randomBytes(32);
  const now = new Date('2026-03-02T08:00:00Z');
  const pending: PendingLogin = {
    provider: 'psc',
    state: 'state-value',
    nonce: 'nonce-value',
    codeVerifier: 'a-code-verifier-that-must-stay-secret',
    returnTo: '/usagers/42',
    expiresAt: now.getTime() + 60_000,
  };

  it('opens what it sealed, and hides the code verifier', () => {
    // when
    const sealed = sealPendingLogin(key, pending);

    // then
    expect(sealed).to.match(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).to.not.include('code-verifier');
    expect(openPendingLogin(key, sealed, now)).to.deep.equal(pending);
  });

  it('refuses an altered value, another key, garbage and a stale login', () => {
    // given
    const sealed = Buffer.from(sealPendingLogin(key, pending), 'base64url');
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;

    // when
    const opened = [
      openPendingLogin(key, altered.toString('base64url'), now),
      openPendingLogin(randomBytes(32), sealed.toString('base64url'), now),
      openPendingLogin(key, 'garbage', now),
      openPendingLogin(key, sealed.toString('base64url'), new Date(pending.expiresAt)),
    ];

    // then
    expect(opened).to.deep.equal([undefined, undefined, undefined, undefined]);
  });

  it('opens on another instance of the deployment, which derives the same key from the same master key', () => {
    // given two instances sharing a master key, and a third of another deployment
    const masterKey = randomBytes(32);
    const sealedByOne = sealPendingLogin(derivePendingLoginKey(masterKey), pending);

    // when
    const onTheOther = openPendingLogin(derivePendingLoginKey(Buffer.from(masterKey)), sealedByOne, now);
    const elsewhere = openPendingLogin(derivePendingLoginKey(randomBytes(32)), sealedByOne, now);

    // then
    expect(onTheOther).to.deep.equal(pending);
    expect(elsewhere).to.equal(undefined);
    expect(derivePendingLoginKey(masterKey).equals(masterKey)).to.equal(false);
  });

  it('refuses a key of the wrong size', () => {
    // when
    const sealing = () => sealPendingLogin(randomBytes(16), pending);

    // then
    expect(sealing).to.throw(RangeError);
  });
});
