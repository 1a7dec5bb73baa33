import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  hashPassword,
  invitationDigestOf,
  newInvitationToken,
  newTotpSecret,
  passwordProblems,
  TotpSecretSeal,
  totpCodeAt,
  totpStepOf,
  verifyPassword,
} from './portal-credentials.js';

describe('the usager portal credentials', () => {
  it('hashes a password with scrypt and a random salt, and verifies it in constant time', async () => {
    // given
    const hash = await hashPassword('un mot de passe très long');
    const again = await hashPassword('un mot de passe très long');
    // then
    expect(hash).to.match(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.to.equal(again);
    expect(await verifyPassword('un mot de passe très long', hash)).to.equal(true);
    expect(await verifyPassword('un mot de passe tres long', hash)).to.equal(false);
    expect(await verifyPassword('un mot de passe très long', undefined)).to.equal(false);
  });

  it('refuses short passwords and those containing the login, in French', () => {
    expect(passwordProblems('court', 'camille')).to.deep.equal([
      'Le mot de passe doit compter au moins 12 caractères.',
    ]);
    expect(passwordProblems('camille-2026-secret', 'camille')).to.deep.equal([
      'Le mot de passe ne doit pas contenir votre identifiant.',
    ]);
    expect(passwordProblems('cheval agrafe pile', 'camille')).to.deep.equal([]);
  });

  it('accepts the code of the current step and one step of drift, never two', () => {
    // given the RFC 6238 test secret, not a random one: with a random secret, two steps' codes
    // were the same one time in 250,000 or so, and the step found was not the one the code was made at
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const now = new Date('2026-03-02T09:00:10Z');
    const step = Math.floor(now.getTime() / 30_000);
    // then
    expect(totpStepOf(secret, totpCodeAt(secret, now), now)).to.equal(step);
    expect(totpStepOf(secret, totpCodeAt(secret, new Date(now.getTime() - 30_000)), now)).to.equal(step - 1);
    expect(totpStepOf(secret, totpCodeAt(secret, new Date(now.getTime() + 90_000)), now)).to.equal(undefined);
    expect(totpStepOf(secret, 'abcdef', now)).to.equal(undefined);
  });

  it('seals the TOTP secret so that only the same seal key opens it, and detects tampering', () => {
    // given
    const seal = new TotpSecretSeal(randomBytes(32));
    const secret = newTotpSecret();
    // when
    const sealed = seal.seal(secret);
    // then
    expect(sealed).not.to.contain(secret);
    expect(seal.open(sealed)).to.equal(secret);
    expect(new TotpSecretSeal(randomBytes(32)).open(sealed)).to.equal(undefined);
    expect(seal.open(withOneTagBitFlipped(sealed))).to.equal(undefined);
  });

  // Writing fixed characters over the tag's end would leave it unchanged one time in 256.
  function withOneTagBitFlipped(sealed: string): string {
    const parts = sealed.split('.');
    const tag = Buffer.from(parts[3] ?? '', 'base64url');
    tag[0] = (tag[0] ?? 0) ^ 1;
    return [...parts.slice(0, 3), tag.toString('base64url')].join('.');
  }

  it('keeps only the digest of an invitation token', () => {
    const token = newInvitationToken();
    expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(invitationDigestOf(token)).to.have.length(43).and.not.equal(token);
  });
});
