import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { InvalidAnchorError } from './errors.js';
import type { EventStore } from './event-store.js';
import type { IntegrityReport, LogPrefix, StreamEnd } from './integrity-report.js';
import { EMPTY_LOG_HASH } from './log-prefix.js';

/**
 * What a verified log held, at one instant (ADR 0004). The hash chains cannot show a rewrite by
 * someone who recomputed every later hash and the stream heads; an anchor kept outside the
 * database can: each stream must still hold, at the revision the anchor saw, the event the anchor
 * saw, and the global log must still begin with the events the anchor saw, in the same order. Its
 * digest is the short text to publish where the database's administrators cannot change it (sent
 * to the auditor, written in a register).
 */
export interface Anchor {
  /** When the log was verified, ISO 8601. */
  takenAt: string;
  /**
   * The log then: its number of events and its running hash. Absent from anchors taken before it
   * was kept (2026-11-29), which vouch for each stream only.
   */
  log?: LogPrefix;
  /** Each stream's last event then, sorted by stream id. */
  streams: StreamEnd[];
  /** SHA-256 (hex) of the canonical JSON (RFC 8785) of `{ log, streams, takenAt }`. */
  digest: string;
  /**
   * A time-stamp authority's token over the digest (RFC 3161), when one was asked for: a third
   * party's signed word that the digest existed at that time (ADR 0024). Outside the digest, which
   * it is about.
   */
  timestamp?: AnchorTimestamp;
  /**
   * Later tokens, each over the digest and the token before it (RFC 4998's archive time-stamps,
   * simplified): asked for while the earlier authority's certificate still holds, each proves
   * that the token before it existed then, so a later end of that certificate (expiry, or a
   * revocation for a compromise) does not void it. Outside the digest, like `timestamp`.
   */
  renewals?: AnchorTimestamp[];
}

/** An RFC 3161 time-stamp token over an anchor's digest, and what it says, for reading without decoding it. */
export interface AnchorTimestamp {
  /** Where it was asked for (the authority's URL). */
  authority: string;
  /** The token's `genTime`, ISO 8601. */
  time: string;
  /** The `TimeStampToken` (a CMS SignedData), DER in base64. */
  token: string;
}

export type AnchorTaking =
  | { ok: true; anchor: Anchor; streamsChecked: number; eventsChecked: number }
  | Extract<IntegrityReport, { ok: false }>;

/**
 * Verifies the whole log and, if it verifies, anchors where each of its streams ends. A log that
 * does not verify is not anchored: the report says why.
 */
export async function takeAnchor(store: Pick<EventStore, 'verifyIntegrity'>, takenAt: Date): Promise<AnchorTaking> {
  const report = await store.verifyIntegrity({ streamEnds: true });
  if (!report.ok) return report;
  const { streamsChecked, eventsChecked, streamEnds = [], logPrefix } = report;
  return { ok: true, anchor: anchorOf(streamEnds, takenAt, logPrefix), streamsChecked, eventsChecked };
}

const anchorTimestampSchema = z.object({
  authority: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  token: z.base64().min(1),
});

const anchorSchema = z.object({
  takenAt: z.iso.datetime({ offset: true }),
  log: z
    .object({
      events: z.number().int().nonnegative(),
      hash: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .optional(),
  streams: z.array(
    z.object({
      streamId: z.string().min(1),
      revision: z.number().int().nonnegative(),
      hash: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  timestamp: anchorTimestampSchema.optional(),
  renewals: z.array(anchorTimestampSchema).min(1).optional(),
});

/** An anchor of these stream ends and, from a store that lists its log, that log's running hash. */
export function anchorOf(streams: Iterable<StreamEnd>, takenAt: Date, log?: LogPrefix): Anchor {
  const sorted = [...streams]
    .map(({ streamId, revision, hash }) => ({ streamId, revision, hash }))
    .sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
  const stamped = takenAt.toISOString();
  const logThen = log && { events: log.events, hash: log.hash };
  return {
    takenAt: stamped,
    ...(logThen && { log: logThen }),
    streams: sorted,
    digest: anchorDigest(stamped, sorted, logThen),
  };
}

/**
 * An anchor read back from where it was kept (its JSON, parsed), checked: its shape, and its
 * digest against its content. Anyone can recompute a digest, so this refuses an anchor changed by
 * mistake or carelessly; what proves an anchor is its digest, compared with the one published
 * when it was taken.
 */
export function parseAnchor(value: unknown): Anchor {
  const parsed = anchorSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidAnchorError(
      `not an anchor: ${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'invalid'}`,
      'malformed',
    );
  }
  const { takenAt, log, streams, digest, timestamp, renewals } = parsed.data;
  if (renewals && !timestamp)
    throw new InvalidAnchorError('the anchor renews a time-stamp it does not have', 'malformed');
  const ids = new Set(streams.map((stream) => stream.streamId));
  if (ids.size !== streams.length) throw new InvalidAnchorError('the anchor names a stream twice', 'malformed');
  if (anchorDigest(takenAt, streams, log) !== digest) {
    throw new InvalidAnchorError('the anchor does not match its digest: it was changed after it was taken', 'altered');
  }
  // an edit is told first, as altered; then what no walk of a log gives: the stream ends are
  // taken from the log's walk, so they count exactly its events
  if (log && streams.reduce((events, end) => events + end.revision + 1, 0) !== log.events) {
    throw new InvalidAnchorError('the anchor counts other events in its log than in its streams', 'malformed');
  }
  if (log?.events === 0 && log.hash !== EMPTY_LOG_HASH) {
    throw new InvalidAnchorError('the anchor gives a hash to an empty log', 'malformed');
  }
  return {
    takenAt,
    ...(log && { log }),
    streams,
    digest,
    ...(timestamp && { timestamp }),
    ...(renewals && { renewals }),
  };
}

/**
 * What a renewal of an anchor's time-stamp is over: the anchor's digest, then the token it renews
 * (DER), so that the new token vouches for both.
 */
export function renewedContent(anchor: Pick<Anchor, 'digest'>, renewedToken: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(anchor.digest, 'hex'), renewedToken]);
}

/** What an anchor's digest is the SHA-256 of: what a time-stamp token's imprint is checked against. */
export function digestedContent(anchor: Pick<Anchor, 'takenAt' | 'streams' | 'log'>): Uint8Array {
  return contentOf(anchor.takenAt, anchor.streams, anchor.log);
}

function anchorDigest(takenAt: string, streams: readonly StreamEnd[], log: LogPrefix | undefined): string {
  return createHash('sha256')
    .update(contentOf(takenAt, streams, log))
    .digest('hex');
}

/** Without a log, `{ streams, takenAt }`: the content of the anchors taken before it was kept. */
function contentOf(takenAt: string, streams: readonly StreamEnd[], log: LogPrefix | undefined): Uint8Array {
  const content = log ? { log, streams, takenAt } : { streams, takenAt };
  return Buffer.from(canonicalize(content)!, 'utf8');
}
