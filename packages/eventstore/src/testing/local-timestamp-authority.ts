import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * How the authority answers: `granting` as a real one; `refusing` with a `rejection` status (it
 * accepts SHA-512 imprints only); `replaying` every request with its answer to the first, nonce
 * and all, as a man in the middle would; `signingWithoutTimeStampingUsage` with a token whose
 * content is right but signed by another certificate of the same authority, not one for
 * time-stamping.
 */
export type LocalTimestampAuthorityBehaviour =
  | 'granting'
  | 'refusing'
  | 'replaying'
  | 'signingWithoutTimeStampingUsage';

export interface LocalTimestampAuthority {
  /** Where to POST `application/timestamp-query`. */
  url: string;
  /** The PEM certificate of the authority that issued the time-stamping certificate. */
  caCertificate: string;
  /** The requests it answered. */
  readonly requests: number;
  /**
   * A revocation list (PEM) of its certificate authority, made by `openssl ca -gencrl`: the
   * time-stamping certificate listed when `revoked` says when and why (no reason: none given),
   * current from `lastUpdate` (now) to `nextUpdate` (a day later).
   */
  revocationList(options?: RevocationListOptions): Promise<string>;
  close(): Promise<void>;
}

export interface RevocationListOptions {
  revoked?: { at: Date; reason?: RevocationReason };
  lastUpdate?: Date;
  nextUpdate?: Date;
}

/** As OpenSSL's certificate database names them. */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'CACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold';

/**
 * A time-stamp authority on loopback that speaks RFC 3161 over HTTP: OpenSSL's own `ts -reply`
 * answers each request, with a certificate for time-stamping issued by a certificate authority of
 * its own, both made when it starts. A peer written by someone else than our client.
 */
export async function startLocalTimestampAuthority(
  behaviour: LocalTimestampAuthorityBehaviour = 'granting',
  options: { credentials?: { user: string; password: string } } = {},
): Promise<LocalTimestampAuthority> {
  const expectedAuthorization =
    options.credentials &&
    `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`;
  const dir = await mkdtemp(join(tmpdir(), 'dui-tsa-'));
  await makeCertificates(dir);
  await writeFile(join(dir, 'tsa.cnf'), configuration(dir, behaviour === 'refusing' ? 'sha512' : 'sha256, sha512'));
  await writeFile(join(dir, 'serial'), '01\n');

  let requests = 0;
  let revocationLists = 0;
  let firstAnswer: Buffer | undefined;
  let queue = Promise.resolve();
  const answer = async (query: Buffer): Promise<Buffer> => {
    const number = ++requests;
    if (behaviour === 'replaying' && firstAnswer) return firstAnswer;
    const queryFile = join(dir, `${number}.tsq`);
    const replyFile = join(dir, `${number}.tsr`);
    await writeFile(queryFile, query);
    await openssl(
      dir,
      'ts -reply -config tsa.cnf -inkey tsa.key -signer tsa.pem -queryfile',
      queryFile,
      '-out',
      replyFile,
    );
    if (behaviour === 'signingWithoutTimeStampingUsage') return signedByAnotherCertificate(dir, replyFile);
    firstAnswer ??= await readFile(replyFile);
    return readFile(replyFile);
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.headers['content-type'] !== 'application/timestamp-query') {
        response.writeHead(415).end();
        return;
      }
      if (expectedAuthorization && request.headers.authorization !== expectedAuthorization) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="horodatage"' }).end();
        return;
      }
      // one at a time: OpenSSL keeps the serial number in a file
      queue = queue.then(async () => {
        try {
          const reply = await answer(Buffer.concat(chunks));
          response.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(reply);
        } catch {
          response.writeHead(500).end();
        }
      });
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caCertificate: await readFile(join(dir, 'ca.pem'), 'utf8'),
    get requests() {
      return requests;
    },
    revocationList: (revocation = {}) => revocationListOf(dir, ++revocationLists, revocation),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs OpenSSL in the authority's directory: `command` is split on spaces, `more` added as they are. */
async function openssl(dir: string, command: string, ...more: string[]): Promise<string> {
  return (await run('openssl', [...command.split(' '), ...more], { cwd: dir })).stdout;
}

