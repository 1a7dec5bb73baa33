import { DEFAULT_SCHEMA } from '@dui-pds/eventstore';

/** Every key, channel and stream a deployment uses in Redis. */
export interface RedisNames {
  sessions: string;
  portalSessions: string;
  idempotencyKeys: string;
  rateLimits: string;
  leases: string;
  /** The pub/sub channel that wakes the projection workers. */
  appendedChannel: string;
  /** The reporting streams are `<this><organisationId>`. */
  reportingStreams: string;
}

/**
 * The names of one deployment in Redis, after its schema (`DUI_SCHEMA`): two deployments sharing
 * a Redis (a staging and a production) must not accept each other's sessions, share idempotency
 * keys or rate limits, nor wake each other's workers. The default schema keeps the names earlier
 * versions used, so that upgrading logs nobody out and reporting consumers read the same streams.
 * The server and `dui projections run` must agree on them: both take them from here.
 */
export function redisNames(schema: string): RedisNames {
  const prefix = schema === DEFAULT_SCHEMA ? 'dui:' : `dui:${schema}:`;
  return {
    sessions: `${prefix}session:`,
    portalSessions: `${prefix}portal-session:`,
    idempotencyKeys: `${prefix}idempotency:`,
    rateLimits: `${prefix}rate-limit:`,
    leases: `${prefix}lease:`,
    appendedChannel: `${prefix}appended`,
    reportingStreams: `${prefix}reporting:`,
  };
}
