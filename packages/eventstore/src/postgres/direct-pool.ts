import type { Knex } from 'knex';

/** A statement pg prepares once per connection and then only binds and executes. */
export interface PreparedStatement {
  name: string;
  text: string;
}

interface PgConnection {
  query(config: {
    name: string;
    text: string;
    values: readonly unknown[];
    rowMode: 'array';
  }): Promise<{ rows: unknown[] }>;
}

interface KnexClientPool {
  config: { client?: unknown };
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

/**
 * The pg connections of a knex pool, used directly for the one statement on every write path
 * (ADR 0007): knex's query runner costs more client CPU than the append itself, and a named
 * statement spares the server a parse and plan per call. Connections are borrowed from and
 * returned to knex's own pool, so limits and shutdown stay knex's.
 */
export class DirectPool {
  readonly #client: KnexClientPool;

  private constructor(client: KnexClientPool) {
    this.#client = client;
  }

  /** Only for the pg driver: PGlite's connection speaks another API and has no round trip to save. */
  static of(knex: Knex): DirectPool | undefined {
    const client = knex.client as KnexClientPool;
    return client.config.client === 'pg' ? new DirectPool(client) : undefined;
  }

  async query<Row>(statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]> {
    const connection = await this.#client.acquireConnection();
    try {
      const result = await connection.query({ ...statement, values, rowMode: 'array' });
      return result.rows as Row[];
    } finally {
      await this.#client.releaseConnection(connection);
    }
  }
}

/** `select f(?, ?)` (knex) → `select f($1, $2)` (pg). The statements given have no other `?`. */
export function positionalParameters(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}
