import type { Knex } from 'knex';

/** The knex instance or the caller's transaction a statement runs on. */
export type Queryable = Knex | Knex.Transaction;

/**
 * Runs a statement and returns its rows as arrays of column values. Array rows skip building one
 * object per row, which is most of the client-side cost of reading the log; pg and PGlite both
 * accept `rowMode: 'array'` and both return `{ rows }` from a raw query.
 */
export async function selectRows<Row extends readonly unknown[]>(
  db: Queryable,
  sql: string,
  bindings: readonly Knex.RawBinding[] = [],
): Promise<Row[]> {
  const result: { rows: Row[] } = await db.raw(sql, bindings).options({ rowMode: 'array' });
  return result.rows;
}
