import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { modelRows } from '../src/runtime/model-rows.js';
import type { BatchReport } from '../src/runtime/projection-runtime.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export interface WorkerBatch extends BatchReport {
  worker: string;
}

/** A worker process (`worker-process.ts`) and what it printed. */
export class WorkerProcess {
  readonly batches: WorkerBatch[] = [];
  #ready = false;
  readonly #child: ChildProcess;
  readonly exited: Promise<void>;
  stderr = '';

  constructor(
    readonly id: string,
    env: Record<string, string>,
  ) {
    this.#child = spawn(process.execPath, ['--conditions=dui-source', '--import', 'tsx', WORKER_SCRIPT], {
      env: { ...process.env, ...env, WORKER_ID: id },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stderr!.on('data', (chunk) => {
      this.stderr += chunk;
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line);
      if (message.kind === 'ready') this.#ready = true;
      if (message.kind === 'batch') this.batches.push(message);
    });
  }

  async ready(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      () => this.#ready,
      timeoutMs,
      () => `worker ${this.id} did not start: ${this.stderr}`,
    );
  }

  applied(): WorkerBatch[] {
    return this.batches.filter((batch) => batch.outcome === 'applied');
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.#child.kill(signal);
    await this.exited;
  }
}

export async function waitFor(condition: () => boolean, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message());
    await sleep(10);
  }
}

/**
 * The events the counting projection has counted, once it has counted at least `expected` or the
 * time is up. Not `behindEvents === 0`: that counts the visible log only, and while any older
 * transaction of the cluster runs (another test, beside this one under `--parallel`) the last
 * appends are not visible yet (ADR 0003), so a worker can be "caught up" and still short of them.
 */
export async function countedEvents(
  knex: Knex,
  readSchema: string,
  expected: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await modelRows(knex, readSchema, 'stream_counts');
    const counted = rows.reduce((sum, row) => sum + Number(row.events), 0);
    if (counted >= expected || Date.now() > deadline) return counted;
    await sleep(100);
  }
}

/** Pairs of batches of different workers whose work (from read to commit) overlapped in time. */
export function overlappingWork(batches: readonly WorkerBatch[]): [WorkerBatch, WorkerBatch][] {
  const sorted = [...batches].sort((a, b) => a.startedAt - b.startedAt);
  const overlaps: [WorkerBatch, WorkerBatch][] = [];
  for (const [index, batch] of sorted.entries()) {
    for (const later of sorted.slice(index + 1)) {
      if (later.startedAt >= batch.finishedAt) break;
      if (later.worker !== batch.worker) overlaps.push([batch, later]);
    }
  }
  return overlaps;
}
