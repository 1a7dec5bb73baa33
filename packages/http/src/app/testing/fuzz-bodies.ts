import { randomUUID } from 'node:crypto';
import fc from 'fast-check';

/**
 * Invalid request bodies for fuzzing the commands, derived from their JSON schemas as the
 * OpenAPI document gives them: each body starts from a valid one and is made invalid by
 * construction (a valid body would rightly be accepted), so that any answer but a 4xx problem is
 * a bug of the server, not of the generator.
 */

/** The part of JSON Schema (2020-12, OpenAPI 3.1's dialect) the fuzzer reads. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  $ref?: string;
}

interface OpenApiDocumentLike {
  paths: Record<string, Record<string, OpenApiOperationLike>>;
  components?: { schemas?: Record<string, JsonSchema> };
}
interface OpenApiOperationLike {
  parameters?: { name?: string; in?: string; required?: boolean; $ref?: string }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** A command of the API, ready to be called: its path filled with valid values. */
export interface CommandEndpoint {
  /** As the OpenAPI document names it: `/organisations/{organisationId}/...`. */
  path: string;
  url: string;
  ifMatchRequired: boolean;
  body: JsonSchema;
}

/**
 * Every `post` operation of the document, its path parameters filled from `pathValues`: a
 * command added later is found without touching the tests (a new path parameter must be given a
 * value, and says so).
 */
export function commandEndpoints(document: OpenApiDocumentLike, pathValues: Record<string, string>): CommandEndpoint[] {
  return Object.entries(document.paths).flatMap(([path, operations]) => {
    const operation = operations.post;
    if (operation === undefined) return [];
    const url = path.replace(/\{([^}]+)\}/g, (_segment, name: string) => {
      const value = pathValues[name];
      if (value === undefined)
        throw new Error(`POST ${path}: give the fuzzer a valid value for the path parameter ${name}`);
      return encodeURIComponent(value);
    });
    const schema = operation.requestBody?.content?.['application/json']?.schema;
    if (schema === undefined) throw new Error(`POST ${path}: no application/json request body to fuzz`);
    const ifMatch = (operation.parameters ?? []).find((parameter) => parameter.name?.toLowerCase() === 'if-match');
    return [{ path, url, ifMatchRequired: ifMatch?.required === true, body: resolveRefs(schema, document) }];
  });
}

function resolveRefs(schema: JsonSchema, document: OpenApiDocumentLike, depth = 0): JsonSchema {
  if (depth > 20) throw new Error('a request schema nests too deep for the fuzzer');
  if (schema.$ref !== undefined) {
    const name = decodeURIComponent(schema.$ref.replace('#/components/schemas/', ''));
    const target = document.components?.schemas?.[name];
    if (target === undefined) throw new Error(`unresolved ${schema.$ref}`);
    return resolveRefs(target, document, depth + 1);
  }
  if (schema.properties === undefined) return schema;
  return {
    ...schema,
    properties: Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, resolveRefs(property, document, depth + 1)]),
    ),
  };
}

/**
 * A valid body of the schema: `known` values by field name (the test's facility, usager,
 * colleague...), else the first of an enum, a fresh uuid, a short string, and so on.
 */
export function validBody(schema: JsonSchema, known: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, property]) => [name, exampleValue(name, property, known)]),
  );
}

function exampleValue(name: string, schema: JsonSchema, known: Record<string, unknown>): unknown {
  if (Object.hasOwn(known, name)) return known[name];
  if ('const' in schema) return schema.const;
  if (schema.enum !== undefined && schema.enum.length > 0) return schema.enum[0];
  if (typeIs(schema, 'string')) {
    if (schema.format === 'uuid') return randomUUID();
    // days and instants have one obvious valid value: no field needs naming for them
    if (schema.format === 'date') return '2026-11-20';
    if (schema.format === 'date-time') return '2026-11-20T10:00:00+01:00';
    if (schema.pattern !== undefined)
      throw new Error(`${name}: give the fuzzer a valid value (pattern ${schema.pattern})`);
    return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
  }
  if (typeIs(schema, 'integer') || typeIs(schema, 'number')) return schema.minimum ?? 0;
  if (typeIs(schema, 'boolean')) return true;
  if (typeIs(schema, 'array')) return [];
  if (typeIs(schema, 'object')) return validBody(schema, known);
  throw new Error(`${name}: give the fuzzer a valid value`);
}

