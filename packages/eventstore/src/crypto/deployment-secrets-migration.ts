import type { SchemaMigration } from '../postgres/migration.js';

/**
 * The deployment's secrets other than the usagers' keys, each wrapped by the master key (ADR 0020).
 * `rewrapped_at` says when a rotation last re-wrapped it.
 */
export const createDeploymentSecretsTable: SchemaMigration = {
  name: '0004_deployment_secrets',
  async up(knex, schema) {
    await knex.raw(
      `create table ??.deployment_secrets (
        name text primary key,
        wrapped_secret bytea not null,
        created_at timestamptz not null default now(),
        rewrapped_at timestamptz
      )`,
      [schema],
    );
  },
};
