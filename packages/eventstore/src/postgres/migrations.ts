import type { Knex } from 'knex';
import { createDataKeysTable } from '../crypto/data-keys-migration.js';
import { createDeploymentSecretsTable } from '../crypto/deployment-secrets-migration.js';
import { createAppendFunction, keepStreamOrderInGlobalLog } from './append-function.sql.js';
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
  // the deployment's secrets, wrapped like the data keys (ADR 0020)
  createDeploymentSecretsTable,
  // every stream's locks before the first write, so that each stream keeps its order in the log (ADR 0003)
  keepStreamOrderInGlobalLog,
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
  await oneProcessAtATime(knex, schema, async () => {
    await knex.raw(`create schema if not exists ${schema}`);
    await knex.migrate.latest({
      schemaName: schema,
      tableName: options.tableName ?? 'knex_migrations',
      migrationSource: new InCodeMigrationSource(options.migrations ?? eventStoreMigrations, schema),
    });
  });
}

/**
 * Several processes started together on one database (instances of the server, a worker, a
 * deploy job) migrate one after the other. Without this, they race: `create schema if not exists`
 * and knex's creation of its own tables fail on the catalog's unique indexes, and knex's lock
 * refuses a second migrator instead of making it wait. The lock is a session advisory lock, held
 * on a connection of its own outside the pool (whose every connection the migrations may need),
 * and released when that connection closes, even if the process dies. One lock per schema covers
 * every set of steps in it. PGlite is one process's own database: nothing to wait for.
 */
async function oneProcessAtATime(knex: Knex, schema: string, migrate: () => Promise<void>): Promise<void> {
  if (knex.client.config.client !== 'pg') return migrate();
  const connection = (await knex.client.acquireRawConnection()) as {
    query(sql: string, values: unknown[]): Promise<unknown>;
  };
  try {
    await connection.query('select pg_advisory_lock(hashtextextended($1, 0))', [`dui-pds migrations ${schema}`]);
    await migrate();
  } finally {
    await knex.client.destroyRawConnection(connection);
  }
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
