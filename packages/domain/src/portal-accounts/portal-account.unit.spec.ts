import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  invitationExpiry,
  LOCKOUT_MINUTES,
  MAX_LOGIN_FAILURES,
  type PortalAccountEvent,
  type PortalAccountInvited,
  portalAccountDecider,
  portalAccountEventSchemas,
  portalAccountStreamId,
  portalLoginLocked,
} from './portal-account.js';

const spec = DeciderSpecification.for(portalAccountDecider);
const accountId = '0195f0a0-0000-7000-8000-0000000000c1';
const at = '2026-03-02T09:00:00.000Z';
const digest = 'a'.repeat(43);
const invitation: PortalAccountInvited = {
  accountId,
  login: 'camille.martin',
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  holder: 'service-user',
  invitationDigest: digest,
  expiresAt: invitationExpiry(at),
  invitedBy: 'pro-1',
  at,
};
const invited: PortalAccountEvent = { type: 'PortalAccountInvited', data: invitation };
const passwordSet: PortalAccountEvent = {
  type: 'PortalPasswordSet',
  data: { accountId, passwordHash: '$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA', at },
};
const enrolled: PortalAccountEvent = {
  type: 'PortalSecondFactorEnrolled',
  data: { accountId, sealedTotpSecret: 'v1.sealed-secret-for-test', totpStep: 90, at },
};
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const minutesAfter = (instant: string, minutes: number) =>
  new Date(Date.parse(instant) + minutes * 60_000).toISOString();

