/**
 * The event store's tables live in one PostgreSQL schema (`dui` unless told otherwise; tests use
 * a random one per suite). Its name is spliced into SQL, so only plain lowercase identifiers are
 * accepted: nothing to quote, nothing to inject.
 */
export const DEFAULT_SCHEMA = 'dui';

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkedSchemaName(schema: string): string {
  if (!PLAIN_IDENTIFIER.test(schema)) {
    throw new TypeError(`schema name ${JSON.stringify(schema)}: use lowercase letters, digits and _ (at most 63)`);
  }
  return schema;
}
