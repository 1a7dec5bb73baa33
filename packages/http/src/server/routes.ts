import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type IdempotencyOptions, idempotentCommand } from './idempotency.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { correlationIdOf, loggerOf } from './logging.js';
import { HttpProblem, type ProblemKind } from './problem-details.js';
import { type RequestContext, rawPrincipalOf } from './request-context.js';
import { expectedRevisionOf, opaqueEtag, requireExpectedRevision, setRevision } from './revisions.js';
import { objectKeys, parseRequestPart, strictly } from './validation.js';

/**
 * The API's routes, declared as data: a command (POST, changes state, idempotent, may expect a
 * revision) or a query (GET, reads, may answer a revision as ETag), with the zod schemas of its
 * input and output. The same declarations mount the Express handlers, which validate before the
 * handler runs, and generate the OpenAPI document: the documentation cannot drift from the code.
 */
type AnyParams = z.ZodObject;
type NoParams = z.ZodObject<Record<never, never>>;

/** What a handler answers: the body, and the revision of the aggregate it shows or has just changed. */
export interface RouteResult<Body> {
  /** Defaults to the route's `status`. */
  status?: number;
  /** Omitted for 204. */
  body?: Body;
  /** Sets `ETag: "<revision>"`. */
  revision?: number;
  /** An opaque tag, for a representation that is not one aggregate's revision; quoted here. */
  etag?: string;
  /** `Location` of a created resource, for instance. */
  headers?: Record<string, string>;
}

interface RouteDocumentation {
  /** `/usagers/:serviceUserId`: Express's syntax, `:name` segments only. */
  path: string;
  /** One line, French: what the operation does. */
  summary: string;
  description?: string;
  /** Defaults to the method and path. */
  operationId?: string;
  tags?: readonly string[];
  /** The success status; 200 by default. */
  status?: number;
  /** Problems this route may answer beyond the ones every route of its kind may. */
  problems?: readonly ProblemKind[];
  /**
   * The media type of a response that is not JSON (`application/pdf`): the handler's body is then
   * the bytes, a Buffer, sent as they are (with the handler's own `Content-Type` header, if any).
   */
  produces?: string;
  /** The largest JSON body this command accepts, above the app's default (an upload in base64). */
  bodyLimit?: string | number;
}

export interface CommandInput<Params, Body> {
  params: Params;
  body: Body;
  /** From `If-Match`; `undefined` when the client sent none (only when `ifMatch` is not required). */
  expectedRevision: number | undefined;
  context: RequestContext;
}

export interface QueryInput<Params, Query> {
  params: Params;
  query: Query;
  context: RequestContext;
}

type Awaitable<T> = T | Promise<T>;

export interface CommandDefinition<Params extends AnyParams, Body extends z.ZodType, Result extends z.ZodType>
  extends RouteDocumentation {
  params?: Params;
  body: Body;
  response: Result;
  /** `required`: without `If-Match`, 428. Defaults to `optional`. */
  ifMatch?: 'optional' | 'required';
  handler(input: CommandInput<z.output<Params>, z.output<Body>>): Awaitable<RouteResult<z.output<Result>>>;
}

export interface QueryDefinition<Params extends AnyParams, Query extends AnyParams, Result extends z.ZodType>
  extends RouteDocumentation {
  params?: Params;
  query?: Query;
  response: Result;
  handler(input: QueryInput<z.output<Params>, z.output<Query>>): Awaitable<RouteResult<z.output<Result>>>;
}

/** A declared route, its types erased: what the app mounts and the OpenAPI document describes. */
export interface RouteDefinition extends RouteDocumentation {
  kind: 'command' | 'query';
  method: 'post' | 'get';
  params: AnyParams;
  query: AnyParams;
  body: z.ZodType | undefined;
  response: z.ZodType;
  ifMatch: 'optional' | 'required' | 'none';
  handle(input: {
    params: unknown;
    query: unknown;
    body: unknown;
    expectedRevision: number | undefined;
    context: RequestContext;
  }): Awaitable<RouteResult<unknown>>;
}

const EMPTY = z.object({});

export function defineCommand<Body extends z.ZodType, Result extends z.ZodType, Params extends AnyParams = NoParams>(
  definition: CommandDefinition<Params, Body, Result>,
): RouteDefinition {
  const { params, body, response, handler, ifMatch, ...documentation } = definition;
  const route: RouteDefinition = {
    ...documentation,
    kind: 'command',
    method: 'post',
    params: strictly(params ?? EMPTY),
    query: strictly(EMPTY),
    body: strictly(body),
    response,
    ifMatch: ifMatch ?? 'optional',
    handle: (input) =>
      handler({
        params: input.params as z.output<Params>,
        body: input.body as z.output<Body>,
        expectedRevision: input.expectedRevision,
        context: input.context,
      }),
  };
  assertParamsMatchPath(route);
  return route;
}

export function defineQuery<
  Result extends z.ZodType,
  Params extends AnyParams = NoParams,
  Query extends AnyParams = NoParams,