/** One request of the fuzzer: the exact body text (none at all when undefined), and how it was made. */
export class FuzzedBody {
  constructor(
    readonly mutation: string,
    readonly text: string | undefined,
  ) {}

  /** Short enough to read in a failure, exact enough to replay (as `rawBody`). */
  [fc.toStringMethod](): string {
    return `${this.mutation} — ${this.text === undefined ? '(no body)' : `rawBody ${abbreviate(this.text)}`}`;
  }

  toString(): string {
    return this[fc.toStringMethod]();
  }
}

/**
 * Non-ASCII as \u escapes (the same JSON inside strings), runs of one character folded as
 * ⟨c ×n⟩, the middle of a long text cut.
 */
export function abbreviate(text: string, limit = 600): string {
  const folded = foldRuns(Array.from(text, escapeNonAscii));
  const cut =
    folded.length <= limit
      ? folded
      : `${folded.slice(0, limit / 2)} …(${folded.length} chars)… ${folded.slice(-limit / 4)}`;
  return `«${cut}»`;
}

/**
 * Runs of 30 or more of one unit as ⟨unit ×n⟩, in one pass: a back-reference regular expression
 * did the same until a body of a few megabytes of one character exhausted its stack.
 */
function foldRuns(units: readonly string[]): string {
  const parts: string[] = [];
  for (let start = 0; start < units.length; ) {
    let end = start + 1;
    while (end < units.length && units[end] === units[start]) end += 1;
    const run = end - start;
    parts.push(run >= 30 ? `⟨${units[start]} ×${run}⟩` : units[start]!.repeat(run));
    start = end;
  }
  return parts.join('');
}

function escapeNonAscii(character: string): string {
  if (/^[\x20-\x7e]$/.test(character)) return character;
  // each UTF-16 unit of the character, as JSON writes it
  return Array.from(
    { length: character.length },
    (_, index) => `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`,
  ).join('');
}

/** The identifiers of the API's paths (the features' `identifier`): what an `...Id` field may hold. */
const IDENTIFIER = /^[\w.:-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Identifiers, uuids, enums and patterned strings: fields whose value is one of a closed set of
 * forms, which the fuzzer fills with hostile strings. Other strings (`text`, `reason`) are free
 * text: any string within their lengths is valid, so they only get wrong types and wrong lengths.
 */
function isConstrainedString(name: string, schema: JsonSchema): boolean {
  if (!typeIs(schema, 'string')) return false;
  return (
    name.endsWith('Id') ||
    schema.enum !== undefined ||
    'const' in schema ||
    schema.format !== undefined ||
    schema.pattern !== undefined
  );
}

/** Whether the field could hold this string: when it could not, sending it is invalid by construction. */
function mayHold(name: string, schema: JsonSchema, value: string): boolean {
  if (schema.enum !== undefined && !schema.enum.includes(value)) return false;
  if ('const' in schema && schema.const !== value) return false;
  // lengths in code points, as JSON Schema and zod count them
  const length = codePointLength(value);
  if (schema.minLength !== undefined && length < schema.minLength) return false;
  if (schema.maxLength !== undefined && length > schema.maxLength) return false;
  if (schema.pattern !== undefined && !patternOf(schema.pattern).test(value)) return false;
  if (schema.format === 'uuid' && !UUID.test(value)) return false;
  if (name.endsWith('Id') && !IDENTIFIER.test(value)) return false;
  return true;
}

/** Counted without spreading the string: the fuzzer's strings run to 100,000 code points. */
function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length += 1;
  return length;
}

const patterns = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let pattern = patterns.get(source);
  if (pattern === undefined) {
    pattern = new RegExp(source);
    patterns.set(source, pattern);
  }
  return pattern;
}

function typeIs(schema: JsonSchema, type: string): boolean {
  return Array.isArray(schema.type) ? schema.type.includes(type) : schema.type === type;
}

function hasJsonType(schema: JsonSchema, value: unknown): boolean {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  // no declared type: any value may be right, so none is surely a wrong type
  if (types.length === 0) return true;
  return types.some((type) => {
    switch (type) {
      case 'string':
        return typeof value === 'string';
      case 'number':
        return typeof value === 'number';
      case 'integer':
        return Number.isInteger(value);
      case 'boolean':
        return typeof value === 'boolean';
      case 'null':
        return value === null;
      case 'array':
        return Array.isArray(value);
      case 'object':
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      default:
        return true;
    }
  });
}

