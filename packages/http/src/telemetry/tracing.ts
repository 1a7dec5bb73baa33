import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RedactingSpanExporter } from './span-redaction.js';

export interface Telemetry {
  /** Sends the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

export type ProcessRole = 'server' | 'projections-worker';

/** Paths whose requests make no span: probes and scrapes come every few seconds and say nothing. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

/** The SDK, its exporter and the instrumentations, started. */
export function startTracing(env: NodeJS.ProcessEnv, role: ProcessRole): Telemetry {
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'dui-pds',
    spanProcessors: [new BatchSpanProcessor(new RedactingSpanExporter(new OTLPTraceExporter()))],
    // traces only: no OTLP logs (pino writes ours) nor OTLP metrics (Prometheus scrapes /metrics)
    logRecordProcessors: [],
    metricReaders: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has(pathOf(request)),
      }),
      new ExpressInstrumentation(),
      new PgInstrumentation({
        // the SQL text with its placeholders, never the values bound to them
        enhancedDatabaseReporting: false,
        // the server's queries are traced within its requests; its projection workers poll the log
        // every second, and would fill the traces with spans of their own. A worker traces them all.
        requireParentSpan: role === 'server',
        ignoreConnectSpans: true,
      }),
      // the command's name only: its arguments are keys that hold session tokens
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command, requireParentSpan: true }),
    ],
  });
  sdk.start();
  // required once, so that our ESM imports get them patched (see start-telemetry.ts)
  const require = createRequire(import.meta.url);
  for (const name of ['express', 'ioredis']) require(name);
  return { shutdown: () => sdk.shutdown() };
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
