import type { Anchor, AnchorTimestamp } from '../anchor.js';

/**
 * A third party that signs, with its time, that an anchor's digest existed then (RFC 3161): what
 * makes an anchor a proof without having to publish its digest by hand (ADR 0024).
 */
export interface TimestampAuthority {
  /** A checked token over the anchor's digest; `TimestampError` when none could be had. */
  timestamp(anchor: Anchor): Promise<AnchorTimestamp>;
}

/** The anchor with the authority's token over its digest. */
export async function timestampAnchor(anchor: Anchor, authority: TimestampAuthority): Promise<Anchor> {
  return { ...anchor, timestamp: await authority.timestamp(anchor) };
}
