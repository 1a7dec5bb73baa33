import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppendOptions, AppendResult, EventStore, EventToAppend } from '@dui-pds/eventstore';
import { type NextFunction, type Request, type RequestHandler, type Response, Router } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { IDEMPOTENCY_REPLAYED_HEADER } from './idempotency.js';
import { routePatternOf } from './logging.js';
import { HttpProblem, sendProblem } from './problem-details.js';

/**
 * The server's Prometheus series, scraped on `GET /metrics`. A label never carries a value that
 * came from a request: routes are their declared patterns (`/usagers/:serviceUserId`, never the
 * path, which holds a usager's id), methods a fixed list, statuses their class (`2xx`).
 */
export const METRICS_PATH = '/metrics';

/** Where a projection stands, as `ProjectionRuntime.status()` says it. */
export interface ProjectionLag {
  name: string;
  mode: 'async' | 'inline';
  behindEvents: number;
  behindSeconds: number | undefined;
}

export interface ServerMetricsOptions {
  /** Read at every scrape: the projections' lag behind the log (`ProjectionRuntime`). */
  projections?: { status(): Promise<readonly ProjectionLag[]> };
  /** Told when the projections' status could not be read; the scrape still answers, without their lag. */
  onProjectionStatusError?: (error: unknown) => void;
}

/** Seconds: from a probe's few milliseconds to a yearly report's PDF. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export class ServerMetrics {
  readonly #registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status_class'>;
  readonly #durations: Histogram<'method' | 'route' | 'status_class'>;
  readonly #appended: Counter<'type'>;
  readonly #replays: Counter<'route'>;
  /** Starts the one read of the projections' status that a scrape's lag gauges share. */
  readonly #readProjectionLag: () => void;

  constructor(options: ServerMetricsOptions = {}) {
    const registers = [this.#registry];
    this.#requests = new Counter({
      name: 'dui_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status class.',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    });
    this.#durations = new Histogram({
      name: 'dui_http_request_duration_seconds',
      help: 'Time from a request’s arrival to the end of its answer, by method, route pattern and status class.',
      labelNames: ['method', 'route', 'status_class'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#appended = new Counter({
      name: 'dui_events_appended_total',
      help: 'Events appended to the event store by this process, by event type (retried commands that wrote nothing not counted).',
      labelNames: ['type'],
      registers,
    });
    this.#replays = new Counter({
      name: 'dui_idempotent_replays_total',
      help: 'Commands answered from a stored answer because their Idempotency-Key had already been used, by route pattern.',
      labelNames: ['route'],
      registers,
    });
    this.#readProjectionLag = options.projections
      ? registerProjectionLag(this.#registry, options.projections, options)
      : () => undefined;
  }

  requestAnswered(request: { method: string; route: string; status: number; seconds: number }): void {
    const labels = {
      method: KNOWN_METHODS.has(request.method) ? request.method : 'OTHER',
      route: request.route,
      status_class: `${Math.trunc(request.status / 100)}xx`,
    };
    this.#requests.inc(labels);
    this.#durations.observe(labels, request.seconds);
  }

  eventsAppended(events: readonly Pick<EventToAppend, 'type'>[]): void {
    for (const event of events) this.#appended.inc({ type: event.type });
  }

  idempotentReplay(route: string): void {
    this.#replays.inc({ route });
  }

  /** The text a scrape gets: this server's series, then the process's (memory, event loop, CPU). */
  async exposition(): Promise<{ contentType: string; text: string }> {
    this.#readProjectionLag();
    const own = await this.#registry.metrics();
    const process = await processRegistry().metrics();
    return { contentType: this.#registry.contentType, text: `${own}\n${process}` };
  }
}

/**
 * The process's own series (`process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`, …)
 * are collected once per process: every app made in a test process would otherwise start its own
 * event-loop monitor, and they describe the process, not an app.
 */
let processSeries: Registry | undefined;
function processRegistry(): Registry {
  if (processSeries === undefined) {
    processSeries = new Registry();
    collectDefaultMetrics({ register: processSeries });
  }
  return processSeries;
}