describe('a usager portal account', () => {
  it('is invited for the usager, or for a personne de confiance linked to a designation', () => {
    spec
      .given([])
      .when({ type: 'InvitePortalAccount', ...invitation })
      .thenEmits([invited]);
    spec
      .given([invited])
      .when({ type: 'InvitePortalAccount', ...invitation })
      .thenRefuses(refusedWith('PORTAL_ACCOUNT_EXISTS'));
    spec
      .given([])
      .when({ type: 'InvitePortalAccount', ...invitation, holder: 'trusted-person' })
      .thenRefuses(refusedWith('TRUSTED_PERSON_REQUIRED'));
    spec
      .given([])
      .when({ type: 'InvitePortalAccount', ...invitation, trustedPersonId: 'tp-1' })
      .thenRefuses(refusedWith('TRUSTED_PERSON_UNEXPECTED'));
    assert.equal(invitationExpiry(at), '2026-03-05T09:00:00.000Z');
  });

  it('sets the password then enrols the second factor with the invitation, until it expires, once', () => {
    const set = {
      type: 'SetPortalPassword' as const,
      accountId,
      invitationDigest: digest,
      passwordHash: '$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA',
      at,
    };
    spec.given([invited]).when(set).thenEmits([passwordSet]);
    spec
      .given([invited])
      .when({ ...set, invitationDigest: 'b'.repeat(43) })
      .thenRefuses(refusedWith('INVITATION_INVALID'));
    spec
      .given([invited])
      .when({ ...set, at: invitation.expiresAt })
      .thenRefuses(refusedWith('INVITATION_EXPIRED'));
    const enrol = {
      type: 'EnrolPortalSecondFactor' as const,
      accountId,
      invitationDigest: digest,
      sealedTotpSecret: 'v1.sealed-secret-for-test',
      totpStep: 90,
      at,
    };
    spec.given([invited]).when(enrol).thenRefuses(refusedWith('PORTAL_PASSWORD_FIRST'));
    spec.given([invited, passwordSet]).when(enrol).thenEmits([enrolled]);
    spec.given([invited, passwordSet, enrolled]).when(set).thenRefuses(refusedWith('INVITATION_INVALID'));
    assert.equal(foldEvents(portalAccountDecider, [invited, passwordSet, enrolled]).status, 'active');
    // the code typed to prove the key is used: it does not log in afterwards, the next one does
    const login = { type: 'RecordPortalLoginSuccess' as const, accountId, at };
    spec
      .given([invited, passwordSet, enrolled])
      .when({ ...login, totpStep: 90 })
      .thenRefuses(refusedWith('TOTP_CODE_REUSED'));
    spec
      .given([invited, passwordSet, enrolled])
      .when({ ...login, totpStep: 91 })
      .thenEmits([{ type: 'PortalLoginSucceeded', data: { accountId, totpStep: 91, at } }]);
  });

  it('records a login with a fresh one-time code step only', () => {
    const login = { type: 'RecordPortalLoginSuccess' as const, accountId, totpStep: 100, at };
    spec.given([invited, passwordSet]).when(login).thenRefuses(refusedWith('PORTAL_ACCOUNT_INACTIVE'));
    spec
      .given([invited, passwordSet, enrolled])
      .when(login)
      .thenEmits([{ type: 'PortalLoginSucceeded', data: { accountId, totpStep: 100, at } }]);
    spec
      .given([invited, passwordSet, enrolled, { type: 'PortalLoginSucceeded', data: { accountId, totpStep: 100, at } }])
      .when(login)
      .thenRefuses(refusedWith('TOTP_CODE_REUSED'));
  });

  it('uses a one-time code once, for a login or a signature, whichever comes first (property)', () => {
    const documentId = 'doc-1';
    fc.assert(
      fc.property(
        fc.array(fc.record({ signs: fc.boolean(), totpStep: fc.integer({ min: 91, max: 111 }) }), { maxLength: 12 }),
        (uses) => {
          let events: PortalAccountEvent[] = [invited, passwordSet, enrolled];
          const accepted: number[] = [];
          for (const { signs, totpStep } of uses) {
            const command = signs
              ? { type: 'UseOneTimeCodeForSignature' as const, accountId, totpStep, documentId, at }
              : { type: 'RecordPortalLoginSuccess' as const, accountId, totpStep, at };
            try {
              const decided = portalAccountDecider.decide(command, foldEvents(portalAccountDecider, events));
              events = [...events, ...asEventList(decided)];
              accepted.push(totpStep);
            } catch (error) {
              assert.ok(error instanceof DomainRuleViolation && error.code === 'TOTP_CODE_REUSED');
            }
          }
          // the steps taken only ever rise, and each is the first use of a step above all before it
          assert.deepEqual(
            accepted,
            uses.map((use) => use.totpStep).filter((step, index, all) => all.slice(0, index).every((s) => s < step)),
          );
        },
      ),
    );
  });

  it(`locks the account for ${LOCKOUT_MINUTES} minutes after ${MAX_LOGIN_FAILURES} failures in a row`, () => {
    let events: PortalAccountEvent[] = [invited, passwordSet, enrolled];
    for (let attempt = 1; attempt <= MAX_LOGIN_FAILURES; attempt++) {
      const decided = portalAccountDecider.decide(
        { type: 'RecordPortalLoginFailure', accountId, at: minutesAfter(at, attempt) },
        foldEvents(portalAccountDecider, events),
      );
      events = [...events, ...[decided].flat()];
    }
    const locked = foldEvents(portalAccountDecider, events);
    const lastFailure = minutesAfter(at, MAX_LOGIN_FAILURES);
    assert.ok(portalLoginLocked(locked, lastFailure));
    assert.ok(portalLoginLocked(locked, minutesAfter(lastFailure, LOCKOUT_MINUTES - 1)));
    assert.ok(!portalLoginLocked(locked, minutesAfter(lastFailure, LOCKOUT_MINUTES)));
    spec
      .given(events)
      .when({ type: 'RecordPortalLoginSuccess', accountId, totpStep: 1, at: minutesAfter(lastFailure, 1) })
      .thenRefuses(refusedWith('PORTAL_ACCOUNT_LOCKED'));
    // a failure while locked does not extend the lock
    spec
      .given(events)
      .when({ type: 'RecordPortalLoginFailure', accountId, at: minutesAfter(lastFailure, 2) })
      .thenEmits([
        {
          type: 'PortalLoginFailed',
          data: {
            accountId,
            consecutiveFailures: MAX_LOGIN_FAILURES,
            lockedUntil: minutesAfter(lastFailure, LOCKOUT_MINUTES),
            at: minutesAfter(lastFailure, 2),
          },
        },
      ]);
    // a success once the lock is over resets the count
    const after = minutesAfter(lastFailure, LOCKOUT_MINUTES);
    const reset = foldEvents(portalAccountDecider, [
      ...events,
      { type: 'PortalLoginSucceeded', data: { accountId, totpStep: 1, at: after } },
    ]);
    assert.ok(reset.status === 'active' && reset.consecutiveFailures === 0);
  });

  it('is revoked with a reason, and then refuses logins', () => {
    const revoke = {
      type: 'RevokePortalAccount' as const,
      accountId,
      reason: ' à la demande de l’usager ',
      revokedBy: 'pro-1',
      at,
    };
    const revoked: PortalAccountEvent = {
      type: 'PortalAccountRevoked',
      data: { accountId, reason: 'à la demande de l’usager', revokedBy: 'pro-1', at },
    };
    spec.given([invited, passwordSet, enrolled]).when(revoke).thenEmits([revoked]);
    spec
      .given([invited])
      .when({ ...revoke, reason: ' ' })
      .thenRefuses(refusedWith('REVOCATION_REASON_REQUIRED'));
    spec
      .given([invited, passwordSet, enrolled, revoked])
      .when({ type: 'RecordPortalLoginSuccess', accountId, totpStep: 5, at })
      .thenRefuses(refusedWith('PORTAL_ACCOUNT_INACTIVE'));
    spec
      .given([invited, revoked])
      .when({ type: 'SetPortalPassword', accountId, invitationDigest: digest, passwordHash: 'x'.repeat(30), at })
      .thenRefuses(refusedWith('INVITATION_INVALID'));
  });

  it('emits events matching their schemas, carrying no secret in clear, in one stream per account', () => {
    portalAccountEventSchemas.PortalAccountInvited.parse(invitation);
    portalAccountEventSchemas.PortalPasswordSet.parse(passwordSet.data);
    portalAccountEventSchemas.PortalSecondFactorEnrolled.parse(enrolled.data);
    assert.deepEqual(Object.keys(portalAccountEventSchemas.PortalPasswordSet.shape).sort(), [
      'accountId',
      'at',
      'passwordHash',
    ]);
    assert.equal(portalAccountStreamId('og/1', accountId), `portal-account/og%2F1/${accountId}`);
  });

  it('keeps nothing of a forgotten usager', () => {
    const state = foldEvents(portalAccountDecider, [
      { type: 'PortalAccountInvited', data: { $erased: true } },
      { type: 'PortalPasswordSet', data: { $erased: true } },
    ]);
    assert.ok(state.status === 'invited');
    assert.equal(state.login, undefined);
    assert.equal(state.passwordHash, undefined);
  });
});