async function makeCertificates(dir: string): Promise<void> {
  const newKey = 'req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';
  await openssl(dir, `${newKey} -x509 -days 2 -keyout ca.key -out ca.pem -subj`, '/CN=AC de test DUI-PDS');
  await openssl(dir, `${newKey} -keyout tsa.key -out tsa.csr -subj`, '/CN=Horodatage de test DUI-PDS');
  await writeFile(join(dir, 'tsa.ext'), 'extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n');
  await openssl(
    dir,
    'x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile tsa.ext -out tsa.pem',
  );
  await openssl(dir, `${newKey} -keyout other.key -out other.csr -subj`, '/CN=Autre certificat de test');
  await openssl(dir, 'x509 -req -in other.csr -CA ca.pem -CAkey ca.key -days 2 -out other.pem');
}

async function revocationListOf(dir: string, number: number, options: RevocationListOptions): Promise<string> {
  const serial = String(await openssl(dir, 'x509 -serial -noout -in tsa.pem'))
    .trim()
    .replace(/^serial=/, '');
  const { revoked, lastUpdate = new Date(), nextUpdate = new Date(lastUpdate.getTime() + 86_400_000) } = options;
  // OpenSSL's certificate database: one line per certificate, tab-separated, dates as UTCTime
  const revocation = revoked && [utcTime(revoked.at), revoked.reason].filter(Boolean).join(',');
  const index = revocation ? `R\t491231235959Z\t${revocation}\t${serial}\tunknown\t/CN=Horodatage\n` : '';
  await writeFile(join(dir, `index-${number}.txt`), index);
  await writeFile(join(dir, `crlnumber-${number}`), `${String(number).padStart(2, '0')}\n`);
  await writeFile(
    join(dir, `ca-${number}.cnf`),
    `[ ca ]\ndefault_ca = test_ca\n[ test_ca ]\ndatabase = index-${number}.txt\ncrlnumber = crlnumber-${number}\ndefault_md = sha256\n`,
  );
  await openssl(
    dir,
    `ca -gencrl -config ca-${number}.cnf -keyfile ca.key -cert ca.pem -out crl-${number}.pem`,
    ...['-crl_lastupdate', utcTime(lastUpdate), '-crl_nextupdate', utcTime(nextUpdate)],
  );
  return readFile(join(dir, `crl-${number}.pem`), 'utf8');
}

/** `YYMMDDHHMMSSZ`, to the second. */
function utcTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')
    .slice(2);
}

/** The reply's token content signed again, with the certificate that is not for time-stamping. */
async function signedByAnotherCertificate(dir: string, replyFile: string): Promise<Buffer> {
  await openssl(dir, 'ts -reply -token_out -out token.der -in', replyFile);
  await openssl(dir, 'cms -verify -noverify -inform DER -in token.der -out tstinfo.der');
  const tstInfo = '1.2.840.113549.1.9.16.1.4';
  await openssl(
    dir,
    `cms -sign -binary -nodetach -econtent_type ${tstInfo} -in tstinfo.der -outform DER`,
    ...['-signer', 'other.pem', '-inkey', 'other.key', '-out', 'other-token.der'],
  );
  const granted = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]);
  return derSequence(Buffer.concat([granted, await readFile(join(dir, 'other-token.der'))]));
}

function derSequence(content: Buffer): Buffer {
  const length = content.length;
  const header = length < 0x80 ? Buffer.from([0x30, length]) : Buffer.from([0x30, 0x82, length >> 8, length & 0xff]); // below 64 KiB: a token is a few kilobytes
  return Buffer.concat([header, content]);
}

function configuration(dir: string, digests: string): string {
  return [
    '[ tsa ]',
    'default_tsa = tsa_config',
    '[ tsa_config ]',
    `serial = ${join(dir, 'serial')}`,
    'signer_digest = sha256',
    'default_policy = 1.2.250.1.999.1',
    `digests = ${digests}`,
    'accuracy = secs:1',
    'ordering = no',
    'tsa_name = no',
    'ess_cert_id_chain = no',
    'ess_cert_id_alg = sha256',
    '',
  ].join('\n');
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
