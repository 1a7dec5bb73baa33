import { z } from 'zod';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_REPLAYED_HEADER } from './idempotency.js';
import { CORRELATION_ID_HEADER } from './logging.js';
import {
  PROBLEM_KINDS,
  PROBLEM_MEDIA_TYPE,
  type ProblemKind,
  problemStatus,
  problemTitle,
  problemType,
} from './problem-details.js';
import type { RouteDefinition } from './routes.js';
import { objectKeys } from './validation.js';

/**
 * The OpenAPI 3.1 document of the declared routes, generated from their zod schemas (JSON Schema
 * 2020-12, OpenAPI 3.1's dialect): parameters, bodies, answers, and the problems each may give.
 */
export type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, unknown>;
    headers: Record<string, unknown>;
  };
  [extension: string]: unknown;
};
export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  parameters: unknown[];
  requestBody?: unknown;
  responses: Record<string, OpenApiResponse>;
}
export interface OpenApiResponse {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: JsonSchema }>;
}

export interface OpenApiOptions {
  title?: string;
  version?: string;
  description?: string;
  servers?: readonly { url: string; description?: string }[];
  /** Problems every route may answer, e.g. `unauthenticated` and `forbidden` once authentication guards them all. */
  commonProblems?: readonly ProblemKind[];
}

const COMMAND_PROBLEMS: readonly ProblemKind[] = [
  'validation-failed',
  'conflict',
  'payload-too-large',
  'unsupported-media-type',
  'idempotency-key-reused',
  'domain-rule-violated',
  'precondition-required',
  'rate-limited',
  'internal-error',
];
const QUERY_PROBLEMS: readonly ProblemKind[] = ['validation-failed', 'rate-limited', 'internal-error'];
const ref = (section: string, name: string) => ({ $ref: `#/components/${section}/${name}` });

export function buildOpenApiDocument(
  routes: readonly RouteDefinition[],
  options: OpenApiOptions = {},
): OpenApiDocument {
  const schemas = new SchemaCollector();
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'DUI-PDS',
      version: options.version ?? '0.1.0',
      description:
        options.description ??
        'API du dossier usager informatisé (CSAPA, CAARUD, ACT, LHSS, LAM). Chaque erreur est un document « problem details » (RFC 9457).',
    },
    ...(options.servers === undefined ? {} : { servers: [...options.servers] }),
    paths: {},
    components: { schemas: schemas.components, parameters: sharedParameters(), headers: sharedHeaders() },
  };
  Object.assign(schemas.components, problemSchemas());
  for (const route of routes) {
    const path = openApiPath(route.path);
    document.paths[path] ??= {};
    if (document.paths[path][route.method] !== undefined) {
      throw new TypeError(`${route.method.toUpperCase()} ${route.path} is declared twice`);
    }
    document.paths[path][route.method] = operation(route, schemas, options.commonProblems ?? []);
  }
  return document;
}

