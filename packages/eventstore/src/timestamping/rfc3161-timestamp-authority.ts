import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { AnchorTimestamp } from '../anchor.js';
import { TimestampError } from '../errors.js';
import type { TimestampAuthority } from './timestamp-authority.js';
import { checkTimestampToken, decodeToken, SHA_256, toArrayBuffer } from './timestamp-token.js';

const DEFAULT_TIMEOUT_MS = 10_000;
/** RFC 3161, 2.4.2: `granted` and `grantedWithMods`; every other status carries no token. */
const GRANTED = new Set([0, 1]);

export interface Rfc3161TimestampAuthorityOptions {
  /** The authority's time-stamp URL (RFC 3161 over HTTP, section 3.4). */
  url: string;
  /** How long to wait for its answer. Default 10 s. */
  timeoutMs?: number;
  /** PEM certificates the authority's must chain to; without, the token's signature alone is checked. */
  trustedCertificates?: string;
  /**
   * The user and password of an authority that asks for them (HTTP Basic), sent with each request
   * and never kept in the anchor.
   */
  credentials?: { user: string; password: string };
}

/**
 * A time-stamp authority reached over HTTP (RFC 3161): asks for a token over the content's digest,
 * with a nonce and the authority's certificate, and keeps it only once it has checked that the
 * token is over that digest, answers that nonce (not a replayed answer) and is signed.
 */
export function rfc3161TimestampAuthority(options: Rfc3161TimestampAuthorityOptions): TimestampAuthority {
  const { url, timeoutMs = DEFAULT_TIMEOUT_MS, trustedCertificates, credentials } = options;
  const authorization = credentials && {
    authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`,
  };
  return {
    async timestamp(content: Uint8Array): Promise<AnchorTimestamp> {
      const nonce = newNonce();
      const digest = createHash('sha256').update(content).digest('hex');
      const answer = await post(url, requestFor(digest, nonce), { timeoutMs, headers: authorization ?? {} });
      const token = tokenOf(answer);
      const checked = await checkTimestampToken(token, content, trustedCertificates ? { trustedCertificates } : {});
      if (!checked.ok) {
        throw new TimestampError(
          `the time-stamp authority's token does not hold (${checked.problem}): ${checked.detail}`,
          'invalid-response',
        );
      }
      if (decodeToken(token)?.tstInfo.nonce?.toBigInt() !== nonce.value) {
        throw new TimestampError(
          'the time-stamp authority answered another request (its nonce is not ours)',
          'invalid-response',
        );
      }
      return { authority: url, time: checked.time.toISOString(), token: Buffer.from(token).toString('base64') };
    },
  };
}

/** 64 random bits, positive as DER writes them (first byte below 0x80, not 0). */
function newNonce(): { bytes: Buffer; value: bigint } {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0]! % 0x7f) + 1;
  return { bytes, value: BigInt(`0x${bytes.toString('hex')}`) };
}

function requestFor(digest: string, nonce: { bytes: Buffer }): ArrayBuffer {
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA_256, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: toArrayBuffer(Buffer.from(digest, 'hex')) }),
    }),
    nonce: new asn1js.Integer({ valueHex: toArrayBuffer(nonce.bytes) }),
    certReq: true,
  });
  return request.toSchema().toBER(false);
}

async function post(
  url: string,
  body: ArrayBuffer,
  options: { timeoutMs: number; headers: Record<string, string> },
): Promise<ArrayBuffer> {
  const { timeoutMs, headers } = options;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new TimestampError('the time-stamp authority could not be reached', 'unreachable', { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    const reason = response.status >= 500 ? 'unreachable' : 'refused';
    throw new TimestampError(`the time-stamp authority answered HTTP ${response.status}`, reason, {
      httpStatus: response.status,
    });
  }
  try {
    return await response.arrayBuffer();
  } catch (error) {
    throw new TimestampError('the time-stamp authority’s answer was cut', 'unreachable', { cause: error });
  }
}

/** The token of a `TimeStampResp`, once its status says one was granted. */
function tokenOf(answer: ArrayBuffer): Uint8Array {
  let response: pkijs.TimeStampResp;
  try {
    response = pkijs.TimeStampResp.fromBER(answer);
  } catch (error) {
    throw new TimestampError('the time-stamp authority’s answer is not a TimeStampResp', 'invalid-response', {
      cause: error,
    });
  }
  const { status, statusStrings = [] } = response.status;
  if (!GRANTED.has(status)) {
    const said = statusStrings.map((text) => text.valueBlock.value).join(' ; ');
    throw new TimestampError(
      `the time-stamp authority refused (status ${status}${said ? `: ${said}` : ''})`,
      'refused',
    );
  }
  if (!response.timeStampToken) {
    throw new TimestampError('the time-stamp authority granted but sent no token', 'invalid-response');
  }
  return new Uint8Array(response.timeStampToken.toSchema().toBER(false));
}
