import { execFile } from 'node:child_process';
import { type OpenedEventStore, openEventStore } from '@dui-pds/eventstore';
import { TEST_DATABASE_URL, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import { duiCommand, REPOSITORY_ROOT } from './dui-program.js';

export { DUI_MAIN, duiCommand, REPOSITORY_ROOT } from './dui-program.js';

export interface DuiRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns a real `dui` process, as an operator would run it; resolves whatever its exit code. */
export function spawnDui(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  command: readonly string[] = duiCommand(),
): Promise<DuiRun> {
  return new Promise((resolve, reject) => {
    execFile(
      command[0]!,
      [...command.slice(1), ...args],
      { cwd: REPOSITORY_ROOT, env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * An event store schema of its own on the test server, the environment that points `dui` at it,
 * and a way to drop it with every projection schema named after it.
 */
export class CliDatabase {
  readonly schema = uniqueSchema('cli');
  readonly env: NodeJS.ProcessEnv = {
    DATABASE_URL: TEST_DATABASE_URL,
    DUI_SCHEMA: this.schema,
    DUI_MASTER_KEY: '',
    REDIS_URL: '',
  };

  run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<DuiRun> {
    return spawnDui(args, { ...this.env, ...env });
  }

  /** The same store, opened by the library, to write events or compare with. */
  open(): Promise<OpenedEventStore> {
    return openEventStore({ databaseUrl: TEST_DATABASE_URL, schema: this.schema });
  }

  /** Opens the store, does `work` with it, and closes it whatever happens. */
  async withStore<T>(work: (opened: OpenedEventStore) => Promise<T>): Promise<T> {
    const opened = await this.open();
    try {
      return await work(opened);
    } finally {
      await opened.close();
    }
  }

  /** The event store's schema and every schema named after it (projections, builds, replays). */
  async schemas(): Promise<string[]> {
    const knex = testPostgres(1);
    try {
      const { rows } = await knex.raw<{ rows: { nspname: string }[] }>(
        'select nspname from pg_namespace where left(nspname, length(?)) = ? order by nspname',
        [this.schema, this.schema],
      );
      return rows.map((row) => row.nspname);
    } finally {
      await knex.destroy();
    }
  }

  async drop(): Promise<void> {
    const knex = testPostgres(1);
    try {
      for (const schema of await this.schemas()) await knex.raw(`drop schema if exists ${schema} cascade`);
    } finally {
      await knex.destroy();
    }
  }
}
