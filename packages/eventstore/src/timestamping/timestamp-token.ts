import { createHash } from 'node:crypto';
import * as pkijs from 'pkijs';
import { type Anchor, type AnchorTimestamp, digestedContent, renewedContent } from '../anchor.js';
import { TimestampError } from '../errors.js';
import { parsePemRevocationLists, revocationStatus } from './revocation.js';

/** The only imprint an anchor's token may have: its digest is a SHA-256. */
export const SHA_256 = '2.16.840.1.101.3.4.2.1';
const SIGNED_DATA = '1.2.840.113549.1.7.2';
const EXTENDED_KEY_USAGE = '2.5.29.37';
const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
const COMMON_NAME = '2.5.4.3';

/**
 * What a time-stamp token says. `trusted`: the authority's certificate chains, at the token's
 * time, to one of the certificates the caller trusts; without any, only the signature is
 * checked, and anyone can make a certificate that signs. `revocationChecked`: a revocation list
 * of its issuer, current at the token's time, was given and does not void it.
 */
export interface CheckedToken {
  time: Date;
  authority: string;
  trusted: boolean;
  revocationChecked: boolean;
  /**
   * The end of the authority's certificate: the token still verifies afterwards (its chain is
   * judged at its own time), but a compromise can no longer be published against it, so the
   * proof is renewed before then (`renewAnchorTimestamp`).
   */
  validUntil: Date;
}

/**
 * What an anchor's time-stamp says: its first token's, and each renewal's. A failure names the
 * renewal at fault (1 for the first), none when it is the first token.
 */
export type TimestampCheck =
  | ({ ok: true; renewals: CheckedToken[] } & CheckedToken)
  | { ok: false; problem: TimestampProblem; detail: string; renewal?: number };

/**
 * `imprint`: the token is over another digest (the anchor was changed, or the token is another's);
 * `signature`: its content no longer matches its signature; `untrusted`: its certificate does not
 * chain to a trusted one, or is not a time-stamping one; `time`: the anchor gives another time
 * than the token; `malformed`: not a time-stamp token; `revoked`: the authority's certificate was
 * revoked for a compromise, or before the token's time (RFC 3161, section 4); `revocation-unknown`:
 * revocation lists were given, none of them of the authority's issuer and current at the token's
 * time.
 */
export type TimestampProblem =
  | 'imprint'
  | 'signature'
  | 'untrusted'
  | 'time'
  | 'malformed'
  | 'revoked'
  | 'revocation-unknown';

export interface TimestampCheckOptions {
  /**
   * When a later token proves this one existed (the next renewal's time): a compromise of its
   * authority revoked after that does not void it (RFC 4998).
   */
  provenBy?: Date;
  /** PEM certificates (one or more) of the authorities, or their roots, the caller trusts. */
  trustedCertificates?: string;
  /**
   * PEM revocation lists (`X509 CRL`) of the authorities' issuers, as they publish them; only
   * with `trustedCertificates`, which sign them. The authority's certificate is checked against
   * them; its issuers up to the trusted root are not.
   */
  revocationLists?: string;
}

/**
 * Checks the time-stamp token an anchor carries against the anchor's digest, and each renewal
 * against the digest and the token it renews; each token's authority judged at the time the next
 * one proves it existed.
 */
export async function checkAnchorTimestamp(
  anchor: Anchor,
  options: Omit<TimestampCheckOptions, 'provenBy'> = {},
): Promise<TimestampCheck | undefined> {
  if (anchor.timestamp === undefined) return undefined;
  const stamps = [anchor.timestamp, ...(anchor.renewals ?? [])];
  const checked: CheckedToken[] = [];
  for (const [index, stamp] of stamps.entries()) {
    const content = index === 0 ? digestedContent(anchor) : renewedContent(anchor, tokenOf(stamps[index - 1]!));
    const next = stamps[index + 1];
    const result = await checkStamp(stamp, content, { ...options, ...(next && { provenBy: new Date(next.time) }) });
    if (!result.ok) return index === 0 ? result : { ...result, renewal: index };
    const { ok: _, renewals: __, ...token } = result;
    checked.push(token);
  }
  const [first, ...renewals] = checked;
  return { ok: true, ...first!, renewals };
}

/** One kept token, and the time the anchor file says it has. */
async function checkStamp(
  stamp: AnchorTimestamp,
  content: Uint8Array,
  options: TimestampCheckOptions,
): Promise<TimestampCheck> {
  const checked = await checkTimestampToken(tokenOf(stamp), content, options);
  if (checked.ok && checked.time.getTime() !== new Date(stamp.time).getTime()) {
    return { ok: false, problem: 'time', detail: `the token says ${checked.time.toISOString()}` };
  }
  return checked;
}

function tokenOf(stamp: AnchorTimestamp): Buffer {
  return Buffer.from(stamp.token, 'base64');
}

/**
 * Checks a DER `TimeStampToken`: its imprint is the SHA-256 of `content`, its signature holds,
 * its signer is a time-stamping certificate and, given trusted certificates, chains to one.
 */
