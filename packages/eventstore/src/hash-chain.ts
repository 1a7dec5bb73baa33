import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type {
  IntegrityProblem,
  IntegrityReport,
  IntegrityViolation,
  LogPrefix,
  StreamEnd,
} from './integrity-report.js';
import { checkLogPrefix, type LogEntry, walkLogPrefix } from './log-prefix.js';

/**
 * Tamper evidence (DESIGN.md, Event store). Each event stores the hash of its predecessor in its
 * stream and its own hash, which chains that predecessor, its revision and the canonical form
 * (RFC 8785) of the event as stored: ids, type, version, data as stored (ciphertext for a
 * usager's data, so crypto-shredding leaves the chain intact) and metadata with `recordedAt`.
 *
 *   hash(n) = SHA-256( hash(n-1) ‖ revision(n) as 4-byte big-endian ‖ SHA-256(canonical(event n)) )
 *
 * The PostgreSQL adapter computes the outer SHA-256 in SQL (so that an append stays one round
 * trip); the formula above is the contract both sides follow.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** The parts of a stored event its hash covers. */
export interface HashedContent {
  id: string;
  streamId: string;
  type: string;
  version: number;
  /** The data exactly as stored (encrypted or not). */
  data: unknown;
  metadata: Record<string, unknown>;
}

/** RFC 8785 canonical JSON; `undefined` for what JSON cannot hold; throws on lone surrogates, NaN, cycles. */
export function canonicalJson(value: unknown): string | undefined {
  return canonicalize(value);
}

export function contentHash(event: HashedContent): Buffer {
  const canonical = canonicalize({
    id: event.id,
    streamId: event.streamId,
    type: event.type,
    version: event.version,
    data: event.data,
    metadata: event.metadata,
  });
  if (canonical === undefined) throw new TypeError('event content cannot be put in canonical form');
  return createHash('sha256').update(canonical, 'utf8').digest();
}

/**
 * The same hash as `contentHash`, from data and metadata already in canonical JSON: the canonical
 * form of an object is its members sorted by key, each canonical, so the event's form can be
 * assembled from its parts without serialising them again. Keys in RFC 8785 order:
 * data < id < metadata < streamId < type < version.
 */
export function contentHashOfCanonical(event: {
  id: string;
  streamId: string;
  type: string;
  version: number;
  dataJson: string;
  metadataJson: string;
}): Buffer {
  const canonical =
    `{"data":${event.dataJson},"id":${canonicalJson(event.id)},"metadata":${event.metadataJson},` +
    `"streamId":${canonicalJson(event.streamId)},"type":${canonicalJson(event.type)},"version":${canonicalJson(event.version)}}`;
  return createHash('sha256').update(canonical, 'utf8').digest();
}

export function chainHash(previousHash: string, revision: number, content: Buffer): string {
  const revisionBytes = Buffer.alloc(4);
  revisionBytes.writeInt32BE(revision);
  return createHash('sha256')
    .update(Buffer.from(previousHash, 'hex'))
    .update(revisionBytes)
    .update(content)
    .digest('hex');
}

export function hashEvent(previousHash: string, revision: number, event: HashedContent): string {
  return chainHash(previousHash, revision, contentHash(event));
}

/** A stored event as the verifier sees it: raw, never decrypted. */
export interface StoredEvent extends HashedContent {
  streamRevision: number;
  globalPosition: bigint;
  /**
   * Where a store orders its global log by transaction first (PostgreSQL, ADR 0003), the id of the
   * transaction that appended the event; elsewhere the position alone gives the order.
   */
  transactionId?: bigint;
  previousHash: string;
  hash: string;
}

/** What the store believes the end of a stream is (its head), when it keeps one. */
export interface StreamHead {
  revision: number;
  hash: string;
}

export interface ChainCheckOptions {
  /** Verify one stream; without it the whole log is walked. */
  streamId?: string;
  /**
   * Stream ends seen earlier, kept outside the database (an anchor): each stream must still hold,
   * at the revision seen, the event seen. Streams that began since are not in it. With `log`, and
   * when the whole log is verified, the log must also still begin with the events the anchor saw,
   * in its order.
   */
  anchor?: { readonly streams: readonly StreamEnd[]; readonly log?: LogPrefix };
  /**
   * Return what an anchor keeps with a report that verifies: where each stream ends and, on the
   * whole log, the log's running hash.
   */
  streamEnds?: boolean;
}

export type StreamCheck =
  | { ok: true; eventsChecked: number }
  | { ok: false; eventsChecked: number; violation: IntegrityViolation };

/**
 * Checks one stream's chain, and that its events come in the global log in the order of their
 * revisions. `events` must be in the order the store lists them by revision; `head` is the
 * store's record of the stream's end, where it keeps one.
 */
