import { selectRows } from '@dui-pds/eventstore';
import type { Knex } from 'knex';

/**
 * Points a projection's read schema at one build: one view per table of the build, replacing the
 * views on the previous build. Run in the switch's transaction, so readers see the old model or
 * the new one, never none: a reader that was waiting on a dropped view looks its name up again
 * once the switch commits, and finds the new one.
 */
export async function pointReadSchemaAt(db: Knex.Transaction, readSchema: string, buildSchema: string): Promise<void> {
  await db.raw(`create schema if not exists ${readSchema}`);
  for (const view of await relationsOf(db, readSchema, 'v')) await db.raw(`drop view ${readSchema}.${view}`);
  for (const table of await relationsOf(db, buildSchema, 'r')) {
    await db.raw(`create view ${readSchema}.${table} as select * from ${buildSchema}.${table}`);
  }
}

/** The tables (`r`) or views (`v`) of a schema, by name. */
export async function relationsOf(db: Knex | Knex.Transaction, schema: string, kind: 'r' | 'v'): Promise<string[]> {
  const rows = await selectRows<readonly [string]>(
    db,
    `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ? and c.relkind = ? order by c.relname`,
    [schema, kind],
  );
  return rows.map(([name]) => name);
}
