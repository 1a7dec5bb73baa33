/**
 * The HTTP shell's infrastructure: configuration, problem details, declared routes with zod
 * validation, OpenAPI and its reference page, revisions (ETag / If-Match), idempotency keys,
 * rate limits, logs, probes, the app and its graceful server. No domain feature lives here.
 */

export { apiDocsRoutes } from './api-docs.js';
export { API_REFERENCE_STYLESHEET_PATH, renderApiReference } from './api-reference-page.js';
export {
  ConfigurationError,
  type DmpConfig,
  type FacilityIdentity,
  type InsiConfig,
  loadServerConfig,
  type MssanteConfig,
  type OidcConfig,
  type OrganisationOidcConfig,
  type ServerConfig,
} from './config.js';
export { type AppConfig, type CreateAppOptions, createApp } from './create-app.js';
export { isDraining, startDraining } from './draining.js';
export { errorHandler, notFoundHandler, problemFor } from './error-handler.js';
export { FallbackIdempotencyStore, type FallbackIdempotencyStoreOptions } from './fallback-idempotency-store.js';
export { FallbackRateLimitStore } from './fallback-rate-limit-store.js';
export { databaseCheck, type HealthOptions, healthRoutes, type ReadinessCheck, redisCheck } from './health.js';
export { type RunningHttpServer, type StartHttpServerOptions, startHttpServer } from './http-server.js';
export {
  callerScope,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_REPLAYED_HEADER,
  type IdempotencyOptions,
  idempotencyKeyOf,
  idempotentCommand,
  isReplayable,
  requestFingerprint,
  scopedKey,
} from './idempotency.js';
export {
  IDEMPOTENCY_KEY_TTL_MS,
  IDEMPOTENCY_LOCK_TTL_MS,
  type IdempotencyClaim,
  type IdempotencyKeeper,
  type IdempotencyStore,
  type KeptAnswer,
  type SealedResponse,
  type StoredResponse,
} from './idempotency-store.js';
export { InMemoryIdempotencyStore } from './in-memory-idempotency-store.js';
export {
  CORRELATION_ID_HEADER,
  type CreateLoggerOptions,
  correlationId,
  correlationIdOf,
  createLogger,
  loggerOf,
  type RequestLoggingOptions,
  requestLogging,
  routePatternOf,
  safeError,
} from './logging.js';
export {
  countingAppends,
  METRICS_PATH,
  type MetricsRouteOptions,
  metricsRoutes,
  type ProjectionLag,
  recordRequestMetrics,
  ServerMetrics,
  type ServerMetricsOptions,
} from './metrics.js';
export {
  buildOpenApiDocument,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiOperation,
  type OpenApiOptions,
  type OpenApiResponse,
  openApiPath,
  operationIdOf,
  problemSchemaName,
} from './openapi.js';
export {
  createIdempotencyKeysTable,
  idempotencyStoreMigrations,
  migrateIdempotencyStore,
  PostgresIdempotencyStore,
  type PostgresIdempotencyStoreOptions,
} from './postgres-idempotency-store.js';
export {
  type FieldError,
  HttpProblem,
  type HttpProblemOptions,
  PROBLEM_BASE_URI,
  PROBLEM_KINDS,
  PROBLEM_MEDIA_TYPE,
  type ProblemDocument,
  type ProblemKind,
  problemStatus,
  problemTitle,
  problemType,
  sendProblem,
  validationProblem,
} from './problem-details.js';
export { clientKey, type RateLimitOptions, rateLimiter, redisRateLimitStore } from './rate-limit.js';
export { RedisIdempotencyStore, type RedisIdempotencyStoreOptions } from './redis-idempotency-store.js';
export { type PrincipalIds, principalOf, type RequestContext, rawPrincipalOf } from './request-context.js';
export {
  expectedRevisionOf,
  opaqueEtag,
  requireExpectedRevision,
  revisionEtag,
  setRevision,
} from './revisions.js';
export {
  type CommandDefinition,
  type CommandInput,
  defineCommand,
  defineQuery,
  type MountOptions,
  mountRoutes,
  pathParameters,
  type QueryDefinition,
  type QueryInput,
  type RouteDefinition,
  type RouteResult,
} from './routes.js';
export { IdempotentAnswerUnreadableError, SealedIdempotencyStore } from './sealed-idempotency-store.js';
export {
  fieldErrors,
  objectKeys,
  parseRequestPart,
  type RequestPart,
  requestValidationProblem,
  strictly,
} from './validation.js';
