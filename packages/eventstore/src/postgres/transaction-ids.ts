import type { Knex } from 'knex';
import { TransactionIdsBehindLogError } from '../errors.js';
import { checkedSchemaName, DEFAULT_SCHEMA } from './schema-name.js';
import { selectRows } from './sql-rows.js';

/**
 * Refuses a database whose next transaction id is not past every one the log holds (ADR 0003: the
 * global order is by transaction id). It happens after a logical restore into a new cluster whose
 * counter starts near zero; an append would then be read before older events, or never by a
 * reader already past them. Cheap (the global-order index gives the highest id at once): run it
 * at every start, before anything appends. Reading the snapshot's xmax hands out no id.
 */
export async function checkTransactionIdsAheadOfLog(knex: Knex, options: { schema?: string } = {}): Promise<void> {
  const schema = checkedSchemaName(options.schema ?? DEFAULT_SCHEMA);
  const [row] = await selectRows<readonly [string | null, string, boolean | null]>(
    knex,
    `select highest::text, next::text, highest >= next
       from (select (select max(transaction_id) from ${schema}.events) as highest,
                    pg_snapshot_xmax(pg_current_snapshot()) as next) ids`,
    [],
  );
  const [highest, next, behind] = row!;
  if (highest !== null && behind) throw new TransactionIdsBehindLogError(highest, next);
}
