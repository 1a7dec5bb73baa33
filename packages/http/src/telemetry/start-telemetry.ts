/**
 * OpenTelemetry traces, for an installation that has a collector: started when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, and never
 * otherwise (the SDK is not even loaded). Everything else is the SDK's standard environment: `OTEL_SERVICE_NAME` (`dui-pds` by
 * default), `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, `OTEL_SDK_DISABLED`.
 *
 * The instrumentations patch `node:http`, Express, pg and ioredis when they are first loaded
 * with `require`, so tracing must start before anything loads them: the entry points import it,
 * start it, and only then load the rest with a dynamic `import()` (see `app/main.ts`). pg is
 * required by knex, the CommonJS way the instrumentations hook; Express and ioredis are imported
 * by our ESM modules, which the hook does not see, so `tracing.ts` requires them first: an ESM
 * import of a CommonJS package then gets the same, patched, exports from the CommonJS cache. This
 * works alike under tsx and on the built JavaScript, unlike an ESM loader hook
 * (import-in-the-middle), which would have to be chained with tsx's own.
 */
import type { ProcessRole, Telemetry } from './tracing.js';

export type { ProcessRole, Telemetry };

export function tracesConfigured(env: NodeJS.ProcessEnv): boolean {
  const given = (name: string) => (env[name]?.trim() ?? '') !== '';
  return given('OTEL_EXPORTER_OTLP_ENDPOINT') || given('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
}

/** Starts tracing when a collector is configured; `undefined` when none is. */
export async function startTelemetry(env: NodeJS.ProcessEnv, role: ProcessRole): Promise<Telemetry | undefined> {
  if (!tracesConfigured(env)) return undefined;
  // the SDK takes the better part of a second to load: only where it is used
  const { startTracing } = await import('./tracing.js');
  return startTracing(env, role);
}

/**
 * Flushes the buffered spans when the process is about to end by itself: after a graceful
 * shutdown (SIGTERM) the event loop empties and Node emits `beforeExit`.
 */
export function flushOnExit(telemetry: Telemetry | undefined): void {
  if (telemetry === undefined) return;
  process.once('beforeExit', () => {
    telemetry.shutdown().catch(() => undefined);
  });
}
