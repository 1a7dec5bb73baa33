import { randomBytes } from 'node:crypto';
import { deploymentSecret, type MasterKeys } from '@dui-pds/eventstore';
import { deriveReportingPseudonymKey } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { derivePendingLoginKey } from '../auth/pending-login.js';
import { deriveSessionTokensKey } from '../auth/sealed-tokens-session-store.js';
import { deriveTotpSealKey } from '../portal/portal-credentials.js';

/**
 * The deployment's secrets besides the usagers' keys. Each is stored wrapped by the master key, so
 * that rotating the master key keeps its value (ADR 0020): the PSC tokens sealed in sessions and
 * the logins under way still open, the portal's TOTP secrets sealed in events too, and the
 * reporting pseudonyms stay the same.
 *
 * Secrets that came after sealing moved to this table start random: nothing was derived before them.
 */
export interface DeploymentSecrets {
  /** Seals the Pro Santé Connect tokens kept in sessions. */
  sessionTokensKey: Buffer;
  /** Seals a login under way, from one instance to another. */
  pendingLoginKey: Buffer;
  /** Seals the usagers' TOTP secrets in the portal's events. */
  portalTotpSealKey: Buffer;
  /** Pseudonymises usagers in the reporting outbox. */
  reportingPseudonymKey: Buffer;
  /** Seals the commands' answers kept for their retries (ADR 0025). */
  idempotentAnswersKey: Buffer;
}

/**
 * Reads the secrets (created on the first start of a database, with the values earlier versions
 * derived from the master key, so that an upgrade changes none of them). Refuses, with
 * `DeploymentSecretUnwrapError`, a master key that is not the database's.
 */
export async function loadDeploymentSecrets(
  knex: Knex,
  schema: string,
  masterKeys: MasterKeys,
): Promise<DeploymentSecrets> {
  const secret = (name: string, derivation: (masterKey: Buffer) => Buffer) =>
    deploymentSecret(knex, { schema, masterKeys, name, firstValue: () => derivation(masterKeys.current) });
  return {
    sessionTokensKey: await secret('session-tokens', deriveSessionTokensKey),
    pendingLoginKey: await secret('pending-login', derivePendingLoginKey),
    portalTotpSealKey: await secret('portal-totp-seal', deriveTotpSealKey),
    reportingPseudonymKey: await secret('reporting-pseudonym', deriveReportingPseudonymKey),
    idempotentAnswersKey: await secret('idempotent-answers', () => randomBytes(32)),
  };
}
