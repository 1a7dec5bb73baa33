import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { TimestampError } from '../errors.js';

const REASON_CODE = '2.5.29.21';
const REMOVE_FROM_CRL = 8;

/**
 * RFC 5280's reasons after which an authority's earlier tokens still hold (RFC 3161, section 4):
 * it was retired, not broken. Any other reason, or none given, voids every token of its key.
 */
const RETIREMENT_REASONS: ReadonlyMap<number, string> = new Map([
  [0, 'unspecified'],
  [3, 'affiliationChanged'],
  [4, 'superseded'],
  [5, 'cessationOfOperation'],
]);

const REASON_NAMES: ReadonlyMap<number, string> = new Map([
  ...RETIREMENT_REASONS,
  [1, 'keyCompromise'],
  [2, 'cACompromise'],
  [6, 'certificateHold'],
  [9, 'privilegeWithdrawn'],
  [10, 'aACompromise'],
]);

/**
 * Whether the authority's certificate was revoked in a way that voids a token of `stampedAt`,
 * whose existence a later token may prove at `provenBy`:
 * `good` when a revocation list of its issuer, signed by that issuer and current at the token's
 * time (its next update not before it), does not void it; `unknown` when none of the lists given
 * is such a list.
 */
export type RevocationStatus = { status: 'good' } | { status: 'revoked' | 'unknown'; detail: string };

export async function revocationStatus(
  certificate: pkijs.Certificate,
  issuers: readonly pkijs.Certificate[],
  revocationLists: readonly pkijs.CertificateRevocationList[],
  stampedAt: Date,
  provenBy?: Date,
): Promise<RevocationStatus> {
  const issuer = await issuerOf(certificate, issuers);
  if (!issuer) return { status: 'unknown', detail: 'the issuer of the authority’s certificate is not known' };
  const current: pkijs.CertificateRevocationList[] = [];
  for (const list of revocationLists) {
    if (!list.issuer.isEqual(certificate.issuer)) continue;
    if (list.nextUpdate && list.nextUpdate.value < stampedAt) continue;
    if (await list.verify({ issuerCertificate: issuer }).catch(() => false)) current.push(list);
  }
  if (current.length === 0) {
    return {
      status: 'unknown',
      detail: 'no revocation list given is signed by the authority’s issuer and current at the token’s time',
    };
  }
  for (const list of current) {
    const entry = list.revokedCertificates?.find((revoked) =>
      revoked.userCertificate.isEqual(certificate.serialNumber),
    );
    if (!entry) continue;
    const revokedAt = entry.revocationDate.value;
    const reason = reasonOf(entry);
    if (reason === REMOVE_FROM_CRL) continue; // a delta list's word that the hold was lifted
    const retiredAfterStamp = reason !== undefined && RETIREMENT_REASONS.has(reason) && stampedAt < revokedAt;
    // a renewal made before the revocation proves the token existed while its key was still trusted
    const renewedBeforeRevocation = provenBy !== undefined && provenBy < revokedAt;
    if (retiredAfterStamp || renewedBeforeRevocation) continue;
    const why = reason === undefined ? 'no reason given' : (REASON_NAMES.get(reason) ?? `reason ${reason}`);
    return { status: 'revoked', detail: `revoked on ${revokedAt.toISOString()} (${why})` };
  }
  return { status: 'good' };
}

/** The certificate that signed this one: its name may be another issuer's too, its key is its own. */
async function issuerOf(
  certificate: pkijs.Certificate,
  candidates: readonly pkijs.Certificate[],
): Promise<pkijs.Certificate | undefined> {
  for (const candidate of candidates) {
    if (!candidate.subject.isEqual(certificate.issuer)) continue;
    if (await certificate.verify(candidate).catch(() => false)) return candidate;
  }
  return undefined;
}

/** Every `X509 CRL` block of a PEM text; anything else in it is ignored. */
export function parsePemRevocationLists(pem: string): pkijs.CertificateRevocationList[] {
  const blocks = pem.matchAll(/-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g);
  return [...blocks].map(([, body]) => {
    try {
      const der = Buffer.from(body!, 'base64');
      return pkijs.CertificateRevocationList.fromBER(der.buffer.slice(der.byteOffset, der.byteOffset + der.length));
    } catch {
      throw new TimestampError('a revocation list is not an X.509 CRL', 'invalid-certificates');
    }
  });
}

function reasonOf(entry: pkijs.RevokedCertificate): number | undefined {
  const extension = entry.crlEntryExtensions?.extensions.find((candidate) => candidate.extnID === REASON_CODE);
  if (!extension) return undefined;
  const parsed = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView);
  return parsed.result instanceof asn1js.Enumerated ? parsed.result.valueBlock.valueDec : undefined;
}