const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];

/** Hostile pieces of strings: unicode oddities, injections, path traversal, look-alikes. */
const HOSTILE = [
  // unicode: emoji, ZWJ sequences, right-to-left, invisible, combining, NUL, non-characters, lone surrogates
  '😀',
  '👩🏽‍⚕️',
  '\u202Eevil',
  '\u200F',
  'مرحبا',
  'שלום',
  '\u0000',
  '\u200B',
  '\uFEFF',
  'e\u0301',
  '\uFFFF',
  'İı',
  '\r\n',
  '\t',
  '\u2028',
  ...LONE_SURROGATES,
  // SQL and NoSQL
  "' OR '1'='1",
  "'; DROP TABLE events; --",
  '" OR ""="',
  '1); SELECT pg_sleep(5); --',
  '$$; --',
  '\\',
  '%',
  '{"$ne":null}',
  '{"$gt":""}',
  '$where',
  // scripts and templates
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection, meant as plain text
  '${7*7}',
  '{{7*7}}',
  '%s%n%x',
  // path traversal
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '/dev/zero',
  'file:///etc/passwd',
  // look-alikes
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'true',
  '',
  ' ',
];

/** Strings of 100,000 UTF-16 code units and more (JSON-escaped NULs and surrogates take six bytes each). */
const hugeString = fc
  .tuple(
    fc.constantFrom('a', '7', 'é', '😀', '\u0000', "'", '../', '\uD800'),
    fc.integer({ min: 100_000, max: 100_100 }),
  )
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

/** A string this constrained field cannot hold. */
function hostileString(name: string, schema: JsonSchema, valid: unknown): fc.Arbitrary<string> {
  const base = typeof valid === 'string' ? valid : '';
  const nearMisses = [
    base.toUpperCase(),
    `${base} `,
    ` ${base}`,
    `${base}\n`,
    `${base}x`,
    base.slice(1),
    base.replaceAll('-', ''),
    base + base,
  ];
  // huge strings cost a hundred times the others to build, send and parse: one in twenty-one,
  // still about a dozen per command
  return fc
    .oneof(
      { weight: 1, arbitrary: hugeString },
      { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...HOSTILE), fc.string({ maxLength: 8 }))
          .map(([before, hostile, after]) => before + hostile + after),
      },
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.constantFrom(...HOSTILE), fc.boolean())
          .map(([hostile, first]) => (first ? hostile + base : base + hostile)),
      },
      { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
      { weight: 4, arbitrary: fc.constantFrom(...nearMisses) },
    )
    .filter((value) => !mayHold(name, schema, value));
}

/** A string too long (or too short) for the field, in code points. */
function wrongLength(schema: JsonSchema): fc.Arbitrary<string> | undefined {
  const options: fc.Arbitrary<string>[] = [];
  if (schema.maxLength !== undefined) {
    const max = schema.maxLength;
    options.push(
      fc
        .tuple(
          fc.constantFrom('a', 'é', '😀', ' '),
          fc.oneof(
            { weight: 4, arbitrary: fc.integer({ min: max + 1, max: max + 20 }) },
            { weight: 1, arbitrary: fc.constant(Math.max(100_000, max + 1)) },
          ),
        )
        .map(([codePoint, length]) => codePoint.repeat(length)),
    );
  }
  if ((schema.minLength ?? 0) > 0) {
    options.push(fc.string({ maxLength: schema.minLength! - 1 }));
  }
  return options.length === 0 ? undefined : fc.oneof(...options);
}

/** Injection-shaped objects, made with own `__proto__` keys as JSON.parse makes them. */
const HOSTILE_OBJECTS: unknown[] = [
  { $ne: null },
  { $gt: '' },
  { $where: 'sleep(1000)' },
  JSON.parse('{"__proto__":{"isAdmin":true}}'),
  { constructor: { prototype: { isAdmin: true } } },
  { toString: 'x', valueOf: 1 },
];

/** A value of another JSON type than the field's. */
function wrongType(schema: JsonSchema, valid: unknown): fc.Arbitrary<unknown> {
  return fc
    .oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      fc.constantFrom(...HOSTILE_OBJECTS, [valid], { value: valid }),
    )
    .filter((value) => !hasJsonType(schema, value));
}

