/**
 * PostgreSQL array literals (`{"a","b"}`), built here rather than by the driver: pg and PGlite
 * serialise JavaScript arrays differently (PGlite by the parameter's declared type, pg by the
 * values' JavaScript types), whereas a text literal cast in SQL (`?::json[]`) reads the same on both.
 */
export function arrayLiteral(elements: readonly string[]): string {
  return `{${elements.map(quoteElement).join(',')}}`;
}

/** `undefined` becomes SQL NULL (unquoted), every other element a quoted string. */
export function nullableArrayLiteral(elements: readonly (string | undefined)[]): string {
  return `{${elements.map((element) => (element === undefined ? 'NULL' : quoteElement(element))).join(',')}}`;
}

export function byteaArrayLiteral(values: readonly Buffer[]): string {
  return arrayLiteral(values.map((bytes) => `\\x${bytes.toString('hex')}`));
}

/** For integers only (checked upstream): they need no quoting. */
export function integerArrayLiteral(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

function quoteElement(element: string): string {
  // ids, types and dates need no escaping, and two scans cost less than a regular expression
  // replacement, several times per append
  if (!element.includes('"') && !element.includes('\\')) return `"${element}"`;
  return `"${element.replace(/[\\"]/g, '\\$&')}"`;
}
