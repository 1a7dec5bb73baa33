import type { Knex } from 'knex';
import type { ReportScope } from './report-types.js';

/** A piece of SQL and its positional bindings, composed with the `sql` tag. */
export interface Sql {
  readonly text: string;
  readonly values: readonly unknown[];
}

const isSql = (value: unknown): value is Sql =>
  typeof value === 'object' && value !== null && 'text' in value && 'values' in value;

/**
 * Composes SQL with bindings: each interpolated value becomes a `?` (knex's positional binding),
 * an interpolated `Sql` is inlined with its own. The report queries are long CTEs that repeat the
 * scope many times; counting `?` by hand would be where they break.
 */
export function sql(strings: TemplateStringsArray, ...parts: unknown[]): Sql {
  let text = strings[0] ?? '';
  const values: unknown[] = [];
  parts.forEach((part, index) => {
    if (isSql(part)) {
      text += part.text;
      values.push(...part.values);
    } else {
      text += '?';
      values.push(part);
    }
    text += strings[index + 1] ?? '';
  });
  return { text, values };
}

/** Text taken as SQL as it is: only for identifiers checked beforehand. */
export const verbatim = (text: string): Sql => ({ text, values: [] });

/** The outbox table of a read schema, quoted. */
export function outboxTable(outboxSchema: string): Sql {
  // a read schema is made by the runtime from a prefix and a projection name; anything else is a bug
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(outboxSchema)) {
    throw new RangeError(`invalid outbox schema: ${outboxSchema}`);
  }
  return verbatim(`"${outboxSchema}".events`);
}

/** `alias.organisation_id = … [and alias.facility_id = …]`: the facts of the report's scope. */
export function inScope(alias: string, scope: ReportScope): Sql {
  const organisation = sql`${verbatim(alias)}.organisation_id = ${scope.organisationId}`;
  return scope.facilityId === undefined
    ? organisation
    : sql`${organisation} and ${verbatim(alias)}.facility_id = ${scope.facilityId}`;
}

/** The facility part of the scope alone (`and alias.facility_id = …`, or nothing). */
export function inFacility(alias: string, scope: ReportScope): Sql {
  return scope.facilityId === undefined ? verbatim('') : sql` and ${verbatim(alias)}.facility_id = ${scope.facilityId}`;
}

/** Runs a query that answers one row with one json column, `report`. */
export async function queryReport<T>(db: Knex | Knex.Transaction, query: Sql): Promise<T> {
  const { rows } = (await db.raw(query.text, query.values as Knex.RawBinding[])) as {
    rows: { report: T | string }[];
  };
  const report = rows[0]?.report;
  if (report === undefined) throw new Error('report query answered no row');
  return (typeof report === 'string' ? JSON.parse(report) : report) as T;
}
