import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { InvalidAnchorError } from './errors.js';
import type { EventStore } from './event-store.js';
import type { IntegrityReport, StreamEnd } from './hash-chain.js';

/**
 * Where every stream of a verified log ended, at one instant (ADR 0004). The hash chains cannot
 * show a rewrite by someone who recomputed every later hash and the stream heads; an anchor kept
 * outside the database can: each stream must still hold, at the revision the anchor saw, the event
 * the anchor saw. Its digest is the short text to publish where the database's administrators
 * cannot change it (sent to the auditor, written in a register).
 */
export interface Anchor {
  /** When the log was verified, ISO 8601. */
  takenAt: string;
  /** Each stream's last event then, sorted by stream id. */
  streams: StreamEnd[];
  /** SHA-256 (hex) of the canonical JSON (RFC 8785) of `{ streams, takenAt }`. */
  digest: string;
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
  const { streamsChecked, eventsChecked, streamEnds = [] } = report;
  return { ok: true, anchor: anchorOf(streamEnds, takenAt), streamsChecked, eventsChecked };
}

const anchorSchema = z.object({
  takenAt: z.iso.datetime({ offset: true }),
  streams: z.array(
    z.object({
      streamId: z.string().min(1),
      revision: z.number().int().nonnegative(),
      hash: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});

export function anchorOf(streams: Iterable<StreamEnd>, takenAt: Date): Anchor {
  const sorted = [...streams]
    .map(({ streamId, revision, hash }) => ({ streamId, revision, hash }))
    .sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
  const stamped = takenAt.toISOString();
  return { takenAt: stamped, streams: sorted, digest: anchorDigest(stamped, sorted) };
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
  const { takenAt, streams, digest } = parsed.data;
  const ids = new Set(streams.map((stream) => stream.streamId));
  if (ids.size !== streams.length) throw new InvalidAnchorError('the anchor names a stream twice', 'malformed');
  if (anchorDigest(takenAt, streams) !== digest) {
    throw new InvalidAnchorError('the anchor does not match its digest: it was changed after it was taken', 'altered');
  }
  return parsed.data;
}

function anchorDigest(takenAt: string, streams: readonly StreamEnd[]): string {
  return createHash('sha256').update(canonicalize({ streams, takenAt })!, 'utf8').digest('hex');
}
