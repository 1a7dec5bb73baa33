import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * A usager portal account (compte du portail usager): invited by staff for the usager, or for
 * their personne de confiance, then activated by the invitee (a password, then a one-time code
 * second factor), then used to log in until revoked.
 *
 * Decisions taken here:
 * - One stream per account (`portalAccountStreamId`): the lockout counter and the last one-time
 *   code step used are rules of one account, decided on its own history.
 * - The domain never sees a secret in clear: the invitation travels as the SHA-256 digest of its
 *   token, the password as a memory-hard hash (PHC string), the TOTP secret sealed by the HTTP
 *   layer. Hashing and sealing need I/O-free but random inputs, so they happen outside.
 * - `MAX_LOGIN_FAILURES` consecutive failures lock the account for `LOCKOUT_MINUTES`; a success
 *   resets the count. A one-time code step already used is refused (no replay within its window).
 * - Instants are ISO 8601 strings from the command: the domain holds no clock.
 */
export const MAX_LOGIN_FAILURES = 5;
export const LOCKOUT_MINUTES = 15;
/** How long an invitation can be used, from the moment it is made. */
export const INVITATION_LIFETIME_HOURS = 72;

const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
export const portalHolders = ['service-user', 'trusted-person'] as const;
export const portalHolderSchema = z.enum(portalHolders);
export type PortalHolder = z.infer<typeof portalHolderSchema>;
/** An identifier the invitee logs in with: letters, digits, and `.-_@+`. */
export const portalLoginSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._@+-]{3,100}$/);

export const portalAccountInvitedSchema = z.object({
  accountId: z.uuid(),
  login: portalLoginSchema,
  serviceUserId: id,
  facilityId: id,
  holder: portalHolderSchema,
  /** The designation the account is linked to, for a personne de confiance. */
  trustedPersonId: id.optional(),
  invitationDigest: z.string().min(32).max(200),
  expiresAt: instant,
  invitedBy: id,
  at: instant,
});
export const portalPasswordSetSchema = z.object({ accountId: z.uuid(), passwordHash: z.string().min(20), at: instant });
export const portalSecondFactorEnrolledSchema = z.object({
  accountId: z.uuid(),
  sealedTotpSecret: z.string().min(20),
  /** The step of the code that proved the key: used, as a login's. Absent from older enrolments. */
  totpStep: z.int().min(0).optional(),
  at: instant,
});
export const portalLoginSucceededSchema = z.object({ accountId: z.uuid(), totpStep: z.int().min(0), at: instant });
/** The usager gave a one-time code to sign `documentId` in front of a professional: that step is used. */
export const portalOneTimeCodeUsedForSignatureSchema = z.object({
  accountId: z.uuid(),
  totpStep: z.int().min(0),
  documentId: id,
  at: instant,
});
export const portalLoginFailedSchema = z.object({
  accountId: z.uuid(),
  consecutiveFailures: z.int().min(1),
  lockedUntil: instant.optional(),
  at: instant,
});
export const portalAccountRevokedSchema = z.object({
  accountId: z.uuid(),
  reason: z.string().min(1).max(1_000),
  revokedBy: id,
  at: instant,
});

export type PortalAccountInvited = z.infer<typeof portalAccountInvitedSchema>;
export type PortalPasswordSet = z.infer<typeof portalPasswordSetSchema>;
export type PortalSecondFactorEnrolled = z.infer<typeof portalSecondFactorEnrolledSchema>;
export type PortalLoginSucceeded = z.infer<typeof portalLoginSucceededSchema>;
export type PortalOneTimeCodeUsedForSignature = z.infer<typeof portalOneTimeCodeUsedForSignatureSchema>;
export type PortalLoginFailed = z.infer<typeof portalLoginFailedSchema>;
export type PortalAccountRevoked = z.infer<typeof portalAccountRevokedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedPortalAccountData {
  $erased: true;
}

