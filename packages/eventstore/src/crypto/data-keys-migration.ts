import type { SchemaMigration } from '../postgres/migration.js';

/**
 * The usagers' data keys (crypto-shredding). A destroyed key leaves its row behind, key nulled,
 * as the proof of erasure: the constraint makes "no key" and "destroyed" the same fact.
 */
export const createDataKeysTable: SchemaMigration = {
  name: '0003_data_keys',
  async up(knex, schema) {
    await knex.raw(
      `create table ??.data_keys (
        service_user_id text primary key,
        organisation_id text,
        wrapped_key bytea,
        created_at timestamptz not null default now(),
        destroyed_at timestamptz,
        constraint data_keys_erasure_nulls_the_key check ((wrapped_key is null) = (destroyed_at is not null)),
        constraint data_keys_active_key_has_an_organisation check (wrapped_key is null or organisation_id is not null)
      )`,
      [schema],
    );
  },
};
