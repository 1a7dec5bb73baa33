import type { Knex } from 'knex';
import { DEFAULT_SCHEMA } from '../postgres/schema-name.js';
import { DeploymentSecretUnwrapError } from './errors.js';
import { type MasterKeys, unwrapKey, wrapKey } from './key-wrapping.js';

export interface DeploymentSecretOptions {
  /** The event store's schema (`dui` by default), where `createDeploymentSecretsTable` ran. */
  schema?: string;
  masterKeys: MasterKeys;
  /** A stable name: the secret is stored, and authenticated, under it. */
  name: string;
  /**
   * The value the secret takes the first time it is asked for in this database. Deployments that
   * derived the secret from the master key give that derivation, so that nothing sealed before
   * stops opening.
   */
  firstValue: () => Buffer;
}

/**
 * One of the deployment's secrets (the session tokens' sealing key, the portal's TOTP seal key,
 * the reporting pseudonym key, ...), read from `<schema>.deployment_secrets`, where it is kept
 * wrapped by the master key. Stored rather than derived from the master key each time, so that a
 * rotation of the master key only re-wraps it: what it sealed (in sessions, in events) still
 * opens, pseudonyms stay the same (ADR 0020).
 *
 * Created on first use; processes starting together all get the first writer's value.
 */
export async function deploymentSecret(knex: Knex, options: DeploymentSecretOptions): Promise<Buffer> {
  const { name, masterKeys } = options;
  const table = () => knex('deployment_secrets').withSchema(options.schema ?? DEFAULT_SCHEMA);
  let row: { wrapped_secret: Uint8Array } | undefined = await table().where({ name }).first('wrapped_secret');
  if (row === undefined) {
    await table()
      .insert({ name, wrapped_secret: wrapKey(masterKeys.current, { secret: name }, options.firstValue()) })
      .onConflict('name')
      .ignore();
    row = await table().where({ name }).first('wrapped_secret');
    if (row === undefined) throw new Error(`deployment secret ${name} vanished after insert`);
  }
  const opened = unwrapKey(masterKeys, { secret: name }, Buffer.from(row.wrapped_secret));
  if (!opened) throw new DeploymentSecretUnwrapError(name);
  return opened.key;
}