export type PortalAccountEvent =
  | { type: 'PortalAccountInvited'; data: PortalAccountInvited | ErasedPortalAccountData }
  | { type: 'PortalPasswordSet'; data: PortalPasswordSet | ErasedPortalAccountData }
  | { type: 'PortalSecondFactorEnrolled'; data: PortalSecondFactorEnrolled | ErasedPortalAccountData }
  | { type: 'PortalLoginSucceeded'; data: PortalLoginSucceeded | ErasedPortalAccountData }
  | { type: 'PortalOneTimeCodeUsedForSignature'; data: PortalOneTimeCodeUsedForSignature | ErasedPortalAccountData }
  | { type: 'PortalLoginFailed'; data: PortalLoginFailed | ErasedPortalAccountData }
  | { type: 'PortalAccountRevoked'; data: PortalAccountRevoked | ErasedPortalAccountData };

export type PortalAccountEventType = PortalAccountEvent['type'];

export const portalAccountEventSchemas = {
  PortalAccountInvited: portalAccountInvitedSchema,
  PortalPasswordSet: portalPasswordSetSchema,
  PortalSecondFactorEnrolled: portalSecondFactorEnrolledSchema,
  PortalLoginSucceeded: portalLoginSucceededSchema,
  PortalOneTimeCodeUsedForSignature: portalOneTimeCodeUsedForSignatureSchema,
  PortalLoginFailed: portalLoginFailedSchema,
  PortalAccountRevoked: portalAccountRevokedSchema,
} as const;

export type PortalAccountCommand =
  | ({ type: 'InvitePortalAccount' } & PortalAccountInvited)
  | { type: 'SetPortalPassword'; accountId: string; invitationDigest: string; passwordHash: string; at: string }
  | {
      type: 'EnrolPortalSecondFactor';
      accountId: string;
      invitationDigest: string;
      sealedTotpSecret: string;
      /** The step of the code the invitee typed to prove the key. */
      totpStep: number;
      at: string;
    }
  | { type: 'RecordPortalLoginSuccess'; accountId: string; totpStep: number; at: string }
  | { type: 'UseOneTimeCodeForSignature'; accountId: string; totpStep: number; documentId: string; at: string }
  | { type: 'RecordPortalLoginFailure'; accountId: string; at: string }
  | { type: 'RevokePortalAccount'; accountId: string; reason: string; revokedBy: string; at: string };

export type PortalAccountStatus = 'invited' | 'active' | 'revoked';

export type PortalAccount =
  | { status: 'none' }
  | {
      status: PortalAccountStatus;
      accountId: string;
      /** Undefined once the usager was forgotten. */
      login: string | undefined;
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      holder: PortalHolder | undefined;
      trustedPersonId: string | undefined;
      invitationDigest: string | undefined;
      invitationExpiresAt: string | undefined;
      passwordHash: string | undefined;
      sealedTotpSecret: string | undefined;
      consecutiveFailures: number;
      lockedUntil: string | undefined;
      lastTotpStep: number;
    };

/** One stream per account; the organisation escaped, so that no two tenants share one. */
export function portalAccountStreamId(organisationId: string, accountId: string): string {
  return `portal-account/${encodeURIComponent(organisationId)}/${accountId}`;
}

/** The instant an invitation made at `at` stops being usable. */
export function invitationExpiry(at: string): string {
  return new Date(Date.parse(at) + INVITATION_LIFETIME_HOURS * 3_600_000).toISOString();
}

/** Whether the account refuses logins at `now` after too many failures. */
export function portalLoginLocked(account: PortalAccount, now: string): boolean {
  return (
    account.status !== 'none' && account.lockedUntil !== undefined && Date.parse(now) < Date.parse(account.lockedUntil)
  );
}

