// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API
import 'reflect-metadata';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import type { JsonGeneralNames } from '@peculiar/x509';

/** A certificate and its private key, in PEM. */
export interface CertificateAndKey {
  cert: string;
  key: string;
}

/**
 * A throw-away authority with a server certificate (for 127.0.0.1, ::1 and localhost) and a
 * client certificate it signed: enough for mutual TLS on this machine, between the INSi client
 * and its local stand-in, in tests and in the embedded default.
 */
export interface EphemeralCertificates {
  /** The authority's certificate: what the server trusts for clients, and the client for the server. */
  ca: string;
  server: CertificateAndKey;
  client: CertificateAndKey;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** Issues a fresh authority and its two certificates (ECDSA P-256), valid from a minute ago. */
export async function issueEphemeralCertificates(
  options: { clock?: () => Date; validForDays?: number; name?: string } = {},
): Promise<EphemeralCertificates> {
  // loaded on first use: a deployment with a real INSi never needs it
  const x509 = await import('@peculiar/x509');
  const now = (options.clock ?? (() => new Date()))().getTime();
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + (options.validForDays ?? 30) * DAY_MS);
  const name = options.name ?? 'DUI-PDS ephemeral';
  const newKeys = () => webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);

  const authorityKeys = await newKeys();
  const authority = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: `CN=${name} authority`,
      notBefore,
      notAfter,
      keys: authorityKeys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(authorityKeys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );

  const issue = async (commonName: string, purpose: string, alternativeNames: JsonGeneralNames = []) => {
    const keys = await newKeys();
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serialNumber(),
        subject: `CN=${commonName}`,
        issuer: authority.subject,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: authorityKeys.privateKey,
        signingAlgorithm: ALGORITHM,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([purpose]),
          await x509.AuthorityKeyIdentifierExtension.create(authority, false, webcrypto),
          ...(alternativeNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(alternativeNames)] : []),
        ],
      },
      webcrypto,
    );
    return { cert: certificate.toString('pem'), key: privateKeyPem(keys.privateKey) };
  };

  return {
    ca: authority.toString('pem'),
    server: await issue(`${name} server`, x509.ExtendedKeyUsage.serverAuth, [
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'dns', value: 'localhost' },
    ]),
    client: await issue(`${name} client`, x509.ExtendedKeyUsage.clientAuth),
  };
}

/** A positive 128-bit serial number, as RFC 5280 asks (at most 20 octets, never negative). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('hex');
}

function privateKeyPem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}
