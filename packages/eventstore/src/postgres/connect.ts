import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import type { AppendNotifier } from '../notifier.js';
import { migrateEventStore } from './migrations.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { checkTransactionIdsAheadOfLog } from './transaction-ids.js';

const INT8_OID = 20;
const DATE_OID = 1082;
const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_PGLITE_DIRECTORY = '.dui-data/pglite';

/**
 * Two types stay text, on both drivers:
 * - int8, whatever `pg.defaults.parseInt8` says elsewhere in the process: positions run past 2^53
 *   in a long-lived log, and the store turns them into bigint itself;
 * - date: a calendar day has no time zone, and a JavaScript Date would put it at midnight in the
 *   process's zone (pg) or in UTC (PGlite): a register read in Paris would show the day before.
 */
const asText = (value: string) => value;
const typesKeptAsText: Knex.PgCustomTypesConfig = {
  getTypeParser: (oid, format) =>
    oid === INT8_OID || oid === DATE_OID
      ? asText
      : pg.types.getTypeParser(oid, format === 'binary' ? 'binary' : 'text'),
};

/** A knex logger that stays quiet: knex's default prints connection errors (with stacks) to stdout, and callers get them as rejections anyway. */
const quietLog = { warn() {}, error() {}, deprecate() {}, debug() {} };

/**
 * Connections the server has ended: it says so (a FATAL error, when a backend is terminated or the
 * server shuts down) before it closes them, sometimes long before. Until the close reaches the
 * driver, the pool would lend such a connection again, and a retry on it would fail (ADR 0023).
 */
const endedByTheServer = new WeakSet<pg.Client>();

function noticeWhenTheServerEnds(connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) {
  connection.connection.on('errorMessage', (message: { severity?: string }) => {
    if (message.severity === 'FATAL' || message.severity === 'PANIC') endedByTheServer.add(connection);
  });
  done(null, connection);
}

/** A knex pool on a PostgreSQL server. */
export function connectPostgres(url: string, options: { poolSize?: number } = {}): Knex {
  return knex(
    withEventStoreConnections({
      client: 'pg',
      connection: url,
      pool: { min: 0, max: options.poolSize ?? DEFAULT_POOL_SIZE },
      log: quietLog,
    }),
  );
}

type PoolConnectionHook = (connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) => void;

/**
 * The settings the event store needs of a knex instance on PostgreSQL, added to a configuration
 * of your own (`knex(withEventStoreConnections(config))`), for a program that builds its pool
 * itself: int8 and date kept as text, and a pool that never lends a connection the server has
 * ended, so that the store's retry after a cut connection lands on a new one (ADR 0023). Your own
 * `afterCreate` and `validate` still run.
 */
export function withEventStoreConnections(config: Knex.Config): Knex.Config {
  const connection =
    typeof config.connection === 'string' ? { connectionString: config.connection } : config.connection;
  if (typeof connection !== 'object' || connection === null) {
    throw new TypeError('withEventStoreConnections needs a connection string or a connection object');
  }
  const pool = config.pool ?? {};
  const theirAfterCreate = pool.afterCreate as PoolConnectionHook | undefined;
  const theirValidate = (pool as { validate?: (connection: pg.Client) => boolean }).validate;
  return {
    ...config,
    connection: { ...connection, types: typesKeptAsText },
    pool: {
      ...pool,
      afterCreate: (connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) =>
        noticeWhenTheServerEnds(connection, (error, noticed) =>
          theirAfterCreate && !error ? theirAfterCreate(noticed, done) : done(error, noticed),
        ),
      validate: (connection: pg.Client) =>
        !endedByTheServer.has(connection) && (theirValidate === undefined || theirValidate(connection)),
    } as Knex.PoolConfig,
  };
}

/**
 * A knex instance on embedded PostgreSQL (PGlite): data in `dataDir`, which is created if needed
 * and survives the process; in memory when no directory is given. PGlite has one connection: a
 * transaction holds it, and anything else on the same instance waits for it to end.
 */
export function openPglite(options: { dataDir?: string } = {}): Knex {
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  return knex({
    client: ClientPgLite,
    dialect: 'postgres',
    // knex-pglite takes a ready PGlite instance this way; its type does not say so
    connection: {
      pglite: new PGlite({ dataDir: options.dataDir, parsers: { [DATE_OID]: asText } }),
    } as Knex.StaticConnectionConfig,
    log: quietLog,
  });
}

export interface OpenEventStoreOptions {
  /** A PostgreSQL URL; defaults to `DATABASE_URL`. Without either, or with an empty one, the store is embedded (PGlite). */
  databaseUrl?: string;
  /** Where PGlite keeps its data; defaults to `.dui-data/pglite` under the working directory. */
  dataDir?: string;
  schema?: string;
  notifier?: AppendNotifier;
  /** Connections of the PostgreSQL pool (PGlite has one). */
  poolSize?: number;
}

export interface OpenedEventStore {
  store: PostgresEventStore;
  /** The same database, for projections and anything that commits with the events. */
  knex: Knex;
  backend: 'postgresql' | 'pglite';
  /** Ends the store's subscriptions, then the pool (and PGlite with it). */
  close(): Promise<void>;
}

/**
 * The store a process starts with: PostgreSQL when a URL is given, else embedded PGlite; migrated,
 * and refused (`TransactionIdsBehindLogError`) on a database restored without moving its
 * transaction ids past the log's.
 */
export async function openEventStore(options: OpenEventStoreOptions = {}): Promise<OpenedEventStore> {
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL;
  const backend = databaseUrl ? 'postgresql' : 'pglite';
  const db = databaseUrl
    ? connectPostgres(databaseUrl, { poolSize: options.poolSize })
    : openPglite({ dataDir: options.dataDir ?? DEFAULT_PGLITE_DIRECTORY });
  try {
    await migrateEventStore(db, { schema: options.schema });
    await checkTransactionIdsAheadOfLog(db, { schema: options.schema });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const store = new PostgresEventStore(db, { schema: options.schema, notifier: options.notifier });
  return {
    store,
    knex: db,
    backend,
    async close() {
      await store.close();
      await db.destroy();
    },
  };
}
