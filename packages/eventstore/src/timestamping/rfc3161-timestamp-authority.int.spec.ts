import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { type Anchor, anchorOf, digestedContent, parseAnchor } from '../anchor.js';
import { TimestampError } from '../errors.js';
import { type LocalTimestampAuthority, startLocalTimestampAuthority } from '../testing/local-timestamp-authority.js';
import { rfc3161TimestampAuthority } from './rfc3161-timestamp-authority.js';
import { timestampAnchor } from './timestamp-authority.js';
import { checkAnchorTimestamp } from './timestamp-token.js';

const run = promisify(execFile);
const HASH = 'ab'.repeat(32);

function anAnchor(register = 'registre-stupefiants', takenAt = new Date()): Anchor {
  return anchorOf([{ streamId: register, revision: 4, hash: HASH }], takenAt, { events: 5, hash: 'cd'.repeat(32) });
}

async function rejectionOf(promise: Promise<unknown>): Promise<TimestampError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(TimestampError);
    return error as TimestampError;
  }
  throw new Error('expected a TimestampError');
}

/** The token with one digit of its generation time changed: what someone who wants another date would do. */
function withAnotherTime(anchor: Anchor, time: Date): Anchor {
  const token = Buffer.from(anchor.timestamp!.token, 'base64');
  const generalized = time.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const at = token.indexOf(Buffer.from(generalized, 'ascii'));
  expect(at, 'the generation time in the token').to.be.greaterThan(0);
  token[at + 3] = token[at + 3] === 0x37 ? 0x36 : 0x37; // the year's last digit
  return { ...anchor, timestamp: { ...anchor.timestamp!, token: token.toString('base64') } };
}

