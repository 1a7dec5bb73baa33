import type { ReplayedModel } from '@dui-pds/projections';
import { stringify } from 'csv-stringify/sync';
import type { Knex } from 'knex';
import { type Cell, type Column, cellOf, csvText } from './model-cells.js';

export interface ModelTable {
  name: string;
  columns: Column[];
  rows: Record<string, Cell>[];
}

/** The tables of a replayed model, with their columns in order so that an empty table still has a header. */
export async function readTables(knex: Knex, model: ReplayedModel, names: readonly string[]): Promise<ModelTable[]> {
  const tables: ModelTable[] = [];
  for (const name of names) {
    const columns: Column[] = (
      await knex('information_schema.columns')
        .select({ name: 'column_name', dataType: 'data_type' })
        .where({ table_schema: model.schema, table_name: name })
        .orderBy('ordinal_position')
    ).map((column: Column) => ({ name: column.name, dataType: column.dataType }));
    const rows = (await model.rows(name)).map((row) =>
      Object.fromEntries(columns.map((column) => [column.name, cellOf(row[column.name], column)])),
    );
    tables.push({ name, columns, rows });
  }
  return tables;
}

export function tablesJson(header: Record<string, unknown>, tables: readonly ModelTable[]): string {
  const body = { ...header, tables: Object.fromEntries(tables.map((table) => [table.name, table.rows])) };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** RFC 4180, comma-separated, with a header line. */
export function tableCsv(table: ModelTable): string {
  const names = table.columns.map((column) => column.name);
  return stringify(
    table.rows.map((row) => names.map((name) => csvText(row[name] ?? null))),
    { header: true, columns: names, record_delimiter: 'unix' },
  );
}