export function verifyStream(
  streamId: string,
  events: readonly StoredEvent[],
  head?: StreamHead,
  anchored?: StreamEnd,
): StreamCheck {
  const hashesInStream = new Set(events.map((event) => event.hash));
  let expectedPrevious = GENESIS_HASH;
  const fail = (index: number, problem: IntegrityProblem, detail: string): StreamCheck => {
    const event = events[index];
    return {
      ok: false,
      eventsChecked: index,
      violation: event
        ? {
            streamId,
            problem,
            eventId: event.id,
            streamRevision: event.streamRevision,
            globalPosition: event.globalPosition,
            detail,
          }
        : { streamId, problem, detail },
    };
  };

  for (const [index, event] of events.entries()) {
    if (event.streamRevision > index) return fail(index, 'removed', `revision ${index} is missing before this event`);
    if (event.streamRevision < index) return fail(index, 'inserted', `revision ${event.streamRevision} appears twice`);
    if (event.previousHash !== expectedPrevious) {
      if (hashesInStream.has(event.previousHash)) {
        return fail(index, 'reordered', 'this event no longer follows the event it was chained to');
      }
      const intact = hashEvent(event.previousHash, event.streamRevision, event) === event.hash;
      return intact
        ? fail(index, 'removed', 'the event this one was chained to is gone')
        : fail(index, 'inserted', 'this event is not chained to any event of the stream');
    }
    if (hashEvent(event.previousHash, event.streamRevision, event) !== event.hash) {
      return fail(index, 'altered', 'the content no longer matches its hash');
    }
    // the hashes do not cover where an event stands in the global log, and readers of the log
    // fold a stream in that order: a stream's events must come there in the order of revisions
    const predecessor = events[index - 1];
    if (predecessor && !comesLaterInLog(event, predecessor)) {
      return fail(
        index,
        'reordered',
        `this event comes before revision ${predecessor.streamRevision} in the global log`,
      );
    }
    expectedPrevious = event.hash;
  }

  if (head) {
    const last = events.length - 1;
    if (head.revision > last)
      return fail(events.length, 'removed', `the stream should end at revision ${head.revision}, it ends at ${last}`);
    if (head.revision < last)
      return fail(head.revision + 1, 'inserted', `the stream should end at revision ${head.revision}`);
    if (head.hash !== expectedPrevious)
      return fail(last, 'altered', 'the last event no longer matches the stream head');
  }

  // a stream rewritten whole, hashes and head recomputed, passes every check above
  if (anchored) {
    const seen = events[anchored.revision];
    if (!seen) {
      return fail(
        events.length,
        'removed',
        `the anchor saw this stream up to revision ${anchored.revision}, it ends at ${events.length - 1}`,
      );
    }
    if (seen.hash !== anchored.hash) {
      return fail(anchored.revision, 'rewritten', 'this is not the event the anchor saw at this revision');
    }
  }
  return { ok: true, eventsChecked: events.length };
}

/**
 * Folds stream checks into one report for the whole log (or the one stream `options.streamId`
 * names, which is then all `streams` holds). Every stream is checked; the violation reported is
 * the one earliest in the global log (a removed tail, which has no event, comes last).
 *
 * `log` lists the global log in its order, raw. A store that gives it lets the whole log's
 * verification take the log's running hash for an anchor (the stream ends then come from the
 * same walk) and check an anchor's. It is walked before the streams, so that on a store without
 * snapshots the streams walked after it hold at least what it held.
 */
export async function verifyStreams(
  streams: AsyncIterable<{ streamId: string; events: readonly StoredEvent[]; head?: StreamHead }>,
  options: ChainCheckOptions = {},
  log?: () => AsyncIterable<LogEntry>,
): Promise<IntegrityReport> {
  // one stream says nothing of where it stands among the others
  const logToWalk = options.streamId === undefined ? log : undefined;
  const anchor = options.anchor;
  const taken = logToWalk && options.streamEnds ? await walkLogPrefix(logToWalk()) : undefined;
  const logViolation =
    logToWalk && anchor?.log ? await checkLogPrefix(logToWalk(), anchor.log, anchor.streams) : undefined;
  const anchored = new Map(
    (options.anchor?.streams ?? [])
      .filter((end) => options.streamId === undefined || end.streamId === options.streamId)
      .map((end) => [end.streamId, end]),
  );
  const ends: StreamEnd[] = [];
  let streamsChecked = 0;
  let eventsChecked = 0;
  let first: IntegrityViolation | undefined;
  const report = (violation: IntegrityViolation) => {
    if (first === undefined || comesBefore(violation, first)) first = violation;
  };
  for await (const { streamId, events, head } of streams) {
    const check = verifyStream(streamId, events, head, anchored.get(streamId));
    anchored.delete(streamId);
    streamsChecked += 1;
    eventsChecked += check.eventsChecked;
    if (!check.ok) report(check.violation);
    const last = events.at(-1);
    if (options.streamEnds && last) ends.push({ streamId, revision: last.streamRevision, hash: last.hash });
  }
  // streams the anchor saw that are gone, events and head alike
  for (const { streamId, revision } of anchored.values()) {
    report({
      streamId,
      problem: 'removed',
      detail: `the anchor saw this stream up to revision ${revision}, it is gone`,
    });
  }
  // last: where the streams already show what changed, they say more than the log's hash
  if (logViolation) report(logViolation);
  if (first) return { ok: false, streamsChecked, eventsChecked, firstBadEvent: first };
  if (taken) return { ok: true, streamsChecked, eventsChecked, streamEnds: taken.ends, logPrefix: taken.prefix };
  return options.streamEnds
    ? { ok: true, streamsChecked, eventsChecked, streamEnds: ends }
    : { ok: true, streamsChecked, eventsChecked };
}

function comesLaterInLog(event: StoredEvent, predecessor: StoredEvent): boolean {
  if (event.transactionId !== undefined && predecessor.transactionId !== undefined) {
    if (event.transactionId !== predecessor.transactionId) return event.transactionId > predecessor.transactionId;
  }
  return event.globalPosition > predecessor.globalPosition;
}

function comesBefore(a: IntegrityViolation, b: IntegrityViolation): boolean {
  if (a.globalPosition === undefined) return false;
  return b.globalPosition === undefined || a.globalPosition < b.globalPosition;
}