describe('RFC 3161 time-stamps of anchors, with a local authority (OpenSSL)', function () {
  this.timeout(30_000);
  let authority: LocalTimestampAuthority;
  let otherAuthority: LocalTimestampAuthority;

  before(async () => {
    [authority, otherAuthority] = await Promise.all([startLocalTimestampAuthority(), startLocalTimestampAuthority()]);
  });
  after(async () => {
    await Promise.all([authority.close(), otherAuthority.close()]);
  });

  describe('an authority that grants', () => {
    it('signs the anchor’s digest with its time, checked against its certificate authority', async () => {
      const before = Date.now();
      const anchor = anAnchor();

      const stamped = await timestampAnchor(anchor, rfc3161TimestampAuthority({ url: authority.url }));

      expect(stamped.digest).to.equal(anchor.digest);
      expect(stamped.timestamp?.authority).to.equal(authority.url);
      const checked = await checkAnchorTimestamp(stamped, { trustedCertificates: authority.caCertificate });
      expect(checked).to.deep.include({ ok: true, authority: 'Horodatage de test DUI-PDS', trusted: true });
      // OpenSSL stamps whole seconds
      const time = checked?.ok ? checked.time.getTime() : Number.NaN;
      expect(time).to.be.within(before - 1_000, Date.now());
      expect(new Date(stamped.timestamp!.time).getTime()).to.equal(time);
    });

    it('keeps the token through the anchor’s JSON', async () => {
      const stamped = await timestampAnchor(anAnchor(), rfc3161TimestampAuthority({ url: authority.url }));

      const readBack = parseAnchor(JSON.parse(JSON.stringify(stamped)));

      expect(readBack).to.deep.equal(stamped);
      expect(await checkAnchorTimestamp(readBack, { trustedCertificates: authority.caCertificate })).to.include({
        ok: true,
      });
    });

    it('gives a token OpenSSL verifies against the digest alone, as an auditor without our tools would', async () => {
      const stamped = await timestampAnchor(anAnchor(), rfc3161TimestampAuthority({ url: authority.url }));
      const folder = await mkdtemp(join(tmpdir(), 'dui-token-'));
      try {
        await writeFile(join(folder, 'token.der'), Buffer.from(stamped.timestamp!.token, 'base64'));
        await writeFile(join(folder, 'ca.pem'), authority.caCertificate);

        const verify = (digest: string) =>
          run('openssl', ['ts', '-verify', '-digest', digest, '-token_in', '-in', 'token.der', '-CAfile', 'ca.pem'], {
            cwd: folder,
          });

        expect((await verify(stamped.digest)).stdout).to.include('Verification: OK');
        await verify('ef'.repeat(32)).then(
          () => expect.fail('OpenSSL verified the token against another digest'),
          (error: { stdout: string }) => expect(error.stdout).to.include('Verification: FAILED'),
        );
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    });

    it('checks the signature alone when no certificate is trusted, and says so', async () => {
      const stamped = await timestampAnchor(anAnchor(), rfc3161TimestampAuthority({ url: authority.url }));

      expect(await checkAnchorTimestamp(stamped)).to.include({ ok: true, trusted: false });
    });

    it('gives nothing to check for an anchor without a time-stamp', async () => {
      expect(await checkAnchorTimestamp(anAnchor())).to.equal(undefined);
    });

    it('refuses a token whose authority does not chain to the trusted ones', async () => {
      const stamped = await timestampAnchor(anAnchor(), rfc3161TimestampAuthority({ url: authority.url }));

      const checked = await checkAnchorTimestamp(stamped, { trustedCertificates: otherAuthority.caCertificate });

      expect(checked).to.include({ ok: false, problem: 'untrusted' });
    });

    it('refuses, when asked to trust only others, to keep its token', async () => {
      const asking = rfc3161TimestampAuthority({
        url: authority.url,
        trustedCertificates: otherAuthority.caCertificate,
      });

      const error = await rejectionOf(asking.timestamp(digestedContent(anAnchor())));

      expect(error.reason).to.equal('invalid-response');
      expect(error.message).to.contain('untrusted');
    });
  });

  describe('a token moved or changed', () => {
    it('is not over another anchor’s digest', async () => {
      const stamped = await timestampAnchor(anAnchor(), rfc3161TimestampAuthority({ url: authority.url }));
      const other = anAnchor('registre-ordonnancier');

      const checked = await checkAnchorTimestamp({ ...other, timestamp: stamped.timestamp! });

      expect(checked).to.include({ ok: false, problem: 'imprint' });
    });

    it('no longer holds its signature when its time is changed', async () => {
      const stamped = await timestampAnchor(anAnchor(), rfc3161TimestampAuthority({ url: authority.url }));
      const checkedFirst = await checkAnchorTimestamp(stamped);
      const time = checkedFirst?.ok ? checkedFirst.time : new Date(Number.NaN);

      const checked = await checkAnchorTimestamp(withAnotherTime(stamped, time), {
        trustedCertificates: authority.caCertificate,
      });

      expect(checked).to.include({ ok: false, problem: 'signature' });
    });

    it('does not say the time the anchor file gives when that was edited', async () => {
      const stamped = await timestampAnchor(anAnchor(), rfc3161TimestampAuthority({ url: authority.url }));
      const edited = { ...stamped, timestamp: { ...stamped.timestamp!, time: '2020-01-01T00:00:00.000Z' } };

      expect(await checkAnchorTimestamp(edited)).to.include({ ok: false, problem: 'time' });
    });

    it('is malformed when it is not a time-stamp token', async () => {
      const anchor = { ...anAnchor(), timestamp: { authority: 'x', time: new Date().toISOString(), token: 'AAEC' } };

      expect(await checkAnchorTimestamp(anchor)).to.include({ ok: false, problem: 'malformed' });
    });
  });

  describe('an authority that does not grant', () => {
    it('refuses: the error carries its status text', async () => {
      const refusing = await startLocalTimestampAuthority('refusing');
      try {
        const error = await rejectionOf(
          rfc3161TimestampAuthority({ url: refusing.url }).timestamp(digestedContent(anAnchor())),
        );

        expect(error.reason).to.equal('refused');
        expect(error.message).to.match(/status 2.*not supported/);
      } finally {
        await refusing.close();
      }
    });

    it('replays an earlier answer: its nonce is not ours', async () => {
      const replaying = await startLocalTimestampAuthority('replaying');
      try {
        const asking = rfc3161TimestampAuthority({ url: replaying.url });
        const anchor = anAnchor();
        await asking.timestamp(digestedContent(anchor));

        const error = await rejectionOf(asking.timestamp(digestedContent(anchor)));

        expect(error.reason).to.equal('invalid-response');
        expect(error.message).to.contain('nonce');
        expect(replaying.requests).to.equal(2);
      } finally {
        await replaying.close();
      }
    });

    it('signs with a certificate of its authority that is not for time-stamping', async () => {
      const impostor = await startLocalTimestampAuthority('signingWithoutTimeStampingUsage');
      try {
        const asking = rfc3161TimestampAuthority({ url: impostor.url, trustedCertificates: impostor.caCertificate });

        const error = await rejectionOf(asking.timestamp(digestedContent(anAnchor())));

        expect(error.reason).to.equal('invalid-response');
        expect(error.message).to.contain('not a time-stamping certificate');
      } finally {
        await impostor.close();
      }
    });

    it('cannot be reached', async () => {
      const closed = await startLocalTimestampAuthority();
      await closed.close();

      const error = await rejectionOf(
        rfc3161TimestampAuthority({ url: closed.url }).timestamp(digestedContent(anAnchor())),
      );

      expect(error.reason).to.equal('unreachable');
    });

    it('does not answer in time', async () => {
      const silent: Server = createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = silent.address() as AddressInfo;
        const asking = rfc3161TimestampAuthority({ url: `http://127.0.0.1:${port}/tsa`, timeoutMs: 200 });

        const error = await rejectionOf(asking.timestamp(digestedContent(anAnchor())));

        expect(error.reason).to.equal('unreachable');
      } finally {
        silent.close();
      }
    });

    it('is given trusted certificates that are not certificates', async () => {
      const stamped = await timestampAnchor(anAnchor(), rfc3161TimestampAuthority({ url: authority.url }));
      const garbage = '-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n';

      const error = await rejectionOf(checkAnchorTimestamp(stamped, { trustedCertificates: garbage }));

      expect(error.reason).to.equal('invalid-certificates');
    });
  });
});