export const portalAccountDecider: Decider<PortalAccountCommand, PortalAccountEvent, PortalAccount> = {
  initialState: () => ({ status: 'none' }),

  decide(command, account) {
    switch (command.type) {
      case 'InvitePortalAccount': {
        if (account.status !== 'none') {
          throw new DomainRuleViolation(
            'PORTAL_ACCOUNT_EXISTS',
            'Un compte du portail existe déjà sous cet identifiant.',
            {
              accountId: command.accountId,
            },
          );
        }
        if (command.holder === 'trusted-person' && command.trustedPersonId === undefined) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_REQUIRED',
            'Le compte d’une personne de confiance doit être relié à sa désignation.',
          );
        }
        if (command.holder === 'service-user' && command.trustedPersonId !== undefined) {
          throw new DomainRuleViolation(
            'TRUSTED_PERSON_UNEXPECTED',
            'Le compte de l’usager lui-même n’est relié à aucune désignation de personne de confiance.',
          );
        }
        if (!(Date.parse(command.expiresAt) > Date.parse(command.at))) {
          throw new DomainRuleViolation(
            'INVITATION_EXPIRY_INVALID',
            'L’invitation doit expirer après avoir été faite.',
          );
        }
        const { type: _, ...data } = command;
        return { type: 'PortalAccountInvited', data };
      }
      case 'SetPortalPassword': {
        const invited = requireUsableInvitation(account, command);
        return {
          type: 'PortalPasswordSet',
          data: { accountId: invited.accountId, passwordHash: command.passwordHash, at: command.at },
        };
      }
      case 'EnrolPortalSecondFactor': {
        const invited = requireUsableInvitation(account, command);
        if (invited.passwordHash === undefined) {
          throw new DomainRuleViolation(
            'PORTAL_PASSWORD_FIRST',
            'Choisissez d’abord votre mot de passe, puis enregistrez le code à usage unique.',
          );
        }
        const { sealedTotpSecret, totpStep, at } = command;
        return {
          type: 'PortalSecondFactorEnrolled',
          data: { accountId: invited.accountId, sealedTotpSecret, totpStep, at },
        };
      }
      case 'RecordPortalLoginSuccess': {
        const active = requireActive(account, command.accountId);
        if (portalLoginLocked(active, command.at)) {
          throw new DomainRuleViolation(
            'PORTAL_ACCOUNT_LOCKED',
            'Trop de tentatives de connexion : votre compte est bloqué pour quelques minutes.',
            { lockedUntil: active.lockedUntil },
          );
        }
        refuseUsedStep(active, command.totpStep);
        return {
          type: 'PortalLoginSucceeded',
          data: { accountId: active.accountId, totpStep: command.totpStep, at: command.at },
        };
      }
      case 'UseOneTimeCodeForSignature': {
        // no lock here: the lock answers guesses at the login form, and this code is given in
        // person, to a professional; the step is used all the same, for a login or a signature
        const active = requireActive(account, command.accountId);
        refuseUsedStep(active, command.totpStep);
        const { accountId, totpStep, documentId, at } = command;
        return { type: 'PortalOneTimeCodeUsedForSignature', data: { accountId, totpStep, documentId, at } };
      }
      case 'RecordPortalLoginFailure': {
        if (account.status === 'none') {
          throw new DomainRuleViolation('PORTAL_ACCOUNT_NOT_FOUND', 'Aucun compte du portail sous cet identifiant.');
        }
        // a failure while locked extends nothing: the lock runs from the failure that set it
        if (portalLoginLocked(account, command.at)) {
          return {
            type: 'PortalLoginFailed',
            data: {
              accountId: account.accountId,
              consecutiveFailures: account.consecutiveFailures,
              ...(account.lockedUntil === undefined ? {} : { lockedUntil: account.lockedUntil }),
              at: command.at,
            },
          };
        }
        const consecutiveFailures = account.consecutiveFailures + 1;
        const locks = consecutiveFailures % MAX_LOGIN_FAILURES === 0;
        return {
          type: 'PortalLoginFailed',
          data: {
            accountId: account.accountId,
            consecutiveFailures,
            ...(locks
              ? { lockedUntil: new Date(Date.parse(command.at) + LOCKOUT_MINUTES * 60_000).toISOString() }
              : {}),
            at: command.at,
          },
        };
      }
      case 'RevokePortalAccount': {
        if (account.status === 'none') {
          throw new DomainRuleViolation('PORTAL_ACCOUNT_NOT_FOUND', 'Aucun compte du portail sous cet identifiant.');
        }
        if (account.status === 'revoked') {
          throw new DomainRuleViolation('PORTAL_ACCOUNT_REVOKED', 'Ce compte du portail est déjà fermé.');
        }
        const reason = command.reason.trim();
        if (reason.length === 0) {
          throw new DomainRuleViolation('REVOCATION_REASON_REQUIRED', 'La fermeture d’un compte doit être motivée.');
        }
        return {
          type: 'PortalAccountRevoked',
          data: { accountId: account.accountId, reason, revokedBy: command.revokedBy, at: command.at },
        };
      }
    }
  },

  evolve(account, event) {
    if (event.type === 'PortalAccountInvited') {
      const erased = '$erased' in event.data;
      const data = erased ? undefined : (event.data as PortalAccountInvited);
      return {
        status: 'invited',
        accountId: data?.accountId ?? '',
        login: data?.login,
        serviceUserId: data?.serviceUserId,
        facilityId: data?.facilityId,
        holder: data?.holder,
        trustedPersonId: data?.trustedPersonId,
        invitationDigest: data?.invitationDigest,
        invitationExpiresAt: data?.expiresAt,
        passwordHash: undefined,
        sealedTotpSecret: undefined,
        consecutiveFailures: 0,
        lockedUntil: undefined,
        lastTotpStep: -1,
      };
    }
    if (account.status === 'none') return account;
    const erased = '$erased' in event.data;
    switch (event.type) {
      case 'PortalPasswordSet':
        return { ...account, passwordHash: erased ? undefined : (event.data as PortalPasswordSet).passwordHash };
      case 'PortalSecondFactorEnrolled':
        return {
          ...account,
          status: account.status === 'revoked' ? 'revoked' : 'active',
          sealedTotpSecret: erased ? undefined : (event.data as PortalSecondFactorEnrolled).sealedTotpSecret,
          // an invitation is used once, and so is the code that proved the key
          invitationDigest: undefined,
          lastTotpStep:
            (erased ? undefined : (event.data as PortalSecondFactorEnrolled).totpStep) ?? account.lastTotpStep,
        };
      case 'PortalLoginSucceeded':
        return {
          ...account,
          consecutiveFailures: 0,
          lockedUntil: undefined,
          lastTotpStep: erased ? account.lastTotpStep : (event.data as PortalLoginSucceeded).totpStep,
        };
      case 'PortalOneTimeCodeUsedForSignature':
        return {
          ...account,
          lastTotpStep: erased ? account.lastTotpStep : (event.data as PortalOneTimeCodeUsedForSignature).totpStep,
        };
      case 'PortalLoginFailed': {
        if (erased) return account;
        const data = event.data as PortalLoginFailed;
        return { ...account, consecutiveFailures: data.consecutiveFailures, lockedUntil: data.lockedUntil };
      }
      case 'PortalAccountRevoked':
        return { ...account, status: 'revoked', invitationDigest: undefined };
    }
  },
};

