import { migrateEventStore, type SchemaMigration } from '@dui-pds/eventstore';
import type { Knex } from 'knex';

/**
 * The projection registry, beside the event store's tables: one row per build of a projection
 * (its schema, its state, its checkpoint). The checkpoint is written in the same transaction as
 * the build's tables, so the two never disagree (DESIGN.md, Projections).
 *
 * - `building`: being filled from the log, not yet what readers see;
 * - `active`: what the projection's read schema shows; at most one per projection;
 * - `retired`: replaced by a newer build, its schema dropped or about to be;
 * - `replay`: a time-travel build, dropped when its caller is done.
 */
const createProjectionBuilds: SchemaMigration = {
  name: '0001_projection_builds',
  async up(knex, schema) {
    await knex.raw(`
      create table ${schema}.projection_builds (
        build_schema text primary key,
        projection text not null,
        version int not null,
        state text not null check (state in ('building', 'active', 'retired', 'replay')),
        checkpoint bigint,
        events_done bigint not null default 0,
        last_recorded_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    await knex.raw(
      `create unique index projection_builds_one_active on ${schema}.projection_builds (projection) where state = 'active'`,
    );
  },
};

export const projectionRegistryMigrations: readonly SchemaMigration[] = [createProjectionBuilds];

/** Creates or updates the registry in the event store's schema (`dui` by default). */
export async function migrateProjectionRegistry(knex: Knex, options: { schema?: string } = {}): Promise<void> {
  await migrateEventStore(knex, {
    schema: options.schema,
    migrations: projectionRegistryMigrations,
    tableName: 'projection_migrations',
  });
}
