import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from '@dui-pds/segur-adapters';

const run = promisify(execFile);

/** Debian's PostgreSQL binaries, newest version first. */
function postgresBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL under ${root}`);
  return join(root, versions[0]!, 'bin');
}

/**
 * A PostgreSQL cluster of a test's own, in a temporary directory and on a free port, that the test
 * may stop and start at will without touching the shared server. initdb refuses to run as root:
 * as root, the cluster runs as the `postgres` user.
 */
export class PrivatePostgres {
  private constructor(
    private readonly directory: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivatePostgres> {
    const directory = await mkdtemp(join(tmpdir(), 'dui-faults-pg-'));
    const cluster = new PrivatePostgres(directory, await freeLoopbackPort());
    if (asRoot()) await chown(directory, ...(await postgresIds()));
    await cluster.#as(['initdb', '-D', cluster.#data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    await cluster.start();
    return cluster;
  }

  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts the cluster and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.directory}`,
      '-c fsync=off',
      '-c max_connections=60',
    ].join(' ');
    await this.#as([
      'pg_ctl',
      '-D',
      this.#data,
      '-l',
      join(this.directory, 'server.log'),
      '-o',
      options,
      '-w',
      'start',
    ]);
  }

  /** `fast` disconnects every session (57P01 admin_shutdown) and shuts down; `immediate` is a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.#as(['pg_ctl', '-D', this.#data, '-m', mode, '-w', 'stop']);
  }

  /** Stops the cluster if it runs and deletes its files. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    await rm(this.directory, { recursive: true, force: true });
  }

  get #data(): string {
    return join(this.directory, 'data');
  }

  async #as([program, ...args]: string[]): Promise<void> {
    const binary = join(postgresBinaries(), program!);
    if (asRoot()) await run('runuser', ['-u', 'postgres', '--', binary, ...args]);
    else await run(binary, args);
  }
}

function asRoot(): boolean {
  return process.getuid?.() === 0;
}

async function postgresIds(): Promise<[number, number]> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return [Number(uid.trim()), Number(gid.trim())];
}
