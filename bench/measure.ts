/** The shape every benchmark figure takes, printed as one JSON line and kept in bench/results.json. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** How the figure was obtained: rounds, sizes, what it is compared with. */
  detail?: Record<string, unknown>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * What is measured ÷ its baseline, to three decimals: rounded to two, 0.795 would print as 0.8
 * and pass a target of 0.8 that it misses.
 */
export function ratio(measured: number, baseline: number): number {
  return Math.round((measured / baseline) * 1000) / 1000;
}

/**
 * The median of the rounds' own ratios, each round measured against the baseline round run just
 * before it. The machines this runs on change speed during a run (ADR 0007): a pair shares its
 * conditions, while the ratio of the two medians can set one period's baseline against another's
 * measure. Both are given, the second as `ratioOfMedians`.
 */
export function pairedRatio(
  measured: readonly number[],
  baselines: readonly number[],
): { value: number; perRound: number[]; ratioOfMedians: number } {
  if (measured.length !== baselines.length) throw new Error('every measured round needs its baseline round');
  const perRound = measured.map((value, round) => ratio(value, baselines[round]!));
  return { value: median(perRound), perRound, ratioOfMedians: ratio(median(measured), median(baselines)) };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/**
 * Runs `workers` concurrent loops for `durationMs`; each loop calls `operation` and counts what it
 * returns in its own counter (a shared `n += await f()` would drop the other workers' counts).
 * Returns operations per second, from the sum of the per-worker counters.
 */
export async function throughput(
  workers: number,
  durationMs: number,
  operation: (worker: number, iteration: number) => Promise<number>,
): Promise<{ perSecond: number; total: number; elapsedMs: number }> {
  const counts = new Array<number>(workers).fill(0);
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    counts.map(async (_, worker) => {
      let iteration = 0;
      while (performance.now() < deadline) {
        const done = await operation(worker, iteration++);
        counts[worker] = (counts[worker] ?? 0) + done;
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const total = counts.reduce((sum, count) => sum + count, 0);
  return { perSecond: (total / elapsedMs) * 1000, total, elapsedMs };
}

export function report(result: BenchResult, into: BenchResult[]): void {
  into.push(result);
  console.log(JSON.stringify(result));
}
