import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HabilitationCommand } from '@dui-pds/domain';
import { connectPostgres } from '@dui-pds/eventstore';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { redisNames } from '../packages/http/src/app/redis-names.js';
import { ServerProcess } from '../packages/http/src/app/testing/server-process.js';
import { ServerUnderTest } from '../packages/http/src/app/testing/server-under-test.js';
import { openSession, RedisSessionStore } from '../packages/http/src/auth/index.js';
import { type CareUnit, careTeamGrants, prepareCareUnit, type Staff, send, usagerIds } from './http-care-unit.js';

/** A server process with an ESSMS ready for the load; `stop` ends it and removes its data. */
export interface BenchServer {
  process: ServerProcess;
  unit: CareUnit;
  stop(): Promise<void>;
}

export interface PostgresBenchServer extends BenchServer {
  /** The event store's schema, for the baseline's table beside it. */
  schema: string;
  knex: Knex;
}

/**
 * The server as it is deployed: the compiled JavaScript (`pnpm bench` builds first), not the
 * TypeScript sources through tsx, whose transform caches would add some 80 MB to the memory figure.
 */
const COMPILED_SERVER = 'packages/http/dist/app/main.js';
/** The server's heap limit, as `pnpm start` and docs/operations.md (Processes to run) set it. */
const SERVER_HEAP_LIMIT = '--max-old-space-size=512';

function compiledServer(env: NodeJS.ProcessEnv, nodeOptions: readonly string[] = []): ServerProcess {
  // `node` itself, so that its pid is the server's; with the heap limit operations.md runs it with
  return new ServerProcess('node', [SERVER_HEAP_LIMIT, ...nodeOptions, COMPILED_SERVER], env);
}

const ORGANISATION = 'og-bench';
const CSAPA = '750000001';
const PROFESSIONALS = { nurse: 'pro-nurse', doctor: 'pro-doctor', secretary: 'pro-secretary' } as const;

/** The embedded default's demo organisation, and who of its staff sends the load. */
const DEMO_ORGANISATION = 'og-demo';
const DEMO_CSAPA = '750000001';
const DEMO_STAFF = { nurse: 'demo-infirmier', doctor: 'demo-medecin', secretary: 'demo-secretaire' } as const;
const DEMO_ADMINISTRATOR = 'demo-admin';

/** What the server does besides answering, turned off: logs, rate limit, background jobs. */
const QUIET = {
  PORT: '0',
  NODE_ENV: 'development',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_MINUTE: '100000000',
  DUI_RETENTION_JOB_HOURS: '0',
  DUI_MSSANTE_POLL_MINUTES: '0',
};

/**
 * The server for real: PostgreSQL in a schema of its own, Redis for sessions and idempotency,
 * personal data encrypted under a master key. The first grants come from the system (an in-process
 * server on the same schema writes them, then stops); sessions are opened in Redis as a Pro Santé
 * Connect login leaves them. `cpuProfileDirectory`: the server writes its CPU profile there when
 * it stops.
 */
