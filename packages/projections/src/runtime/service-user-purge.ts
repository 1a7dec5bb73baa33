import { selectRows } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import type { ProjectionContext, ServiceUserRows } from '../projection.js';

export interface PurgedRows {
  /** Rows deleted, per projection read schema and table (`schema.table`). */
  byTable: Record<string, number>;
  total: number;
}

/**
 * Deletes a usager's rows from read models, at the end of the retention of their record: every
 * relation of the given read schemas that has a `service_user_id` column loses the rows naming
 * them in their organisation. Crypto-shredding has made the events unreadable; this removes the
 * copies the read models made while they were readable. A rebuild afterwards sees only erased
 * events, so the rows do not come back.
 *
 * Relations without the column are left alone: either they hold no personal data (counts by day)
 * or they key it otherwise, and their projection deletes those rows itself (`purgeServiceUser`,
 * which `ProjectionRuntime.purgeServiceUser` runs first).
 */
export async function purgeServiceUserRows(
  db: Knex | Knex.Transaction,
  readSchemas: readonly string[],
  where: ServiceUserRows,
): Promise<PurgedRows> {
  if (readSchemas.length === 0) return { byTable: {}, total: 0 };
  const relations = await selectRows<readonly [string, string, boolean]>(
    db,
    `select c.table_schema, c.table_name,
            exists (select 1 from information_schema.columns o
                     where o.table_schema = c.table_schema and o.table_name = c.table_name
                       and o.column_name = 'organisation_id')
       from information_schema.columns c
      where c.table_schema = any(?::text[]) and c.column_name = 'service_user_id'
      order by 1, 2`,
    [`{${readSchemas.join(',')}}`],
  );
  const byTable: Record<string, number> = {};
  let total = 0;
  for (const [schema, table, hasOrganisation] of relations) {
    const query = db.withSchema(schema).table(table).where('service_user_id', where.serviceUserId);
    const deleted = await (hasOrganisation ? query.andWhere('organisation_id', where.organisationId) : query).delete();
    byTable[`${schema}.${table}`] = deleted;
    total += deleted;
  }
  return { byTable, total };
}

/**
 * For a projection's `purgeServiceUser`: deletes the rows of `tables` that hang off the usager's
 * rows of `parent` (the same organisation and `key`), before the purge deletes those.
 */
export async function purgeRowsHangingOff(
  { table }: ProjectionContext,
  where: ServiceUserRows,
  parent: { table: string; key: string },
  tables: readonly string[],
): Promise<Record<string, number>> {
  const theirs = () =>
    table(parent.table)
      .select(parent.key)
      .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId });
  const deleted: Record<string, number> = {};
  for (const name of tables) {
    deleted[name] = await table(name)
      .where('organisation_id', where.organisationId)
      .whereIn(parent.key, theirs())
      .delete();
  }
  return deleted;
}
