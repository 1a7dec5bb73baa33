import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { duiCommand, NODE_ON_SOURCES, REPOSITORY_ROOT } from '../../cli/testing/dui-program.js';

/** The server's entry point, relative to the repository's root. */
export const SERVER_MAIN = 'packages/http/src/app/main.ts';

/**
 * A program of the project as its own process (the server, `dui projections run`), what it printed
 * kept. It runs in a process group of its own: `pnpm start` runs the server as a child, and both
 * get the signal.
 */
export class ServerProcess {
  output = '';
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;

  constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv) {
    this.#child = spawn(command, args, { cwd: REPOSITORY_ROOT, env: { ...process.env, ...env }, detached: true });
    this.#child.stdout!.on('data', (chunk) => {
      this.output += chunk;
    });
    this.#child.stderr!.on('data', (chunk) => {
      this.output += chunk;
    });
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
  }

  /** The server, `node` on main.ts directly as `pnpm start` runs it (so that `pid` is the server's own). */
  static server(env: NodeJS.ProcessEnv): ServerProcess {
    return new ServerProcess('node', [...NODE_ON_SOURCES, SERVER_MAIN], env);
  }

  /** A `dui` command, for example `['projections', 'run']`. */
  static dui(args: readonly string[], env: NodeJS.ProcessEnv): ServerProcess {
    const [node, ...program] = duiCommand();
    return new ServerProcess(node!, [...program, ...args], env);
  }

  /** The process id, to read its memory in /proc or signal it alone. */
  get pid(): number {
    return this.#child.pid!;
  }

  /** The URL it printed once listening. */
  async url(timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = /écoute sur (http:\/\/\S+)/.exec(this.output);
      if (found) return found[1]!;
      if (this.#child.exitCode !== null) throw new Error(`the server exited before listening:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`the server did not start:\n${this.output}`);
      await sleep(50);
    }
  }

  /** Sends a signal to the whole process group; nothing happens if it is already gone. */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.#child.pid!, signal);
    } catch {
      // already gone
    }
  }

  /** SIGKILL, and waits until it is gone. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}
