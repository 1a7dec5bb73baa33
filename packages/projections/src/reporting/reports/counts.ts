import type { CountsByCode } from './report-types.js';

/** What a code reads as when the fact that would give it is missing (no profile, no birth year). */
export const UNKNOWN = 'unknown';

/**
 * Counts as reports give them: every code of the vocabulary present (zero when none), so that a
 * CSV has the same lines from one year to the next, then any other code seen, all sorted.
 */
export function countsByCode(
  seen: Readonly<Record<string, number | string>> | null | undefined,
  vocabulary: readonly string[] = [],
): CountsByCode {
  const counts: Record<string, number> = {};
  for (const code of vocabulary) counts[code] = 0;
  for (const [code, count] of Object.entries(seen ?? {})) counts[code] = (counts[code] ?? 0) + Number(count);
  return Object.fromEntries(
    Object.keys(counts)
      .sort()
      .map((code) => [code, counts[code] ?? 0]),
  );
}
