import { createHash, type Hash } from 'node:crypto';
import type { IntegrityViolation, LogPrefix, StreamEnd } from './integrity-report.js';

/**
 * The global log's running hash (DESIGN.md, Event store; ADR 0004). The stream chains say nothing
 * of where an event stands among the other streams' events, and nothing of a stream that was not
 * there: an anchor that keeps only stream ends misses an event moved against another stream's, or
 * a whole stream slipped into the past. The log's first events, hashed in the log's order, cover
 * both. It is computed when the log is walked (anchoring, verifying), never on append, where it
 * would serialise every append of every tenant.
 *
 *   log hash(n) = SHA-256( hash of the log's event 1 ‖ … ‖ hash of the log's event n )
 *
 * One digest over the events' hashes, each 32 bytes, rather than a digest per event: only the
 * hash at the anchor's end is ever compared, and it is as binding.
 */

/** An event as the global log lists it: what the running hash and its check need. */
export interface LogEntry {
  id: string;
  streamId: string;
  streamRevision: number;
  globalPosition: bigint;
  hash: string;
}

/** The log hash of an empty log: SHA-256 of nothing. */
export const EMPTY_LOG_HASH = createHash('sha256').digest('hex');

/** Hashes the log's events one after the other, in the log's order. */
export function logHasher(): { add(eventHash: string): void; hash(): string } {
  const digest: Hash = createHash('sha256');
  return {
    add: (eventHash) => digest.update(Buffer.from(eventHash, 'hex')),
    hash: () => digest.digest('hex'),
  };
}

/**
 * The whole log as it stands, and where each stream ends in it: what an anchor keeps. The stream
 * ends are taken from the same walk, so that an anchor's streams hold exactly its prefix's events.
 */
export async function walkLogPrefix(log: AsyncIterable<LogEntry>): Promise<{ prefix: LogPrefix; ends: StreamEnd[] }> {
  const ends = new Map<string, StreamEnd>();
  const hasher = logHasher();
  let events = 0;
  for await (const { streamId, streamRevision, hash } of log) {
    ends.set(streamId, { streamId, revision: streamRevision, hash });
    hasher.add(hash);
    events += 1;
  }
  return { prefix: { events, hash: hasher.hash() }, ends: [...ends.values()] };
}

/**
 * Checks that the log still begins with the events an anchor saw, in the order it saw them. The
 * chains and the anchor's stream ends already show an event altered, removed or rewritten; what
 * only the log shows is an event that now comes before some the anchor saw though the anchor did
 * not see it (`inserted`, at that event: slipped into the log's past, or they were moved after
 * it), an event the anchor saw that is no longer in the log's order, and events of different
 * streams moved against one another (`reordered`). The last is located at the end of what the
 * anchor saw: the anchor keeps the order's hash, not the order.
 */
export async function checkLogPrefix(
  log: AsyncIterable<LogEntry>,
  anchored: LogPrefix,
  anchoredStreams: readonly StreamEnd[],
): Promise<IntegrityViolation | undefined> {
  const anchoredRevision = new Map(anchoredStreams.map((end) => [end.streamId, end.revision]));
  const metInPrefix = new Map<string, number>();
  const hasher = logHasher();
  let walked = 0;
  let last: LogEntry | undefined;
  for await (const entry of log) {
    if (walked === anchored.events) break;
    const revisionSeen = anchoredRevision.get(entry.streamId);
    if (revisionSeen === undefined || entry.streamRevision > revisionSeen) {
      return violationAt(
        entry,
        'inserted',
        'this event comes in the global log before events the anchor saw, and the anchor did not see it: ' +
          'it was slipped into the past of the log, or they were moved after it',
      );
    }
    metInPrefix.set(entry.streamId, (metInPrefix.get(entry.streamId) ?? 0) + 1);
    hasher.add(entry.hash);
    walked += 1;
    last = entry;
  }
  if (walked < anchored.events) {
    const missing = anchoredStreams.find((end) => (metInPrefix.get(end.streamId) ?? 0) <= end.revision);
    return {
      streamId: missing?.streamId ?? last?.streamId ?? '',
      problem: 'reordered',
      ...(missing && { streamRevision: metInPrefix.get(missing.streamId) ?? 0 }),
      detail:
        `the anchor saw ${anchored.events} events in the global log, ${walked} are left in it: ` +
        'this one was taken out of the log, or removed',
    };
  }
  if (hasher.hash() !== anchored.hash && last) {
    return violationAt(
      last,
      'reordered',
      `the first ${anchored.events} events of the global log are those the anchor saw, no longer in its order: ` +
        'events of different streams were moved against one another at or before this one',
    );
  }
  return undefined;
}

function violationAt(entry: LogEntry, problem: IntegrityViolation['problem'], detail: string): IntegrityViolation {
  return {
    streamId: entry.streamId,
    problem,
    eventId: entry.id,
    streamRevision: entry.streamRevision,
    globalPosition: entry.globalPosition,
    detail,
  };
}