/** `/usagers/:serviceUserId` → `/usagers/{serviceUserId}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export function operationIdOf(route: RouteDefinition): string {
  if (route.operationId !== undefined) return route.operationId;
  const words = route.path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => (segment.startsWith(':') ? `by-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter((word) => word !== '');
  return [route.method, ...words].map((word, index) => (index === 0 ? word : capitalise(word))).join('');
}

function operation(
  route: RouteDefinition,
  schemas: SchemaCollector,
  commonProblems: readonly ProblemKind[],
): OpenApiOperation {
  const parameters: unknown[] = [
    ...schemaParameters(route.params, 'path', schemas),
    ...schemaParameters(route.query, 'query', schemas),
    ref('parameters', 'CorrelationId'),
  ];
  if (route.kind === 'command') {
    parameters.push(ref('parameters', 'IdempotencyKey'));
    parameters.push({ ...ifMatchParameter(), required: route.ifMatch === 'required' });
  }
  // The request first: a named schema whose forms differ keeps its plain name for its input form.
  const requestBody =
    route.body === undefined
      ? undefined
      : { required: true, content: { 'application/json': { schema: schemas.convert(route.body, 'input') } } };
  const status = route.status ?? 200;
  const success: OpenApiResponse = {
    description: route.kind === 'command' ? 'Commande exécutée' : 'Résultat',
    headers: {
      [CORRELATION_ID_HEADER]: ref('headers', 'CorrelationId'),
      ETag: ref('headers', 'ETag'),
      ...(route.kind === 'command' ? { [IDEMPOTENCY_REPLAYED_HEADER]: ref('headers', 'IdempotencyReplayed') } : {}),
    },
    ...(status === 204
      ? {}
      : route.produces !== undefined
        ? { content: { [route.produces]: { schema: { type: 'string', contentMediaType: route.produces } } } }
        : { content: { 'application/json': { schema: schemas.convert(route.response, 'output') } } }),
  };
  const problems = new Set<ProblemKind>([
    ...(route.kind === 'command' ? COMMAND_PROBLEMS : QUERY_PROBLEMS),
    ...(objectKeys(route.params).length > 0 ? (['not-found'] as const) : []),
    ...(route.ifMatch === 'none' ? [] : (['precondition-failed'] as const)),
    ...commonProblems,
    ...(route.problems ?? []),
  ]);
  return {
    operationId: operationIdOf(route),
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(route.tags === undefined ? {} : { tags: [...route.tags] }),
    parameters,
    ...(requestBody === undefined ? {} : { requestBody }),
    responses: { [String(status)]: success, ...problemResponses([...problems]) },
  };
}

function schemaParameters(schema: z.ZodObject, location: 'path' | 'query', schemas: SchemaCollector): unknown[] {
  const converted = schemas.convert(schema, 'input');
  const properties = (converted.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((converted.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** Answers keyed by status; kinds that share one (422) are listed together. */
function problemResponses(kinds: readonly ProblemKind[]): Record<string, OpenApiResponse> {
  const byStatus = new Map<number, ProblemKind[]>();
  for (const kind of PROBLEM_KINDS.filter((known) => kinds.includes(known))) {
    byStatus.set(problemStatus(kind), [...(byStatus.get(problemStatus(kind)) ?? []), kind]);
  }
  const responses: Record<string, OpenApiResponse> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const alternatives = group.map((kind) => ref('schemas', problemSchemaName(kind)));
    responses[String(status)] = {
      description: group.map((kind) => `${problemTitle(kind)} (${problemType(kind)})`).join(' ; '),
      headers: {
        [CORRELATION_ID_HEADER]: ref('headers', 'CorrelationId'),
        ...(group.includes('rate-limited') || group.includes('conflict')
          ? { 'Retry-After': ref('headers', 'RetryAfter') }
          : {}),
      },
      content: {
        [PROBLEM_MEDIA_TYPE]: { schema: alternatives.length === 1 ? alternatives[0]! : { oneOf: alternatives } },
      },
    };
  }
  return responses;
}

export function problemSchemaName(kind: ProblemKind): string {
  if (kind === 'validation-failed') return 'ValidationProblem';
  if (kind === 'domain-rule-violated') return 'DomainRuleProblem';
  return `Problem.${kind}`;
}

function problemSchemas(): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {
    Problem: {
      type: 'object',
      description: 'Document « problem details » (RFC 9457)',
      required: ['type', 'title', 'status', 'detail'],
      properties: {
        type: { type: 'string', format: 'uri', description: 'Le genre de problème : une URI stable' },
        title: { type: 'string', description: 'Résumé du genre de problème, en français' },
        status: { type: 'integer', minimum: 400, maximum: 599 },
        detail: { type: 'string', description: 'Explication propre à cette occurrence, en français' },
        instance: { type: 'string', format: 'uri-reference' },
        correlationId: { type: 'string', description: 'À transmettre au support' },
      },
    },
  };
  for (const kind of PROBLEM_KINDS) {
    const own: JsonSchema = {
      type: 'object',
      properties: { type: { const: problemType(kind) }, status: { const: problemStatus(kind) } },
    };
    if (kind === 'validation-failed') {
      own.required = ['errors'];
      (own.properties as JsonSchema).errors = {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: {
            path: { type: 'string', description: 'body.champ, params.nom, query.nom ou headers.nom' },
            message: { type: 'string' },
          },
        },
      };
    }
    if (kind === 'domain-rule-violated') {
      own.required = ['code'];
      (own.properties as JsonSchema).code = { type: 'string', description: 'La règle métier enfreinte' };
      (own.properties as JsonSchema).details = { type: 'object' };
    }
    schemas[problemSchemaName(kind)] = { title: problemTitle(kind), allOf: [ref('schemas', 'Problem'), own] };
  }
  return schemas;
}

