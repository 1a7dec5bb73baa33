import express, { type Express, Router } from 'express';
import type { Store } from 'express-rate-limit';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { apiDocsRoutes } from './api-docs.js';
import type { ServerConfig } from './config.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import type { IdempotencyOptions } from './idempotency.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { jsonBody, refuseNulCharacters } from './json-body.js';
import { correlationId, requestLogging } from './logging.js';
import { METRICS_PATH, metricsRoutes, recordRequestMetrics, ServerMetrics } from './metrics.js';
import { buildOpenApiDocument, type OpenApiOptions } from './openapi.js';
import { rateLimiter } from './rate-limit.js';
import { mountRoutes, type RouteDefinition } from './routes.js';

/** The settings the app itself reads; the rest of the configuration is for whoever composes it. */
export type AppConfig = Pick<ServerConfig, 'mode' | 'rateLimitPerMinute' | 'trustProxy'> &
  Partial<Pick<ServerConfig, 'metricsToken'>>;

export interface CreateAppOptions {
  config: AppConfig;
  logger: Logger;
  routes: readonly RouteDefinition[];
  readinessChecks?: readonly ReadinessCheck[];
  /** A readiness check slower than this fails; 2 seconds by default. */
  readinessTimeoutMs?: number;
  idempotencyStore: IdempotencyStore;
  /** Absent: rate limits are counted in this process (give `redisRateLimitStore(redis)` with Redis). */
  rateLimitStore?: Store;
  /**
   * Mounted after the body parser and before the rate limit and the routes: authentication sets
   * `res.locals.principal` here, which then scopes rate limits and idempotency keys.
   */
  beforeRoutes?: (app: Express) => void;
  openApi?: OpenApiOptions;
  idempotency?: Omit<IdempotencyOptions, 'logger'>;
  /** 1 MB by default. */
  bodyLimit?: string | number;
  /** The series `/metrics` serves; absent, the HTTP and process series only. */
  metrics?: ServerMetrics;
}

const PROBE_PATHS = ['/health', '/ready', METRICS_PATH];

/**
 * The HTTP shell, composed in the order each layer needs: headers and correlation id first (so
 * that every answer, even an error, has them), then metrics and logs, probes and `/metrics`
 * (neither rate limited nor authenticated by a session), the JSON body, authentication, the rate limit, the API and its documentation,
 * and last the 404 and the error handler that turns everything into problem documents.
 */
export function createApp(options: CreateAppOptions): Express {
  const { config, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  // Entity tags are revisions, set by the routes; Express's weak body hashes would only confuse If-Match.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders(config.mode));
  app.use(correlationId());
  const metrics = options.metrics ?? new ServerMetrics();
  app.use(recordRequestMetrics(metrics));
  app.use(requestLogging(logger, { ignorePaths: PROBE_PATHS }));
  app.use(healthRoutes({ checks: options.readinessChecks ?? [], timeoutMs: options.readinessTimeoutMs, logger }));
  app.use(metricsRoutes({ metrics, mode: config.mode, token: config.metricsToken }));
  // a command declaring a larger body reads it first; the parser below then finds it read
  for (const route of options.routes) {
    if (route.kind === 'command' && route.bodyLimit !== undefined) {
      app.post(route.path, jsonBody(route.bodyLimit));
    }
  }
  app.use(jsonBody(options.bodyLimit ?? '1mb'));
  app.use(refuseNulCharacters);
  options.beforeRoutes?.(app);
  app.use(rateLimiter({ perMinute: config.rateLimitPerMinute, store: options.rateLimitStore, logger }));
  const api = Router();
  mountRoutes(api, options.routes, {
    idempotencyStore: options.idempotencyStore,
    logger,
    idempotency: options.idempotency,
  });
  app.use(api);
  app.use(apiDocsRoutes(buildOpenApiDocument(options.routes, options.openApi)));
  app.use(notFoundHandler());
  app.use(errorHandler(logger));
  return app;
}

/**
 * Helmet's headers with a policy for an API and its one HTML page: nothing loads but the app's
 * own stylesheet, images and scripts; no frame, no plugin. HTTPS is forced in production only,
 * where the shell runs behind TLS.
 */
function securityHeaders(mode: AppConfig['mode']) {
  const production = mode === 'production';
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        ...(production ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
  });
}