export async function checkTimestampToken(
  token: Uint8Array,
  content: Uint8Array,
  options: TimestampCheckOptions = {},
): Promise<TimestampCheck> {
  const decoded = decodeToken(token);
  if (!decoded) return { ok: false, problem: 'malformed', detail: 'not an RFC 3161 time-stamp token' };
  const { signedData, tstInfo } = decoded;

  const imprint = tstInfo.messageImprint;
  if (
    imprint.hashAlgorithm.algorithmId !== SHA_256 ||
    Buffer.from(imprint.hashedMessage.valueBlock.valueHexView).toString('hex') !==
      createHash('sha256').update(content).digest('hex')
  ) {
    return { ok: false, problem: 'imprint', detail: 'the token is not over this anchor’s digest' };
  }

  const trustedCerts = parsePemCertificates(options.trustedCertificates ?? '');
  const revocationLists = parsePemRevocationLists(options.revocationLists ?? '');
  if (revocationLists.length > 0 && trustedCerts.length === 0) {
    throw new TimestampError('revocation lists are checked only with trusted certificates', 'invalid-certificates');
  }
  const data = toArrayBuffer(content);
  let signer: pkijs.Certificate | null | undefined;
  try {
    // the signature first: a changed token is told as such, not by the chain checked at its changed time
    const result = await signedData.verify({ signer: 0, data, extendedMode: true });
    if (!result.signatureVerified) return { ok: false, problem: 'signature', detail: 'the signature does not hold' };
    signer = result.signerCertificate;
    if (trustedCerts.length > 0) await signedData.verify({ signer: 0, data, trustedCerts, checkChain: true });
  } catch (error) {
    return failureOf(error);
  }
  if (!signer || !isTimeStampingCertificate(signer)) {
    return { ok: false, problem: 'untrusted', detail: 'the signer is not a time-stamping certificate' };
  }
  if (revocationLists.length > 0) {
    const issuers = [...trustedCerts, ...(signedData.certificates ?? [])].filter(
      (certificate): certificate is pkijs.Certificate => certificate instanceof pkijs.Certificate,
    );
    const revocation = await revocationStatus(signer, issuers, revocationLists, tstInfo.genTime, options.provenBy);
    if (revocation.status === 'revoked') return { ok: false, problem: 'revoked', detail: revocation.detail };
    if (revocation.status === 'unknown') return { ok: false, problem: 'revocation-unknown', detail: revocation.detail };
  }
  return {
    ok: true,
    renewals: [],
    time: tstInfo.genTime,
    authority: commonNameOf(signer),
    trusted: trustedCerts.length > 0,
    revocationChecked: revocationLists.length > 0,
    validUntil: signer.notAfter.value,
  };
}

/** The token's `TSTInfo`, for the authority's client to read its nonce. */
export function decodeToken(token: Uint8Array): { signedData: pkijs.SignedData; tstInfo: pkijs.TSTInfo } | undefined {
  try {
    const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(token));
    if (contentInfo.contentType !== SIGNED_DATA) return undefined;
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    const content = signedData.encapContentInfo.eContent;
    if (!content) return undefined;
    return { signedData, tstInfo: pkijs.TSTInfo.fromBER(content.getValue()) };
  } catch {
    return undefined;
  }
}

function failureOf(error: unknown): TimestampCheck {
  if (!(error instanceof pkijs.SignedDataVerifyError)) {
    return { ok: false, problem: 'malformed', detail: error instanceof Error ? error.message : String(error) };
  }
  // pkijs's codes: 5 the chain, 15 a content that no longer matches what was signed
  if (error.code === 5) return { ok: false, problem: 'untrusted', detail: error.message };
  if (error.code === 15) return { ok: false, problem: 'signature', detail: error.message };
  return { ok: false, problem: 'malformed', detail: error.message };
}

/** RFC 3161, 2.3: the authority's certificate is for time-stamping (extended key usage, critical). */
function isTimeStampingCertificate(certificate: pkijs.Certificate): boolean {
  const usage = certificate.extensions?.find((extension) => extension.extnID === EXTENDED_KEY_USAGE);
  const purposes = usage?.parsedValue instanceof pkijs.ExtKeyUsage ? usage.parsedValue.keyPurposes : [];
  return usage?.critical === true && purposes.includes(TIME_STAMPING);
}

/** The signer's common name, or its whole name when it has none. */
function commonNameOf(certificate: pkijs.Certificate): string {
  const attributes = certificate.subject.typesAndValues;
  const named = attributes.find((attribute) => attribute.type === COMMON_NAME);
  const values = (named ? [named] : attributes).map((attribute) => String(attribute.value.valueBlock.value));
  return values.join(', ');
}

/** Every `CERTIFICATE` block of a PEM text; anything else in it is ignored. */
export function parsePemCertificates(pem: string): pkijs.Certificate[] {
  const blocks = pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g);
  return [...blocks].map(([, body]) => {
    try {
      return pkijs.Certificate.fromBER(toArrayBuffer(Buffer.from(body!, 'base64')));
    } catch {
      throw new TimestampError('a trusted certificate is not an X.509 certificate', 'invalid-certificates');
    }
  });
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