>(definition: QueryDefinition<Params, Query, Result>): RouteDefinition {
  const { params, query, response, handler, ...documentation } = definition;
  const route: RouteDefinition = {
    ...documentation,
    kind: 'query',
    method: 'get',
    params: strictly(params ?? EMPTY),
    query: strictly(query ?? EMPTY),
    body: undefined,
    response,
    ifMatch: 'none',
    handle: (input) =>
      handler({
        params: input.params as z.output<Params>,
        query: input.query as z.output<Query>,
        context: input.context,
      }),
  };
  assertParamsMatchPath(route);
  return route;
}

/** The `:name` segments of an Express path. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!);
}

/** A params schema that misses a segment, or names one the path lacks, is a bug: caught at startup. */
function assertParamsMatchPath(route: RouteDefinition): void {
  const inPath = pathParameters(route.path).sort();
  const inSchema = objectKeys(route.params).sort();
  if (inPath.join(',') !== inSchema.join(',')) {
    throw new TypeError(
      `${route.method.toUpperCase()} ${route.path}: the params schema declares [${inSchema}], the path [${inPath}]`,
    );
  }
  if (!route.path.startsWith('/') || /[*?{}()]/.test(route.path)) {
    throw new TypeError(`${route.path}: a route path starts with / and uses only :name segments`);
  }
}

export interface MountOptions {
  idempotencyStore: IdempotencyStore;
  logger: Logger;
  idempotency?: Omit<IdempotencyOptions, 'logger'>;
}

/** Mounts every route on the router, each behind its checks. */
export function mountRoutes(router: Router, routes: readonly RouteDefinition[], options: MountOptions): void {
  const idempotent = idempotentCommand(options.idempotencyStore, { ...options.idempotency, logger: options.logger });
  for (const route of routes) {
    const handler = routeHandler(route, options.logger);
    if (route.kind === 'command') {
      router.post(
        route.path,
        declaredRoute(route),
        jsonBodyOnly(),
        readExpectedRevision(route),
        validInput(route),
        idempotent,
        handler,
      );
    } else {
      router.get(route.path, declaredRoute(route), validInput(route), handler);
    }
  }
}

/** The pattern for the logs, which must not see the URL. */
function declaredRoute(route: RouteDefinition): RequestHandler {
  return (_request, response, next) => {
    response.locals.routePattern = route.path;
    next();
  };
}

/** A command's body, when there is one, is JSON: anything else would reach the handler as nothing. */
function jsonBodyOnly(): RequestHandler {
  return (request, _response, next) => {
    const matched = request.is(['application/json', 'application/*+json']);
    if (matched === false) {
      throw new HttpProblem(
        'unsupported-media-type',
        'Le corps d’une commande doit être du JSON (Content-Type: application/json).',
      );
    }
    next();
  };
}

/** Read before the idempotency key is claimed: a malformed header is not an answer to replay. */
function readExpectedRevision(route: RouteDefinition): RequestHandler {
  return (request, response, next) => {
    response.locals.expectedRevision =
      route.ifMatch === 'required' ? requireExpectedRevision(request) : expectedRevisionOf(request);
    next();
  };
}

interface ValidInput {
  params: unknown;
  query: unknown;
  body: unknown;
}

/**
 * The path, query and body checked against the route's schemas, before the idempotency key is
 * claimed: a request its schemas refuse never reached the command, so there is no answer to keep
 * for a retry (the same request gets the same refusal again, and a corrected one may reuse the key).
 */
function validInput(route: RouteDefinition): RequestHandler {
  return (request, response, next) => {
    const input: ValidInput = {
      params: parseRequestPart(route.params, 'params', request.params),
      query: parseRequestPart(route.query, 'query', request.query),
      body: route.body === undefined ? undefined : parseRequestPart(route.body, 'body', request.body ?? {}),
    };
    response.locals.validInput = input;
    next();
  };
}

function routeHandler(route: RouteDefinition, logger: Logger): RequestHandler {
  return async (request: Request, response: Response, _next: NextFunction) => {
    const { params, query, body } = response.locals.validInput as ValidInput;
    const expectedRevision = response.locals.expectedRevision as number | undefined;
    const context: RequestContext = {
      correlationId: correlationIdOf(response) ?? '',
      principal: rawPrincipalOf(response),
      log: loggerOf(request, logger),
      request,
      response,
    };
    const result = await route.handle({ params, query, body, expectedRevision, context });
    send(response, result, route.status ?? 200, route.produces);
  };
}

function send(response: Response, result: RouteResult<unknown>, defaultStatus: number, produces?: string): void {
  const status = result.status ?? defaultStatus;
  response.status(status).setHeader('Cache-Control', 'no-store');
  if (result.revision !== undefined) setRevision(response, result.revision);
  else if (result.etag !== undefined) response.setHeader('ETag', opaqueEtag(result.etag));
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, value);
  if (status === 204 || result.body === undefined) response.end();
  else if (produces !== undefined && Buffer.isBuffer(result.body)) {
    if (!response.hasHeader('Content-Type')) response.type(produces);
    response.end(result.body);
  } else response.json(result.body);
}
