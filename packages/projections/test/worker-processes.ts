import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
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