/**
 * JSON text standing for a field's value, where a JS value cannot: numbers out of range (a JS
 * Infinity), nesting deeper than JSON.stringify could build. All of a wrong type for a string.
 */
const RAW_VALUES: [string, fc.Arbitrary<string>][] = [
  ['a number out of range', fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '1e-400', '-0')],
  [
    'deeply nested arrays',
    fc.integer({ min: 1_000, max: 50_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  ],
  [
    'deeply nested objects',
    fc.integer({ min: 1_000, max: 20_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  ],
];

const RAW_MARKER = '\u0001raw\u0001';

/** A field whose JSON text is spliced in after serialisation, in place of a marker. */
class RawJson {
  constructor(readonly text: string) {}
}

type Body = Record<string, unknown>;
interface Mutation {
  label: string;
  apply(body: Body): void;
}

/** Sets an own property, even `__proto__`, as JSON.parse would. */
function setOwn(body: Body, key: string, value: unknown): void {
  Object.defineProperty(body, key, { value, enumerable: true, configurable: true, writable: true });
}

function objectMutations(schema: JsonSchema, valid: Body): fc.Arbitrary<Mutation> {
  const properties = Object.entries(schema.properties ?? {});
  const known = new Set(properties.map(([name]) => name));
  const required = (schema.required ?? []).filter((name) => known.has(name));
  const options: fc.WeightedArbitrary<Mutation>[] = [];

  if (required.length > 0) {
    options.push({
      weight: 2,
      arbitrary: fc.constantFrom(...required).map((name) => ({
        label: `without ${name}`,
        apply: (body: Body) => {
          delete body[name];
        },
      })),
    });
  }

  // top-level schemas are strict: any other key is refused
  const unknownKey = fc
    .oneof(
      fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        '$where',
        '$ne',
        'type',
        'organisationId',
        'actor',
        'revision',
        'id',
        ...properties.map(([name]) => name.toUpperCase()),
        ...properties.map(([name]) => ` ${name}`),
        '',
      ),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc
        .tuple(fc.string({ maxLength: 4 }), fc.constantFrom(...LONE_SURROGATES))
        .map(([prefix, surrogate]) => prefix + surrogate),
    )
    .filter((key) => !known.has(key));
  options.push({
    weight: 2,
    arbitrary: fc
      .tuple(unknownKey, fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...HOSTILE)))
      .map(([key, value]) => ({
        label: `unknown field ${abbreviate(key, 40)}`,
        apply: (body: Body) => setOwn(body, key, value),
      })),
  });

  const typed = properties.filter(([, property]) => property.type !== undefined);
  const strings = typed.filter(([, property]) => property.type === 'string');
  if (typed.length > 0) {
    options.push({
      weight: 3,
      arbitrary: fc.constantFrom(...typed).chain(([name, property]) =>
        wrongType(property, valid[name]).map((value) => ({
          label: `${name} of a wrong type`,
          apply: (body: Body) => setOwn(body, name, value),
        })),
      ),
    });
  }
  if (strings.length > 0) {
    options.push({
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...strings), fc.constantFrom(...RAW_VALUES)).chain(([[name], [label, raw]]) =>
        raw.map((text) => ({
          label: `${name} as ${label}`,
          apply: (body: Body) => setOwn(body, name, new RawJson(text)),
        })),
      ),
    });
  }

  const bounded = strings.filter(([, property]) => wrongLength(property) !== undefined);
  if (bounded.length > 0) {
    options.push({
      weight: 1,
      arbitrary: fc.constantFrom(...bounded).chain(([name, property]) =>
        wrongLength(property)!.map((value) => ({
          label: `${name} of a wrong length (${codePointLength(value)})`,
          apply: (body: Body) => setOwn(body, name, value),
        })),
      ),
    });
  }

  const constrained = properties.filter(([name, property]) => isConstrainedString(name, property));
  if (constrained.length > 0) {
    options.push({
      weight: 5,
      arbitrary: fc.constantFrom(...constrained).chain(([name, property]) =>
        hostileString(name, property, valid[name]).map((value) => ({
          label: `${name} hostile`,
          apply: (body: Body) => setOwn(body, name, value),
        })),
      ),
    });
  }
  return fc.oneof(...options);
}

