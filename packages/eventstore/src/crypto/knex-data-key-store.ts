import type { Knex } from 'knex';
import { DEFAULT_SCHEMA } from '../postgres/schema-name.js';
import type {
  DataKeyStore,
  DataKeyStoreOptions,
  DestroyedDataKey,
  NewDataKey,
  StoredDataKey,
} from './data-key-store.js';

interface DataKeyRow {
  service_user_id: string;
  organisation_id: string | null;
  wrapped_key: Uint8Array | null;
  created_at: Date | string;
  destroyed_at: Date | string | null;
}

/** Ids per query: keeps the bind parameters far below PostgreSQL's limit. */
const CHUNK = 1000;

/**
 * The data keys in `<schema>.data_keys` (migration `createDataKeysTable`), on PostgreSQL or
 * PGlite through knex. It shares the caller's knex and never closes it.
 */
export class KnexDataKeyStore implements DataKeyStore<Knex.Transaction> {
  readonly #knex: Knex;
  readonly #schema: string;

  /** `schema` is the event store's (`dui` by default), where `createDataKeysTable` ran. */
  constructor(knex: Knex, options: { schema?: string } = {}) {
    this.#knex = knex;
    this.#schema = options.schema ?? DEFAULT_SCHEMA;
  }

  async get(
    serviceUserId: string,
    options?: DataKeyStoreOptions<Knex.Transaction>,
  ): Promise<StoredDataKey | undefined> {
    return (await this.getMany([serviceUserId], options)).get(serviceUserId);
  }

  async getMany(
    serviceUserIds: readonly string[],
    options?: DataKeyStoreOptions<Knex.Transaction>,
  ): Promise<Map<string, StoredDataKey>> {
    const ids = [...new Set(serviceUserIds)];
    const found = new Map<string, StoredDataKey>();
    for (let start = 0; start < ids.length; start += CHUNK) {
      const rows: DataKeyRow[] = await this.#table(options).whereIn('service_user_id', ids.slice(start, start + CHUNK));
      for (const row of rows) found.set(row.service_user_id, fromRow(row));
    }
    return found;
  }

  async create(key: NewDataKey, options?: DataKeyStoreOptions<Knex.Transaction>): Promise<StoredDataKey> {
    // Insert-if-absent then read back: whoever loses a race adopts the winner's key.
    const inserted: DataKeyRow[] = await this.#table(options)
      .insert({
        service_user_id: key.serviceUserId,
        organisation_id: key.organisationId,
        wrapped_key: key.wrappedKey,
      })
      .onConflict('service_user_id')
      .ignore()
      .returning('*');
    const row = inserted[0] ?? (await this.#table(options).where('service_user_id', key.serviceUserId).first());
    if (row === undefined) throw new Error(`data key of usager ${key.serviceUserId} vanished after insert`);
    return fromRow(row);
  }

  async destroy(serviceUserId: string, options?: DataKeyStoreOptions<Knex.Transaction>): Promise<DestroyedDataKey> {
    const rows: DataKeyRow[] = await this.#table(options)
      .insert({
        service_user_id: serviceUserId,
        organisation_id: null,
        wrapped_key: null,
        destroyed_at: this.#knex.fn.now(),
      })
      .onConflict('service_user_id')
      .merge({
        wrapped_key: null,
        // The first erasure is the one to prove; forgetting again changes nothing.
        destroyed_at: this.#knex.raw('coalesce(??, excluded.destroyed_at)', ['data_keys.destroyed_at']),
      })
      .returning('*');
    const destroyed = fromRow(rows[0]!);
    if (destroyed.status !== 'destroyed') throw new Error(`data key of usager ${serviceUserId} survived its erasure`);
    return destroyed;
  }

  #table(options: DataKeyStoreOptions<Knex.Transaction> | undefined): Knex.QueryBuilder<DataKeyRow> {
    return (options?.transaction ?? this.#knex)<DataKeyRow>('data_keys').withSchema(this.#schema);
  }
}

function fromRow(row: DataKeyRow): StoredDataKey {
  const createdAt = new Date(row.created_at);
  if (row.wrapped_key === null) {
    return {
      status: 'destroyed',
      serviceUserId: row.service_user_id,
      organisationId: row.organisation_id,
      createdAt,
      destroyedAt: new Date(row.destroyed_at ?? createdAt),
    };
  }
  return {
    status: 'active',
    serviceUserId: row.service_user_id,
    organisationId: row.organisation_id ?? '',
    wrappedKey: Buffer.from(row.wrapped_key),
    createdAt,
  };
}
