import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { principalOf } from './request-context.js';

/**
 * Structured logs that an operator can keep: one line per request with its method, route
 * pattern (never the URL: its path may hold a usager's id, its query a name), status, duration,
 * correlation id and professional id. No body, query, header or error message is ever written:
 * each may hold personal data (health data, under the GDPR and the CSP).
 */
export const CORRELATION_ID_HEADER = 'X-Correlation-Id';
const VALID_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const UNMATCHED_ROUTE = '(unmatched)';

export interface CreateLoggerOptions {
  level?: LevelWithSilent;
  /** Where lines go; standard output by default. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'dui-pds' },
      serializers: { err: safeError, error: safeError },
      // Defence in depth: the serializers below already keep these out of every line.
      redact: {
        paths: [
          'req.headers',
          'req.body',
          'req.query',
          'req.url',
          'res.headers',
          'headers',
          'body',
          'query',
          'authorization',
          'cookie',
        ],
        remove: true,
      },
    },
    options.destination,
  );
}

/**
 * An error as it may be logged: its class, its code (a SQLSTATE, a domain rule) and where it was
 * thrown, but not its message: a constraint violation or a JSON parse error quotes the data.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as { code?: unknown }).code;
  // The stack opens with the message, which may span lines that look like frames: skip it whole.
  const header = error.message === '' ? error.name : `${error.name}: ${error.message}`;
  const stack = error.stack ?? '';
  const frames = (stack.startsWith(header) ? stack.slice(header.length) : stack)
    .split('\n')
    .filter((line) => /^ {4}at /.test(line))
    .map((line) => line.trim());
  return {
    type: error.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    stack: frames.join('\n'),
  };
}

/** Takes the caller's `X-Correlation-Id` when it is a plain token, else a new UUID; answers it back. */
export function correlationId(): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const given = request.get(CORRELATION_ID_HEADER);
    const id = given !== undefined && VALID_CORRELATION_ID.test(given) ? given : randomUUID();
    response.locals.correlationId = id;
    response.setHeader(CORRELATION_ID_HEADER, id);
    next();
  };
}

export function correlationIdOf(response: Response): string | undefined {
  const id: unknown = response.locals.correlationId;
  return typeof id === 'string' ? id : undefined;
}

/** The route a request matched, as declared (`/usagers/:serviceUserId`), never the URL itself. */
export function routePatternOf(request: Request, response: Response): string {
  const declared: unknown = response.locals.routePattern;
  if (typeof declared === 'string') return declared;
  const path: unknown = request.route?.path;
  return typeof path === 'string' ? request.baseUrl + path : UNMATCHED_ROUTE;
}

export interface RequestLoggingOptions {
  /** GET paths not logged: probes, every few seconds, would drown the rest (a failed readiness check logs its own warning). */
  ignorePaths?: readonly string[];
}

/** One line per request, written when the response ends. Needs `correlationId()` before it. */
export function requestLogging(logger: Logger, options: RequestLoggingOptions = {}): RequestHandler {
  const ignored = new Set(options.ignorePaths ?? []);
  const summary = (req: IncomingMessage, res: ServerResponse, responseTime: number) => {
    const request = req as Request;
    const response = res as Response;
    const professionalId = principalOf(response)?.professionalId;
    return {
      method: request.method,
      route: routePatternOf(request, response),
      statusCode: response.statusCode,
      durationMs: responseTime,
      ...(professionalId === undefined ? {} : { professionalId }),
      ...(response.writableFinished ? {} : { aborted: true }),
    };
  };
  const middleware = pinoHttp({
    logger,
    genReqId: (_req, res) => correlationIdOf(res as Response) ?? randomUUID(),
    customAttributeKeys: { reqId: 'correlationId', responseTime: 'durationMs' },
    // Nothing of the request is bound to its logger: handlers' own lines carry the correlation id only.
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    // pino-http binds the whole request to a logger it makes for every request, even a quiet one
    // that never writes it: without a serializer of its own, pino would stringify the request, its
    // headers, body and socket, on every request, only for redaction to drop most of it
    serializers: { err: safeError, req: () => ({}) },
    autoLogging: { ignore: (req) => ignored.has((req as Request).path) && (req as Request).method === 'GET' },
    customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (req, res, value: { durationMs: number }) => summary(req, res, value.durationMs),
    customErrorObject: (req, res, _error, value: { durationMs: number }) => summary(req, res, value.durationMs),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  });
  return middleware as unknown as RequestHandler;
}

/** The request's logger, bound to its correlation id (the fallback bound to it when logging is not mounted). */
export function loggerOf(request: Request, fallback: Logger): Logger {
  const bound = (request as Request & { log?: Logger }).log;
  if (bound !== undefined) return bound;
  const id = request.res === undefined ? undefined : correlationIdOf(request.res);
  return id === undefined ? fallback : fallback.child({ correlationId: id });
}
