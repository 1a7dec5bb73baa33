/**
 * Values of a model's rows as an auditor should read them, whatever the driver made of them:
 * instants in UTC, 64-bit integers as text (JSON numbers lose precision past 2^53). Days already
 * arrive as text (`connectPostgres`, `openPglite`).
 */
export type Cell = string | number | boolean | null | { [key: string]: unknown } | unknown[];

export interface Column {
  name: string;
  /** `information_schema.columns.data_type`. */
  dataType: string;
}

export function cellOf(value: unknown, column: Column): Cell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return dateCell(value, column.dataType);
  if (typeof value === 'bigint' || column.dataType === 'bigint') return String(value);
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return value as Cell;
}

export function csvText(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}

function dateCell(value: Date, dataType: string): string {
  if (dataType === 'timestamp without time zone') {
    // a wall-clock time, read in local time by both drivers: give it back without an offset
    const time = [value.getHours(), value.getMinutes(), value.getSeconds()].map(pad2).join(':');
    return `${ymd(value.getFullYear(), value.getMonth(), value.getDate())}T${time}.${String(value.getMilliseconds()).padStart(3, '0')}`;
  }
  return value.toISOString();
}

function ymd(year: number, monthIndex: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${pad2(monthIndex + 1)}-${pad2(day)}`;
}

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}
