import type { Knex } from 'knex';
import { DEFAULT_SCHEMA } from '../postgres/schema-name.js';
import { DataKeyUnwrapError, DeploymentSecretUnwrapError } from './errors.js';
import { type MasterKeys, unwrapKey, type WrappingContext, wrapKey } from './key-wrapping.js';

/** What a pass of `rewrapUnderCurrentMasterKey` found and did, per kind of wrapped key. */
export interface RewrapReport {
  dataKeys: RewrapCount;
  deploymentSecrets: RewrapCount;
}

export interface RewrapCount {
  /** Wrapped by a previous master key, now by the current one. */
  rewrapped: number;
  /** Already wrapped by the current master key: left as they were. */
  alreadyCurrent: number;
}

export interface RewrapOptions {
  /** The event store's schema (`dui` by default). */
  schema?: string;
  masterKeys: MasterKeys;
  /** Keys re-wrapped per transaction. */
  pageSize?: number;
  /** After each page, with the counts so far (a progress bar). */
  onProgress?: (report: RewrapReport) => void;
}

const DEFAULT_PAGE_SIZE = 500;

/**
 * The second step of a master key rotation (ADR 0020): every wrap still made with a previous
 * master key (deployment secrets, usagers' data keys) is re-wrapped with the current one. The
 * keys inside do not change, so no event is touched and nothing needs re-encrypting. Afterwards
 * the previous keys can leave the configuration.
 *
 * Each page commits on its own and only replaces the wrap it read (a key destroyed meanwhile stays
 * destroyed), so the pass can run beside the servers, be interrupted and run again: every row is
 * at all times wrapped by one key of the ring. It stops at the first wrap no key of the ring
 * opens, with a typed error naming it, since that usager's data would be lost with the old key.
 */
export async function rewrapUnderCurrentMasterKey(knex: Knex, options: RewrapOptions): Promise<RewrapReport> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const report: RewrapReport = {
    dataKeys: { rewrapped: 0, alreadyCurrent: 0 },
    deploymentSecrets: { rewrapped: 0, alreadyCurrent: 0 },
  };
  const tables = [
    {
      table: 'deployment_secrets',
      id: 'name',
      wrapped: 'wrapped_secret',
      count: report.deploymentSecrets,
      context: (name: string): WrappingContext => ({ secret: name }),
      unopened: (name: string) => new DeploymentSecretUnwrapError(name),
      touched: { rewrapped_at: knex.fn.now() },
    },
    {
      table: 'data_keys',
      id: 'service_user_id',
      wrapped: 'wrapped_key',
      count: report.dataKeys,
      context: (serviceUserId: string): WrappingContext => ({ dataKeyOf: serviceUserId }),
      unopened: (serviceUserId: string) => new DataKeyUnwrapError(serviceUserId),
      touched: {},
    },
  ];
  for (const kind of tables) {
    let after: string | undefined;
    for (;;) {
      const rows: { id: string; wrapped: Uint8Array }[] = await knex(kind.table)
        .withSchema(schema)
        .select({ id: kind.id, wrapped: kind.wrapped })
        // destroyed data keys have no wrap left to renew
        .whereNotNull(kind.wrapped)
        .modify((query) => (after === undefined ? query : query.where(kind.id, '>', after)))
        .orderBy(kind.id)
        .limit(pageSize);
      if (rows.length === 0) break;
      await knex.transaction(async (trx) => {
        for (const row of rows) {
          const wrapped = Buffer.from(row.wrapped);
          const opened = unwrapKey(options.masterKeys, kind.context(row.id), wrapped);
          if (!opened) throw kind.unopened(row.id);
          if (opened.byCurrent) {
            kind.count.alreadyCurrent += 1;
            continue;
          }
          const replaced = await trx(kind.table)
            .withSchema(schema)
            .where({ [kind.id]: row.id, [kind.wrapped]: wrapped })
            .update({
              [kind.wrapped]: wrapKey(options.masterKeys.current, kind.context(row.id), opened.key),
              ...kind.touched,
            });
          kind.count.rewrapped += replaced;
        }
      });
      after = rows[rows.length - 1]!.id;
      options.onProgress?.(report);
    }
  }
  return report;
}
