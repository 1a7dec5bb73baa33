/**
 * `pnpm start`: the DUI-PDS server. Without DATABASE_URL it runs on the embedded PostgreSQL
 * (PGlite, data in ./.dui-data) with a demo organisme gestionnaire and the development login.
 *
 * Tracing, when a collector is configured (docs/operations.md), patches Express, pg and ioredis as
 * they load: it starts here, before anything imports them, and the server is imported after it.
 */
import { flushOnExit, startTelemetry } from '../telemetry/start-telemetry.js';

flushOnExit(await startTelemetry(process.env, 'server'));
await import('./serve.js');
