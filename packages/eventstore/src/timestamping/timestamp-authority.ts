import { type Anchor, type AnchorTimestamp, digestedContent, renewedContent } from '../anchor.js';
import { InvalidAnchorError } from '../errors.js';

/**
 * A third party that signs, with its time, that some content existed then (RFC 3161): what makes
 * an anchor a proof without having to publish its digest by hand (ADR 0024).
 */
export interface TimestampAuthority {
  /** A checked token whose imprint is the SHA-256 of `content`; `TimestampError` when none could be had. */
  timestamp(content: Uint8Array): Promise<AnchorTimestamp>;
}

/** The anchor with the authority's token over its digest. */
export async function timestampAnchor(anchor: Anchor, authority: TimestampAuthority): Promise<Anchor> {
  return { ...anchor, timestamp: await authority.timestamp(digestedContent(anchor)) };
}

/**
 * The anchor with one more renewal: a token over its digest and its latest token, asked for
 * before that token's certificate expires or its algorithms weaken (ADR 0024).
 */
export async function renewAnchorTimestamp(anchor: Anchor, authority: TimestampAuthority): Promise<Anchor> {
  const latest = anchor.renewals?.at(-1) ?? anchor.timestamp;
  if (latest === undefined) throw new InvalidAnchorError('the anchor has no time-stamp to renew', 'malformed');
  const renewal = await authority.timestamp(renewedContent(anchor, Buffer.from(latest.token, 'base64')));
  return { ...anchor, renewals: [...(anchor.renewals ?? []), renewal] };
}
