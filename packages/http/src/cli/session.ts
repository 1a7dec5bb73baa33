import {
  type CryptoShreddingEventStore,
  type EventStore,
  KnexDataKeyStore,
  type OpenedEventStore,
  openEventStore,
  withCryptoShredding,
} from '@dui-pds/eventstore';
import { type Projection, ProjectionRuntime } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { loadDeploymentSecrets } from '../keys/deployment-secrets.js';
import { runsInline, withPseudonymKey } from '../projection-catalogue.js';
import type { CliConfig } from './config.js';

/** The database a command works on, opened once and closed whatever happens. */
export interface Session {
  readonly config: CliConfig;
  readonly opened: OpenedEventStore;
  /** The store as written: ciphertext for usagers' data. Hash chains are verified here. */
  readonly rawStore: EventStore<Knex.Transaction>;
  /** Decrypting when a master key is configured, else the raw store. */
  readonly reader: EventStore<Knex.Transaction>;
  readonly decrypts: boolean;
  /** `reader` when it decrypts: it also gives the usagers' content keys (the documents' bytes). */
  readonly shredding: CryptoShreddingEventStore<Knex.Transaction> | undefined;
  /** The projection runtime over `reader`, created on first use. */
  runtime(): ProjectionRuntime;
}

export async function withSession<T>(
  config: CliConfig,
  catalogue: readonly Projection[],
  work: (session: Session) => Promise<T>,
): Promise<T> {
  const opened = await openEventStore({
    // '' rather than undefined: the library would otherwise fall back on DATABASE_URL itself
    databaseUrl: config.databaseUrl ?? '',
    dataDir: config.pgliteDir,
    schema: config.schema,
  });
  const masterKeys = config.masterKey ? { current: config.masterKey, previous: config.previousMasterKeys } : undefined;
  let pseudonymKey: Buffer | undefined;
  if (masterKeys) {
    // also checks, before any work, that the master key is this database's
    try {
      pseudonymKey = (await loadDeploymentSecrets(opened.knex, config.schema, masterKeys)).reportingPseudonymKey;
    } catch (error) {
      await opened.close();
      throw error;
    }
  }
  const shredding = masterKeys
    ? withCryptoShredding(opened.store, {
        keys: new KnexDataKeyStore(opened.knex, { schema: config.schema }),
        masterKey: masterKeys.current,
        previousMasterKeys: masterKeys.previous,
      })
    : undefined;
  const reader = shredding ?? opened.store;
  let runtime: ProjectionRuntime | undefined;
  const session: Session = {
    config,
    opened,
    rawStore: opened.store,
    reader,
    decrypts: config.masterKey !== undefined,
    shredding,
    runtime() {
      runtime ??= new ProjectionRuntime({
        knex: opened.knex,
        store: reader,
        schema: config.schema,
        projections: catalogue.filter((projection) => !runsInline(projection)),
        inline: withPseudonymKey(catalogue.filter(runsInline), pseudonymKey),
      });
      return runtime;
    },
  };
  try {
    return await work(session);
  } finally {
    try {
      // the runtime's leases hold connections of their own: release them before the pool
      await runtime?.close();
    } finally {
      await opened.close();
    }
  }
}