/** JSON text, with the raw values (set on top-level fields only) spliced in where their markers stand. */
function serialise(body: Body): string {
  // a replacer slows JSON.stringify down on every value: only bodies with raw values need one
  if (!Object.values(body).some((value) => value instanceof RawJson)) return JSON.stringify(body);
  const raws: RawJson[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (!(value instanceof RawJson)) return value;
    raws.push(value);
    return RAW_MARKER;
  });
  // in order: the markers are met as the raw values were
  return raws.reduce((spliced, raw) => spliced.replace(JSON.stringify(RAW_MARKER), () => raw.text), text);
}

/**
 * Bodies the command must refuse: the valid body with one to three mutations (a required field
 * removed, an unknown field, a wrong type, a wrong length, a hostile string in a constrained
 * field); bodies that are not objects; malformed JSON; a body over the size limit; no body.
 */
export function invalidBodies(schema: JsonSchema, valid: Body): fc.Arbitrary<FuzzedBody> {
  const validText = JSON.stringify(valid);
  const hasRequired = (schema.required ?? []).length > 0;

  const mutated = fc.array(objectMutations(schema, valid), { minLength: 1, maxLength: 3 }).map((mutations) => {
    const body: Body = { ...valid };
    for (const mutation of mutations) mutation.apply(body);
    return new FuzzedBody(mutations.map((mutation) => mutation.label).join(', '), serialise(body));
  });

  const notAnObject = fc
    .oneof(
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
      fc.constant([valid]),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constant(validText),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    )
    .map((value) => new FuzzedBody('a body that is not an object', JSON.stringify(value)));

  const malformedTexts: [string, string][] = [
    ['a trailing comma', `${validText.slice(0, -1)},}`],
    ['single quotes', validText.replaceAll('"', "'")],
    ['unquoted keys', validText.replace(/"(\w+)":/g, '$1:')],
    ['a comment', validText.replace('{', '{/* note */')],
    ['two documents', validText + validText],
    ['a NaN', `${validText.slice(0, -1)},"n":NaN}`],
    ['an undefined', `${validText.slice(0, -1)},"u":undefined}`],
    ['a raw control character', validText.replace('":"', '":"\u0001')],
    ['a bad escape', `${validText.slice(0, -1)},"e":"\\x41"}`],
    ['a short unicode escape', `${validText.slice(0, -1)},"e":"\\u12"}`],
    ['unbalanced nesting', '['.repeat(100_000)],
    ['unbalanced objects', '{"a":'.repeat(50_000)],
    ['XML', '<note><text>x</text></note>'],
    ['a form', 'text=x&reason=y'],
  ];
  const malformed = fc.oneof(
    // (each made unparseable, whatever the valid body looks like)
    fc
      .integer({ min: 1, max: validText.length - 1 })
      .map((end) => new FuzzedBody('truncated JSON', validText.slice(0, end))),
    fc
      .constantFrom(...malformedTexts.filter(([, text]) => !parsesAsJson(text)))
      .map(([label, text]) => new FuzzedBody(`malformed JSON: ${label}`, text)),
    fc
      .string({ unit: 'binary', minLength: 1, maxLength: 40 })
      .filter((text) => !parsesAsJson(text))
      .map((text) => new FuzzedBody('malformed JSON: random text', text)),
  );

  // over the 1 MB limit of the body parser
  const fields = Object.keys(schema.properties ?? {});
  const tooLarge = fc
    .constantFrom(...(fields.length > 0 ? fields : ['padding']))
    .map((name) => new FuzzedBody(`${name} over 1 MB`, serialise({ ...valid, [name]: 'a'.repeat(1_100_000) })));

  // the route reads no body as {}: invalid when a field is required
  const nothing = fc.constantFrom(
    new FuzzedBody('no body', undefined),
    new FuzzedBody('an empty body', ''),
    new FuzzedBody('a blank body', '  \n\t '),
  );

  // a body over the limit costs a hundred times the others to send: about one in ninety, still a
  // dozen per command
  return fc.oneof(
    { weight: 56, arbitrary: mutated },
    { weight: 12, arbitrary: notAnObject },
    { weight: 16, arbitrary: malformed },
    { weight: 1, arbitrary: tooLarge },
    ...(hasRequired ? [{ weight: 4, arbitrary: nothing }] : []),
  );
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