/**
 * Read at scrape time, so that the figure is the database's, whichever process runs the workers.
 * Returns what starts a scrape's read.
 */
function registerProjectionLag(
  registry: Registry,
  projections: NonNullable<ServerMetricsOptions['projections']>,
  options: ServerMetricsOptions,
): () => void {
  let read: Promise<readonly ProjectionLag[] | undefined> = Promise.resolve(undefined);
  const asyncStatuses = () => read;
  new Gauge({
    name: 'dui_projection_lag_events',
    help: 'Events of the log an async projection’s active build has not applied yet.',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const status of (await asyncStatuses()) ?? []) this.set({ projection: status.name }, status.behindEvents);
    },
  });
  new Gauge({
    name: 'dui_projection_lag_seconds',
    help: 'Between the last event an async projection applied and the newest event of the log, by their recording time.',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const status of (await asyncStatuses()) ?? []) {
        if (status.behindSeconds !== undefined) this.set({ projection: status.name }, status.behindSeconds);
      }
    },
  });
  return () => {
    read = projections
      .status()
      .then((statuses) => statuses.filter((status) => status.mode === 'async'))
      .catch((error: unknown) => {
        options.onProjectionStatusError?.(error);
        return undefined;
      });
  };
}

/** Counts every answer when it ends (or is cut off), with its route pattern and duration. */
export function recordRequestMetrics(metrics: ServerMetrics): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    response.once('close', () => {
      const route = routePatternOf(request, response);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.requestAnswered({ method: request.method, route, status: response.statusCode, seconds });
      if (response.getHeader(IDEMPOTENCY_REPLAYED_HEADER) === 'true') metrics.idempotentReplay(route);
    });
    next();
  };
}

export interface MetricsRouteOptions {
  metrics: ServerMetrics;
  mode: 'production' | 'development';
  /** `DUI_METRICS_TOKEN`: when set, a scrape must send `Authorization: Bearer <token>`, in any mode. */
  token: string | undefined;
}

/**
 * `GET /metrics`. In production without a token the endpoint does not exist (404, like any unknown
 * path): nothing could open it, so a 401 or 403 would only tell a scanner that it is there. With
 * a token, a scrape without it or with another gets 401. In development without a token it is open.
 */
export function metricsRoutes(options: MetricsRouteOptions): Router {
  const router = Router();
  const expected = options.token === undefined ? undefined : digest(options.token);
  router.get(METRICS_PATH, async (request: Request, response: Response, next: NextFunction) => {
    if (expected === undefined && options.mode === 'production') {
      next();
      return;
    }
    if (expected !== undefined && !timingSafeEqual(digest(bearerTokenOf(request) ?? ''), expected)) {
      sendProblem(
        response,
        new HttpProblem('unauthenticated', 'Les métriques exigent le jeton de supervision (Authorization: Bearer).', {
          headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' },
        }),
      );
      return;
    }
    try {
      const { contentType, text } = await options.metrics.exposition();
      response.setHeader('Cache-Control', 'no-store');
      response.type(contentType).send(text);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

function bearerTokenOf(request: Request): string | undefined {
  const found = /^Bearer\s+(\S+)\s*$/i.exec(request.get('authorization') ?? '');
  return found?.[1];
}

/** Compared as digests: equal lengths for `timingSafeEqual`, whatever the caller sent. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * The store, counting the events each append wrote. An append that found its events already
 * stored (a retried command) wrote nothing and counts nothing.
 */
export function countingAppends<Transaction>(
  store: EventStore<Transaction>,
  metrics: ServerMetrics,
): EventStore<Transaction> {
  return {
    async appendToStream(
      streamId: string,
      events: readonly EventToAppend[],
      options?: AppendOptions<Transaction>,
    ): Promise<AppendResult> {
      const result = await store.appendToStream(streamId, events, options);
      if (!result.alreadyAppended) metrics.eventsAppended(events);
      return result;
    },
    readStream: (streamId, options) => store.readStream(streamId, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    verifyIntegrity: (options) => store.verifyIntegrity(options),
    close: () => store.close(),
  };
}
