import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  describeTimestamp,
  describeTimestampProblem,
  readRevocationLists,
  readTrustedCertificates,
  timestampAuthoritySetting,
} from './anchor-timestamp.js';
import { UsageError } from './cli-errors.js';

describe('dui’s time-stamp settings', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'dui-tsa-settings-'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('takes an http or https authority, and refuses anything else before the log is walked', () => {
    expect(timestampAuthoritySetting('https://horodatage.example.fr/tsa')).to.deep.equal({
      url: 'https://horodatage.example.fr/tsa',
    });
    expect(timestampAuthoritySetting(undefined)).to.equal(undefined);
    for (const wrong of ['horodatage.example.fr', 'ftp://horodatage.example.fr', ''])
      expect(() => timestampAuthoritySetting(wrong), wrong).to.throw(UsageError, 'URL http ou https');
  });

  it('takes the user and password out of the authority’s URL', () => {
    expect(timestampAuthoritySetting('https://etab%2042:p%40ss@horodatage.example.fr/tsa')).to.deep.equal({
      url: 'https://horodatage.example.fr/tsa',
      credentials: { user: 'etab 42', password: 'p@ss' },
    });
  });

  it('refuses a certificates file that cannot be read or holds no certificate, in French', async () => {
    // given a file with no certificate in it, and one with a block that is not a certificate
    const empty = join(folder, 'vide.pem');
    await writeFile(empty, 'rien ici\n');
    const garbage = join(folder, 'faux.pem');
    await writeFile(garbage, '-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n');

    // then
    for (const [path, said] of [
      [join(folder, 'absent.pem'), 'impossible de lire les certificats de confiance'],
      [empty, 'aucun certificat X.509 lisible'],
      [garbage, 'aucun certificat X.509 lisible'],
    ] as const) {
      const error = await readTrustedCertificates(path).then(
        () => expect.fail(`${path} was accepted`),
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(UsageError).with.property('message').that.includes(said);
    }
    expect(await readTrustedCertificates(undefined)).to.equal(undefined);
  });

  it('refuses revocation lists without trusted certificates, unreadable, or holding no list, in French', async () => {
    // given a file whose block is not a revocation list
    const garbage = join(folder, 'fausse-lcr.pem');
    await writeFile(garbage, '-----BEGIN X509 CRL-----\nAAEC\n-----END X509 CRL-----\n');
    const trusted = '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n';

    // then
    for (const [path, trust, said] of [
      [garbage, undefined, 'se vérifient avec les certificats de confiance (--tsa-ca)'],
      [join(folder, 'absente.pem'), trusted, 'impossible de lire les listes de révocation'],
      [garbage, trusted, 'aucune liste de révocation X.509 lisible'],
    ] as const) {
      const error = await readRevocationLists(path, trust).then(
        () => expect.fail(`${path} was accepted`),
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.include(said);
    }
    expect(await readRevocationLists(undefined, trusted)).to.equal(undefined);
  });

  it('says when the date an anchor gives itself is not the one its stamp proves', () => {
    // given a stamp at 06:00:01, trusted
    const stamp = {
      ok: true as const,
      time: new Date('2026-11-30T06:00:01Z'),
      authority: 'TSA',
      trusted: true,
      revocationChecked: false,
      validUntil: new Date('2031-11-30T00:00:00Z'),
      renewals: [],
    };

    // when the anchor says it was taken a few seconds before, two hours before, and five minutes after
    const onTime = describeTimestamp(stamp, '2026-11-30T05:59:58.000Z');
    const backdated = describeTimestamp(stamp, '2026-11-30T04:00:00.000Z');
    const ahead = describeTimestamp(stamp, '2026-11-30T06:05:00.000Z');

    // then
    expect(onTime).to.equal(
      'Ancre horodatée le 2026-11-30T06:00:01.000Z par « TSA » (certificat vérifié jusqu’à une autorité de confiance, ' +
        'révocation non vérifiée faute de --tsa-crl). À renouveler avant le 2031-11-30T00:00:00.000Z, fin du ' +
        'certificat de sa dernière autorité (dui renew-anchor).',
    );
    expect(backdated).to.include('l’ancre se dit prise le 2026-11-30T04:00:00.000Z, 120 min avant son horodatage');
    expect(ahead).to.include('après son horodatage : l’horloge du serveur qui l’a prise avançait');
  });

  it('lists the renewals after the first stamp, and names the renewal that does not hold', () => {
    // given a stamp renewed once, by an authority checked against its revocation list
    const stamp = {
      ok: true as const,
      time: new Date('2026-11-30T06:00:01Z'),
      authority: 'TSA',
      trusted: true,
      revocationChecked: true,
      validUntil: new Date('2031-12-01T00:00:00Z'),
      renewals: [
        {
          time: new Date('2031-11-30T06:00:00Z'),
          authority: 'TSA 2',
          trusted: true,
          revocationChecked: false,
          validUntil: new Date('2036-11-30T00:00:00Z'),
        },
      ],
    };

    // when
    const told = describeTimestamp(stamp, '2026-11-30T06:00:00.000Z');
    const problem = describeTimestampProblem({ ok: false, problem: 'revoked', detail: 'revoked', renewal: 1 });

    // then
    expect(told).to.equal(
      'Ancre horodatée le 2026-11-30T06:00:01.000Z par « TSA » (certificat vérifié jusqu’à une autorité de ' +
        'confiance, non révoqué selon la liste de révocation donnée). Horodatage renouvelé (n° 1) le ' +
        '2031-11-30T06:00:00.000Z par « TSA 2 » (certificat vérifié jusqu’à une autorité de confiance, ' +
        'révocation non vérifiée faute de --tsa-crl). À renouveler avant le 2036-11-30T00:00:00.000Z, fin du ' +
        'certificat de sa dernière autorité (dui renew-anchor).',
    );
    expect(problem).to.match(/^horodatage de l’ancre non conforme \(renouvellement n° 1\) : le certificat/);
  });
});
