import { DuplicateEventIdError } from './errors.js';

/**
 * Where an earlier append with the same ids sits in a stream, so that a retried command is
 * answered with what the first attempt wrote instead of writing twice.
 *
 * `storedIds` are the ids of the stream's events from revision `firstRevision` on (the whole
 * stream, or only its tail when reading all of it is too costly). Returns `undefined` when none
 * of the ids is stored; the revision of the last event of the earlier append when all of them
 * are stored, consecutively and in the same order; throws `DuplicateEventIdError` otherwise
 * (the caller reused some ids in a different append).
 */
export function findPriorAppend(
  storedIds: readonly string[],
  appendIds: readonly string[],
  firstRevision = 0,
): number | undefined {
  const start = storedIds.indexOf(appendIds[0] ?? '');
  if (start === -1) {
    const reused = appendIds.find((id) => storedIds.includes(id));
    if (reused !== undefined) throw new DuplicateEventIdError(reused);
    return undefined;
  }
  for (const [offset, id] of appendIds.entries()) {
    // The first id is stored but the rest do not follow it: not the same append.
    if (storedIds[start + offset] !== id) throw new DuplicateEventIdError(appendIds[0] ?? id);
  }
  return firstRevision + start + appendIds.length - 1;
}
