import type { Knex } from 'knex';

/**
 * Every row of one table of a model, in a stable order (by every column, left to right), so that
 * two builds of the same projection compare row for row.
 */
export async function modelRows(db: Knex, schema: string, table: string): Promise<Record<string, unknown>[]> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new TypeError(`${JSON.stringify(table)} is not a table name`);
  const [{ count }] = (await db('information_schema.columns')
    .where({ table_schema: schema, table_name: table })
    .count({ count: '*' })) as [{ count: string | number }];
  const columns = Number(count);
  if (columns === 0) throw new Error(`${schema}.${table}: no such table or view`);
  const ordering = Array.from({ length: columns }, (_, index) => index + 1).join(', ');
  const result: { rows: Record<string, unknown>[] } = await db.raw(
    `select * from ${schema}.${table} order by ${ordering}`,
  );
  return result.rows;
}