function requireUsableInvitation(
  account: PortalAccount,
  command: { accountId: string; invitationDigest: string; at: string },
) {
  if (
    account.status !== 'invited' ||
    account.accountId !== command.accountId ||
    account.invitationDigest === undefined ||
    account.invitationDigest !== command.invitationDigest
  ) {
    throw new DomainRuleViolation('INVITATION_INVALID', 'Ce lien d’invitation n’est pas valable ou a déjà servi.');
  }
  if (
    account.invitationExpiresAt === undefined ||
    !(Date.parse(command.at) < Date.parse(account.invitationExpiresAt))
  ) {
    throw new DomainRuleViolation(
      'INVITATION_EXPIRED',
      'Ce lien d’invitation a expiré : demandez une nouvelle invitation à l’équipe.',
      { expiresAt: account.invitationExpiresAt },
    );
  }
  return account;
}

function requireActive(account: PortalAccount, accountId: string) {
  if (account.status === 'none' || account.accountId !== accountId) {
    throw new DomainRuleViolation('PORTAL_ACCOUNT_NOT_FOUND', 'Aucun compte du portail sous cet identifiant.');
  }
  if (account.status !== 'active') {
    throw new DomainRuleViolation('PORTAL_ACCOUNT_INACTIVE', 'Ce compte du portail n’est pas ouvert.');
  }
  return account;
}

/** A one-time code serves once, for a login or a signature: its step must come after the last one used. */
function refuseUsedStep(account: { lastTotpStep: number }, totpStep: number): void {
  if (totpStep <= account.lastTotpStep) {
    throw new DomainRuleViolation('TOTP_CODE_REUSED', 'Ce code à usage unique a déjà servi : attendez le suivant.');
  }
}
