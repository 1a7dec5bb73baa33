import { join } from 'node:path';
import type { Projection } from '@dui-pds/projections';
import { z } from 'zod';
import {
  masterKeySetting,
  PREVIOUS_KEYS_WITHOUT_CURRENT,
  previousMasterKeysSetting,
} from '../keys/master-key-settings.js';
import { UsageError } from './cli-errors.js';

/** What every command runs with, from the environment and the global options. */
export interface CliConfig {
  /** Absent: the embedded PGlite in `pgliteDir`. */
  databaseUrl: string | undefined;
  pgliteDir: string;
  schema: string;
  /** Present: events are read decrypted, through crypto-shredding. */
  masterKey: Buffer | undefined;
  /** The master keys `masterKey` replaced, until `dui keys rewrap` (ADR 0020). */
  previousMasterKeys: Buffer[];
  redisUrl: string | undefined;
  /** Where the documents' bytes are kept, as the servers have it (`DUI_BLOB_STORE`, `DUI_BLOB_DIR`). */
  blobStore: 'filesystem' | 'postgres';
  blobDirectory: string;
}

/** The global options, which win over the environment. */
export interface ConfigOverrides {
  databaseUrl?: string | undefined;
  schema?: string | undefined;
}

export const DEFAULT_DATA_DIR = '.dui-data';
const DEFAULT_SCHEMA = 'dui';
const POSTGRES_IDENTIFIER_LENGTH = 63;
/** `__replay_` and 8 hex digits: the longest suffix the runtime puts after `<schema>_<projection>`. */
const REPLAY_SUFFIX_LENGTH = '__replay_'.length + 8;

type Setting =
  | 'databaseUrl'
  | 'dataDir'
  | 'schema'
  | 'masterKey'
  | 'previousMasterKeys'
  | 'redisUrl'
  | 'blobStore'
  | 'blobDirectory';

/**
 * Validates the configuration and says, in French, what is wrong with each bad setting, naming
 * the variable or option it came from. Values are never repeated: a URL may hold a password.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  overrides: ConfigOverrides,
  catalogue: readonly Projection[],
): CliConfig {
  const source: Record<Setting, string> = {
    databaseUrl: overrides.databaseUrl === undefined ? 'DATABASE_URL' : '--database-url',
    dataDir: 'DUI_DATA_DIR',
    schema: overrides.schema === undefined ? 'DUI_SCHEMA' : '--schema',
    masterKey: 'DUI_MASTER_KEY',
    previousMasterKeys: 'DUI_PREVIOUS_MASTER_KEYS',
    redisUrl: 'REDIS_URL',
    blobStore: 'DUI_BLOB_STORE',
    blobDirectory: 'DUI_BLOB_DIR',
  };
  const parsed = configSchema(source, maxSchemaLength(catalogue)).safeParse({
    databaseUrl: overrides.databaseUrl ?? env.DATABASE_URL,
    dataDir: env.DUI_DATA_DIR,
    schema: overrides.schema ?? env.DUI_SCHEMA,
    masterKey: env.DUI_MASTER_KEY,
    previousMasterKeys: env.DUI_PREVIOUS_MASTER_KEYS,
    redisUrl: env.REDIS_URL,
    blobStore: env.DUI_BLOB_STORE,
    blobDirectory: env.DUI_BLOB_DIR,
  });
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((issue) => `configuration : ${issue.message}`).join('\n'));
  }
  const { databaseUrl, dataDir, schema, masterKey, previousMasterKeys, redisUrl, blobStore, blobDirectory } =
    parsed.data;
  if (previousMasterKeys !== undefined && masterKey === undefined) {
    throw new UsageError(`configuration : ${PREVIOUS_KEYS_WITHOUT_CURRENT}`);
  }
  return {
    databaseUrl,
    pgliteDir: join(dataDir, 'pglite'),
    schema,
    masterKey,
    previousMasterKeys: previousMasterKeys ?? [],
    redisUrl,
    blobStore,
    blobDirectory: blobDirectory ?? join(dataDir, 'blobs'),
  };
}

/** Projections live in schemas named `<schema>_<projection>__…`, which PostgreSQL limits to 63 characters. */
export function maxSchemaLength(catalogue: readonly Projection[]): number {
  const longestName = Math.max(0, ...catalogue.map((projection) => projection.name.length));
  return POSTGRES_IDENTIFIER_LENGTH - 1 - longestName - REPLAY_SUFFIX_LENGTH;
}

function configSchema(source: Record<Setting, string>, schemaLength: number) {
  return z.object({
    databaseUrl: optionalSetting(
      z.string().refine(isUrlOf(['postgres:', 'postgresql:']), {
        error: `${source.databaseUrl} doit être une URL PostgreSQL, par exemple postgres://utilisateur@hôte:5432/base`,
      }),
    ),
    dataDir: z.preprocess(blankToUndefined, z.string().default(DEFAULT_DATA_DIR)),
    schema: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/, {
          error: `${source.schema} doit être un nom de schéma PostgreSQL simple : lettres minuscules, chiffres et _, sans chiffre en tête`,
        })
        .max(schemaLength, {
          error: `${source.schema} : ${schemaLength} caractères au plus (les schémas des projections ajoutent leur nom au sien)`,
        })
        .default(DEFAULT_SCHEMA),
    ),
    masterKey: optionalSetting(z.string().transform(masterKeySetting(source.masterKey))),
    previousMasterKeys: optionalSetting(z.string().transform(previousMasterKeysSetting(source.previousMasterKeys))),
    redisUrl: optionalSetting(
      z.string().refine(isUrlOf(['redis:', 'rediss:']), {
        error: `${source.redisUrl} doit être une URL Redis, par exemple redis://hôte:6379`,
      }),
    ),
    blobStore: z.preprocess(
      blankToUndefined,
      z
        .enum(['filesystem', 'postgres'], {
          error: `${source.blobStore} doit valoir filesystem (par défaut) ou postgres`,
        })
        .default('filesystem'),
    ),
    blobDirectory: optionalSetting(z.string()),
  });
}

/** An empty variable counts as absent, as `openEventStore` does for `DATABASE_URL`. */
function optionalSetting<T extends z.ZodType>(setting: T) {
  return z.preprocess(blankToUndefined, setting.optional());
}

function blankToUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

function isUrlOf(protocols: readonly string[]): (value: string) => boolean {
  return (value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  };
}