export async function serverOnPostgres(
  databaseUrl: string,
  redisUrl: string,
  options: { usagers: number; cpuProfileDirectory?: string | undefined },
): Promise<PostgresBenchServer> {
  const schema = `bench_http_${Date.now()}`;
  const masterKey = randomBytes(32).toString('base64');
  const blobDirectory = await mkdtemp(join(tmpdir(), 'dui-bench-blobs-'));
  const knex = connectPostgres(databaseUrl, { poolSize: 2 });
  let server: ServerProcess | undefined;
  const stop = async () => {
    if (server) await stopProcess(server);
    // the store's schema and every projection's read schema named after it
    const { rows } = await knex.raw<{ rows: { nspname: string }[] }>(
      'select nspname from pg_namespace where starts_with(nspname, ?)',
      [schema],
    );
    for (const { nspname } of rows) await knex.raw(`drop schema if exists "${nspname}" cascade`);
    await knex.destroy();
    await rm(blobDirectory, { recursive: true, force: true });
  };
  try {
    const usagers = usagerIds(options.usagers);
    await grantAsSystem(databaseUrl, { schema, masterKey, blobDirectory }, [
      { type: 'GrantRole', professionalId: PROFESSIONALS.nurse, facilityId: CSAPA, role: 'nurse' },
      { type: 'GrantRole', professionalId: PROFESSIONALS.doctor, facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: PROFESSIONALS.secretary, facilityId: CSAPA, role: 'secretary' },
      ...careTeamGrants(CSAPA, PROFESSIONALS, usagers),
    ]);
    const staff = await sessionsInRedis(redisUrl, schema, PROFESSIONALS);
    const env = {
      DATABASE_URL: databaseUrl,
      DUI_SCHEMA: schema,
      DUI_MASTER_KEY: masterKey,
      REDIS_URL: redisUrl,
      DUI_BLOB_DIR: blobDirectory,
      ...QUIET,
    };
    const profiling = options.cpuProfileDirectory;
    server = compiledServer(env, profiling ? ['--cpu-prof', `--cpu-prof-dir=${profiling}`] : []);
    const url = await server.url();
    const unit = await prepareCareUnit(url, { organisationId: ORGANISATION, facilityId: CSAPA }, staff, usagers);
    return { process: server, unit, schema, knex, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The embedded default, as `pnpm start` runs it on a first start: PGlite in a fresh data folder,
 * the demo organisation, the development login. Its administrator puts the demo nurse and doctor
 * in the bench usagers' care teams over HTTP.
 */
export async function serverOnPglite(options: { usagers: number }): Promise<BenchServer> {
  const dataDirectory = await mkdtemp(join(tmpdir(), 'dui-bench-pglite-'));
  const server = compiledServer({
    DATABASE_URL: '',
    REDIS_URL: '',
    DUI_MASTER_KEY: '',
    DUI_DATA_DIR: dataDirectory,
    ...QUIET,
  });
  const stop = async () => {
    await stopProcess(server);
    await rm(dataDirectory, { recursive: true, force: true });
  };
  try {
    const url = await server.url();
    const administrator = await devLogin(url, DEMO_ADMINISTRATOR);
    const usagers = usagerIds(options.usagers);
    for (const { type: _, ...grant } of careTeamGrants(DEMO_CSAPA, DEMO_STAFF, usagers)) {
      await send(
        url,
        administrator,
        'POST',
        `/organisations/${DEMO_ORGANISATION}/habilitations/care-team-additions`,
        grant,
      );
    }
    const staff: Staff = {
      nurse: await devLogin(url, DEMO_STAFF.nurse),
      doctor: await devLogin(url, DEMO_STAFF.doctor),
      secretary: await devLogin(url, DEMO_STAFF.secretary),
    };
    const where = { organisationId: DEMO_ORGANISATION, facilityId: DEMO_CSAPA };
    const unit = await prepareCareUnit(url, where, staff, usagers);
    return { process: server, unit, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The process' peak resident set (VmHWM), in MB: the most memory it ever held at once. */
export async function peakResidentMb(server: ServerProcess): Promise<number> {
  const status = await readFile(`/proc/${server.pid}/status`, 'utf8');
  const found = /^VmHWM:\s+(\d+) kB/m.exec(status);
  if (!found) throw new Error(`no VmHWM in /proc/${server.pid}/status`);
  return Math.round(Number(found[1]) / 1024);
}

async function grantAsSystem(
  databaseUrl: string,
  data: { schema: string; masterKey: string; blobDirectory: string },
  grants: HabilitationCommand[],
): Promise<void> {
  const seeding = await ServerUnderTest.start(
    { DATABASE_URL: databaseUrl, DUI_BLOB_DIR: data.blobDirectory },
    { schema: data.schema, masterKey: data.masterKey },
  );
  try {
    await seeding.asSystem(ORGANISATION, ...grants);
  } finally {
    await seeding.close({ keepData: true });
  }
}

/** Sessions opened where the server looks first: its Redis cache, under its schema's names. */
async function sessionsInRedis(
  redisUrl: string,
  schema: string,
  professionals: Record<keyof Staff, string>,
): Promise<Staff> {
  const redis = new Redis(redisUrl);
  try {
    const store = new RedisSessionStore(redis, { keyPrefix: redisNames(schema).sessions });
    const open = async (professionalId: string) =>
      (await openSession(store, { professionalId, displayName: professionalId, provider: 'bench' })).token;
    return {
      nurse: await open(professionals.nurse),
      doctor: await open(professionals.doctor),
      secretary: await open(professionals.secretary),
    };
  } finally {
    redis.disconnect();
  }
}

/** The development login of the embedded default: its session cookie's token, sent as a bearer token. */
async function devLogin(url: string, professionalId: string): Promise<string> {
  const response = await fetch(`${url}/auth/dev/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ professionalId }).toString(),
    redirect: 'manual',
  });
  const token = response.headers
    .getSetCookie()
    .map((cookie) => /^dui_session=([^;]+)/.exec(cookie)?.[1])
    .find((value) => value !== undefined);
  if (response.status !== 303 || token === undefined) {
    throw new Error(`development login of ${professionalId}: ${response.status} ${await response.text()}`);
  }
  return token;
}

/** SIGTERM, so that a CPU profile gets written; SIGKILL if it is not gone within 15 s. */
async function stopProcess(server: ServerProcess): Promise<void> {
  server.signal('SIGTERM');
  const gone = await Promise.race([server.exited.then(() => true), sleep(15_000, false)]);
  if (!gone) await server.kill();
}
