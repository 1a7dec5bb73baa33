import type { Knex } from 'knex';
import { createDataKeysTable } from '../crypto/data-keys-migration.js';
import { createAppendFunction } from './append-function.sql.js';
import type { SchemaMigration } from './migration.js';
import { checkedSchemaName, DEFAULT_SCHEMA } from './schema-name.js';
import { createEventStoreTables } from './tables.sql.js';

/**
 * Every step of the event store's schema, in order. Shipped steps are never edited nor
 * reordered (knex records their names): a change is a new step at the end.
 */
export const eventStoreMigrations: readonly SchemaMigration[] = [
  createEventStoreTables,
  createAppendFunction,
  // the usagers' data keys (crypto-shredding, ADR 0005)
  createDataKeysTable,
];

export interface MigrateOptions {
  /** Defaults to `dui`. */
  schema?: string;
  /** Defaults to `eventStoreMigrations`. */
  migrations?: readonly SchemaMigration[];
  /** Where knex records the steps run; defaults to `knex_migrations`. Another set of steps in the same schema (the projection registry) keeps its own. */
  tableName?: string;
}

/**
 * Brings the schema up to date: creates it if needed, then runs the steps not yet recorded in
 * `<schema>.knex_migrations`, each in its own transaction. The steps live in code, not in a
 * folder, so that the package works the same from source, from dist and bundled.
 */
export async function migrateEventStore(knex: Knex, options: MigrateOptions = {}): Promise<void> {
  const schema = checkedSchemaName(options.schema ?? DEFAULT_SCHEMA);
  await knex.raw(`create schema if not exists ${schema}`);
  await knex.migrate.latest({
    schemaName: schema,
    tableName: options.tableName ?? 'knex_migrations',
    migrationSource: new InCodeMigrationSource(options.migrations ?? eventStoreMigrations, schema),
  });
}

class InCodeMigrationSource implements Knex.MigrationSource<SchemaMigration> {
  constructor(
    private readonly migrations: readonly SchemaMigration[],
    private readonly schema: string,
  ) {}

  async getMigrations(): Promise<SchemaMigration[]> {
    return [...this.migrations];
  }

  getMigrationName(migration: SchemaMigration): string {
    return migration.name;
  }

  async getMigration(migration: SchemaMigration): Promise<Knex.Migration> {
    return {
      up: (knex: Knex) => migration.up(knex, this.schema),
      down: async () => {
        throw new Error(`${migration.name}: the event store's schema only moves forwards`);
      },
    };
  }
}