function sharedParameters(): Record<string, unknown> {
  return {
    IdempotencyKey: {
      name: IDEMPOTENCY_KEY_HEADER,
      in: 'header',
      required: true,
      description:
        'Une valeur unique par commande (un UUID par exemple). Un nouvel essai avec la même clé et le même corps renvoie la réponse déjà donnée, sans exécuter la commande une seconde fois.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
    },
    CorrelationId: {
      name: CORRELATION_ID_HEADER,
      in: 'header',
      required: false,
      description: 'Identifiant de corrélation ; généré par le serveur si absent, renvoyé dans la réponse',
      schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
    },
  };
}

function ifMatchParameter() {
  return {
    name: 'If-Match',
    in: 'header',
    description:
      'La révision lue (en-tête ETag de la ressource). La commande est refusée (412) si la ressource a changé depuis.',
    schema: { type: 'string', pattern: '^"(0|[1-9][0-9]*)"$' },
  };
}

function sharedHeaders(): Record<string, unknown> {
  return {
    ETag: {
      description: 'La révision de la ressource, à renvoyer dans If-Match',
      schema: { type: 'string', pattern: '^"(0|[1-9][0-9]*)"$' },
    },
    CorrelationId: { description: 'Identifiant de corrélation de la requête', schema: { type: 'string' } },
    IdempotencyReplayed: {
      description: 'Présent (true) quand la réponse est celle d’un essai précédent avec la même clé',
      schema: { type: 'string', enum: ['true'] },
    },
    RetryAfter: { description: 'Secondes à attendre avant de réessayer', schema: { type: 'integer', minimum: 0 } },
  };
}

/**
 * Converts zod schemas and gathers their named parts (`.meta({ id })`) in `components.schemas`.
 * A name whose input and output forms differ (defaults, transforms) gets one entry per form.
 */
class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const {
      $schema: _dialect,
      $defs,
      ...root
    } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
    const definitions = Object.entries(($defs ?? {}) as Record<string, JsonSchema>);
    const renamed = new Map(definitions.map(([name]) => [name, name]));
    // A variant's name changes the refs of the definitions that use it: settle the names first.
    for (let pass = 0; pass <= definitions.length; pass += 1) {
      let changed = false;
      for (const [name, definition] of definitions) {
        const existing = this.components[name];
        const fits = existing === undefined || sameJson(existing, rewriteRefs(definition, renamed));
        const target = fits ? name : `${name}.${io}`;
        if (renamed.get(name) !== target) {
          renamed.set(name, target);
          changed = true;
        }
      }
      if (!changed) break;
    }
    for (const [name, definition] of definitions) {
      this.components[renamed.get(name)!] = rewriteRefs(definition, renamed) as JsonSchema;
    }
    return rewriteRefs(root, renamed) as JsonSchema;
  }
}

function rewriteRefs(value: unknown, renamed: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renamed));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (key === '$ref' && typeof item === 'string' && item.startsWith('#/$defs/')) {
        const name = decodeURIComponent(item.slice('#/$defs/'.length));
        return [key, `#/components/schemas/${encodeURIComponent(renamed.get(name) ?? name)}`];
      }
      return [key, rewriteRefs(item, renamed)];
    }),
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
