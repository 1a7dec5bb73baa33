import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type LocalTimestampAuthority,
  rewriteStreamFrom,
  slipIntoThePastOfTheLog,
  startLocalTimestampAuthority,
  tamperWith,
  testEvents,
  uniqueOrganisationId,
} from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { CliDatabase } from './testing/cli-under-test.js';

describe('dui anchor, then dui verify --anchor', function () {
  this.timeout(120_000);
  let database: CliDatabase;
  let folder: string;
  let anchorFile: string;
  let organisation: string;

  beforeEach(async () => {
    database = new CliDatabase();
    folder = await mkdtemp(join(tmpdir(), 'dui-anchor-'));
    anchorFile = join(folder, 'ancre.json');
    const migrate = await database.run(['migrate']);
    expect(migrate.code, migrate.stderr).to.equal(0);
    organisation = uniqueOrganisationId();
    await appendTo('registre-a', 3);
    await appendTo('registre-b', 2);
  });
  afterEach(async () => {
    await database.drop();
    await rm(folder, { recursive: true, force: true });
  });

  async function appendTo(streamId: string, count: number): Promise<void> {
    await database.withStore(({ store }) => store.appendToStream(streamId, testEvents(organisation, count)));
  }

  async function anchored(): Promise<string> {
    const run = await database.run(['anchor', '--out', anchorFile]);
    expect(run.code, run.stderr).to.equal(0);
    // every test anchors the log of beforeEach
    expect(run.stderr).to.match(/Ancre du [0-9TZ:.-]+ : 5 événement\(s\) dans 2 flux, écrite dans /);
    const digest = /Empreinte à publier hors de la base : ([0-9a-f]{64})/.exec(run.stderr)?.[1];
    expect(digest, run.stderr).to.be.a('string');
    return digest!;
  }

  it('writes the end of every stream and the digest to publish, and verifies against it as the log grows', async () => {
    // given the log of beforeEach, anchored
    const digest = await anchored();

    // when the log grows, then is verified against the anchor
    await appendTo('registre-a', 1);
    await appendTo('registre-c', 1);
    const run = await database.run(['verify', '--anchor', anchorFile]);

    // then the file names each stream's end then, and the verification the digest the auditor compares
    const anchor = JSON.parse(await readFile(anchorFile, 'utf8'));
    expect(anchor.digest).to.equal(digest);
    expect(anchor.log.events).to.equal(5);
    expect(
      anchor.streams.map((end: { streamId: string; revision: number }) => [end.streamId, end.revision]),
    ).to.deep.equal([
      ['registre-a', 2],
      ['registre-b', 1],
    ]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include('Intégrité vérifiée : 7 événement(s) dans 3 flux, chaînes de hachage intactes');
    expect(run.stdout).to.include(`conformes à l’ancre du ${anchor.takenAt} (empreinte ${digest})`);
  });

  it('exits 1 when a stream was rewritten since, though its chain was recomputed', async () => {
    // given the log anchored
    await anchored();

    // when registre-a is rewritten from revision 1 by someone who knows the chain formula
    await database.withStore(async ({ store, knex }) => {
      const events = await store.readStream('registre-a');
      await rewriteStreamFrom(knex, database.schema, events, 1, { note: 'dose falsifiée' });
    });
    const withoutAnchor = await database.run(['verify']);
    const withAnchor = await database.run(['verify', '--anchor', anchorFile]);

    // then
    expect(withoutAnchor.code, withoutAnchor.stderr).to.equal(0);
    expect(withAnchor.code).to.equal(1);
    expect(withAnchor.stderr).to.include('erreur : intégrité rompue : flux réécrit depuis l’ancre');
    expect(withAnchor.stderr).to.include('flux « registre-a », révision 2');
    expect(withAnchor.stderr).not.to.include('dose falsifiée');
  });

  it('exits 1 when a stream begun since was slipped into the past of the log, though every chain verifies', async () => {
    // given the log anchored, and a stream begun since
    await anchored();
    await appendTo('registre-c', 1);

    // when its event is given a transaction id older than the whole log's, so that readers take it first
    await database.withStore(({ knex }) => slipIntoThePastOfTheLog(knex, database.schema, 'registre-c'));
    const withoutAnchor = await database.run(['verify']);
    const withAnchor = await database.run(['verify', '--anchor', anchorFile]);

    // then
    expect(withoutAnchor.code, withoutAnchor.stderr).to.equal(0);
    expect(withAnchor.code).to.equal(1);
    expect(withAnchor.stderr).to.include('erreur : intégrité rompue : événement inséré');
    expect(withAnchor.stderr).to.include('flux « registre-c », révision 0');
  });

  it('exits 1 when the anchor file was changed after it was taken, and 2 when it is not an anchor', async () => {
    // given the log anchored, and the anchor edited to an earlier end of registre-a
    await anchored();
    const anchor = JSON.parse(await readFile(anchorFile, 'utf8'));
    anchor.streams[0].revision = 1;
    await writeFile(anchorFile, JSON.stringify(anchor));
    const notAnAnchor = join(folder, 'autre.json');
    await writeFile(notAnAnchor, '{"bonjour": true}');

    // when
    const edited = await database.run(['verify', '--anchor', anchorFile]);
    const other = await database.run(['verify', '--anchor', notAnAnchor]);
    const missing = await database.run(['verify', '--anchor', join(folder, 'absente.json')]);

    // then
    expect(edited.code).to.equal(1);
    expect(edited.stderr).to.include('a été modifiée après avoir été prise');
    expect([other.code, missing.code]).to.deep.equal([2, 2]);
    expect(other.stderr).to.include('n’est pas une ancre écrite par dui anchor');
    expect(missing.stderr).to.include('impossible de lire l’ancre');
  });

  it('does not anchor a log that does not verify, and leaves no file behind', async () => {
    // given registre-b's data altered in SQL
    await database.withStore(({ knex }) =>
      tamperWith(knex, database.schema, (trx) =>
        trx.raw(`update ${database.schema}.events set data = '{"index":7}' where stream_id = 'registre-b'`),
      ),
    );

    // when
    const run = await database.run(['anchor', '--out', anchorFile]);

    // then
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('intégrité rompue, journal non ancré : événement altéré');
    await expectNoAnchorAt(anchorFile);
  });

  describe('time-stamped by an RFC 3161 authority', () => {
    let authority: LocalTimestampAuthority;
    let authorityCa: string;

    before(async () => {
      authority = await startLocalTimestampAuthority();
    });
    after(() => authority.close());
    beforeEach(async () => {
      authorityCa = join(folder, 'ac-horodatage.pem');
      await writeFile(authorityCa, authority.caCertificate);
    });

    it('keeps the authority’s token in the anchor, and verify says when and by whom, trusted with --tsa-ca', async () => {
      // given the log of beforeEach, anchored with the authority of DUI_TSA_URL
      const anchoring = await database.run(['anchor', '--out', anchorFile], { DUI_TSA_URL: authority.url });
      expect(anchoring.code, anchoring.stderr).to.equal(0);

      // when verified with the authority's certificate authority trusted, then without
      const trusted = await database.run(['verify', '--anchor', anchorFile, '--tsa-ca', authorityCa]);
      const untold = await database.run(['verify', '--anchor', anchorFile]);

      // then
      const anchor = JSON.parse(await readFile(anchorFile, 'utf8'));
      expect(anchor.timestamp.authority).to.equal(authority.url);
      expect(anchoring.stderr).to.include(`Horodatée le ${anchor.timestamp.time} par ${authority.url}.`);
      expect(trusted.code, trusted.stderr).to.equal(0);
      expect(trusted.stdout).to.include(
        `Ancre horodatée le ${anchor.timestamp.time} par « Horodatage de test DUI-PDS » ` +
          '(certificat vérifié jusqu’à une autorité de confiance, révocation non vérifiée faute de --tsa-crl).',
      );
      expect(untold.code, untold.stderr).to.equal(0);
      expect(untold.stdout).to.include('certificat non vérifié faute de --tsa-ca');
    });

    it('checks the authority against its issuer’s revocation list with --tsa-crl: exit 1 once its key is compromised', async () => {
      // given a time-stamped anchor, and two lists of the authority's issuer: one that revokes
      // nothing, one published after the authority's key was compromised
      expect((await database.run(['anchor', '--tsa', authority.url, '--out', anchorFile])).code).to.equal(0);
      const good = join(folder, 'lcr.pem');
      const compromised = join(folder, 'lcr-compromise.pem');
      await writeFile(good, await authority.revocationList());
      await writeFile(
        compromised,
        await authority.revocationList({ revoked: { at: new Date(Date.now() + 60_000), reason: 'keyCompromise' } }),
      );

      // when verified against each, and with a list but no trusted certificate
      const holds = await database.run(['verify', '--anchor', anchorFile, '--tsa-ca', authorityCa, '--tsa-crl', good]);
      const revoked = await database.run(['verify', '--anchor', anchorFile, '--tsa-ca', authorityCa], {
        DUI_TSA_CRL: compromised,
      });
      const untrusted = await database.run(['verify', '--anchor', anchorFile, '--tsa-crl', good]);

      // then
      expect(holds.code, holds.stderr).to.equal(0);
      expect(holds.stdout).to.include('non révoqué selon la liste de révocation donnée');
      expect(revoked.code).to.equal(1);
      expect(revoked.stderr).to.include('le certificat de l’autorité d’horodatage est révoqué (clé compromise');
      expect(revoked.stderr).not.to.include('Vérification de tout le journal');
      expect(untrusted.code).to.equal(2);
      expect(untrusted.stderr).to.include('se vérifient avec les certificats de confiance (--tsa-ca)');
    });

    it('renews the time-stamp with dui renew-anchor, shown by verify; a refusing authority leaves the file as it was', async () => {
      // given an anchor stamped by the authority, a second authority, and a file trusting both
      const second = await startLocalTimestampAuthority();
      const refusing = await startLocalTimestampAuthority('refusing');
      try {
        expect((await database.run(['anchor', '--tsa', authority.url, '--out', anchorFile])).code).to.equal(0);
        const bothAuthorities = join(folder, 'deux-ac.pem');
        await writeFile(bothAuthorities, authority.caCertificate + second.caCertificate);
        const unstamped = join(folder, 'sans-horodatage.json');
        expect((await database.run(['anchor', '--out', unstamped])).code).to.equal(0);

        // when the second authority renews it, first with only the first authority's root trusted,
        // then with both; the renewed anchor is verified, a refusing authority is asked for another
        // renewal, and an anchor never stamped is given
        const stamped = await readFile(anchorFile, 'utf8');
        const untrustedRenewal = await database.run(['renew-anchor', anchorFile, '--tsa-ca', authorityCa], {
          DUI_TSA_URL: second.url,
        });
        const afterUntrusted = await readFile(anchorFile, 'utf8');
        const renewing = await database.run(['renew-anchor', anchorFile, '--tsa-ca', bothAuthorities], {
          DUI_TSA_URL: second.url,
        });
        const renewed = await readFile(anchorFile, 'utf8');
        const verified = await database.run(['verify', '--anchor', anchorFile, '--tsa-ca', bothAuthorities]);
        const refused = await database.run(['renew-anchor', anchorFile, '--tsa', refusing.url]);
        const notStamped = await database.run(['renew-anchor', unstamped, '--tsa', second.url]);

        // then
        expect(untrustedRenewal.code).to.equal(3);
        expect(untrustedRenewal.stderr).to.include('n’est pas un jeton valide');
        expect(afterUntrusted).to.equal(stamped);
        expect(renewing.code, renewing.stderr).to.equal(0);
        const anchor = JSON.parse(renewed);
        expect(anchor.renewals).to.have.length(1);
        expect(renewing.stderr).to.include(`renouvelé le ${anchor.renewals[0].time} par ${second.url}`);
        expect(verified.code, verified.stderr).to.equal(0);
        expect(verified.stdout).to.include(
          `Horodatage renouvelé (n° 1) le ${anchor.renewals[0].time} par « Horodatage de test DUI-PDS » ` +
            '(certificat vérifié jusqu’à une autorité de confiance',
        );
        expect(refused.code).to.equal(3);
        expect(refused.stderr).to.include('aucune ancre écrite ni renouvelée');
        expect(await readFile(anchorFile, 'utf8')).to.equal(renewed);
        expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
        expect(notStamped.code).to.equal(2);
        expect(notStamped.stderr).to.include('n’est pas horodatée : prenez-en une avec dui anchor --tsa');
      } finally {
        await Promise.all([second.close(), refusing.close()]);
      }
    });

    it('renews only when due with --due-within, for a scheduled task; verify says until when the proof holds', async () => {
      // given an anchor stamped by an authority whose certificate ends in two days
      expect((await database.run(['anchor', '--tsa', authority.url, '--out', anchorFile])).code).to.equal(0);
      const stamped = await readFile(anchorFile, 'utf8');
      const requestsBefore = authority.requests;

      // when verified, renewed with a margin of one day (not due), then of thirty (due), then given a bad margin
      const verified = await database.run(['verify', '--anchor', anchorFile, '--tsa-ca', authorityCa]);
      const notDue = await database.run(['renew-anchor', anchorFile, '--tsa-ca', authorityCa, '--due-within', '1'], {
        DUI_TSA_URL: authority.url,
      });
      const afterNotDue = await readFile(anchorFile, 'utf8');
      const requestsWhenNotDue = authority.requests;
      const due = await database.run(['renew-anchor', anchorFile, '--tsa-ca', authorityCa, '--due-within', '30'], {
        DUI_TSA_URL: authority.url,
      });
      const badMargin = await database.run(['renew-anchor', anchorFile, '--due-within', 'bientôt'], {
        DUI_TSA_URL: authority.url,
      });

      // then nothing was asked nor written when not due; the due one was renewed
      const validUntil = /À renouveler avant le (\S+), fin du certificat de sa dernière autorité/.exec(
        verified.stdout,
      )?.[1];
      expect(verified.code, verified.stderr).to.equal(0);
      const daysLeft = (new Date(validUntil ?? '').getTime() - Date.now()) / 86_400_000;
      expect(daysLeft).to.be.within(1, 2.01);
      expect(notDue.code, notDue.stderr).to.equal(0);
      expect(notDue.stderr).to.include(`vaut jusqu’au ${validUntil} ; à renouveler à partir du`);
      expect(afterNotDue).to.equal(stamped);
      expect(requestsWhenNotDue).to.equal(requestsBefore);
      expect(due.code, due.stderr).to.equal(0);
      expect(JSON.parse(await readFile(anchorFile, 'utf8')).renewals).to.have.length(1);
      expect(badMargin.code).to.equal(2);
      expect(badMargin.stderr).to.include('un nombre entier de jours');
    });

    it('exits 1 before walking the log when the anchor carries the token of another anchor', async () => {
      // given two time-stamped anchors, the log grown between them
      const first = join(folder, 'premiere.json');
      expect((await database.run(['anchor', '--tsa', authority.url, '--out', first])).code).to.equal(0);
      await appendTo('registre-a', 1);
      expect((await database.run(['anchor', '--tsa', authority.url, '--out', anchorFile])).code).to.equal(0);

      // when the second is given the first's token, then verified
      const second = JSON.parse(await readFile(anchorFile, 'utf8'));
      second.timestamp = JSON.parse(await readFile(first, 'utf8')).timestamp;
      await writeFile(anchorFile, JSON.stringify(second));
      const run = await database.run(['verify', '--anchor', anchorFile, '--tsa-ca', authorityCa]);

      // then
      expect(run.code).to.equal(1);
      expect(run.stderr).to.include('horodatage de l’ancre non conforme : le jeton d’horodatage ne porte pas sur');
      expect(run.stderr).not.to.include('Vérification de tout le journal');
    });

    it('sends the user and password of the authority’s URL, and writes them nowhere', async () => {
      // given an authority that asks for a user and password
      const guarded = await startLocalTimestampAuthority('granting', {
        credentials: { user: 'etab', password: 's3cret' },
      });
      const wrongFile = join(folder, 'refusee.json');
      try {
        const at = (password: string) => guarded.url.replace('http://', `http://etab:${password}@`);

        // when anchoring with them in DUI_TSA_URL, then with a wrong password
        const run = await database.run(['anchor', '--out', anchorFile], { DUI_TSA_URL: at('s3cret') });
        const wrong = await database.run(['anchor', '--out', wrongFile], { DUI_TSA_URL: at('faux') });

        // then the anchor is stamped, names the authority without them, and nothing printed holds them
        expect(run.code, run.stderr).to.equal(0);
        const kept = await readFile(anchorFile, 'utf8');
        expect(JSON.parse(kept).timestamp.authority).to.equal(guarded.url);
        expect(kept + run.stdout + run.stderr + wrong.stderr).not.to.include('s3cret');
        expect(wrong.code).to.equal(3);
        expect(wrong.stderr).to.include('a refusé de dater l’ancre (HTTP 401 : utilisateur et mot de passe');
        await expectNoAnchorAt(wrongFile);
      } finally {
        await guarded.close();
      }
    });

    it('writes no anchor when the authority refuses, and says so in French (exit 3)', async () => {
      // given an authority that refuses SHA-256 imprints
      const refusing = await startLocalTimestampAuthority('refusing');
      try {
        // when
        const run = await database.run(['anchor', '--tsa', refusing.url, '--out', anchorFile]);

        // then
        expect(run.code).to.equal(3);
        expect(run.stderr).to.include(
          'l’autorité d’horodatage a refusé de dater l’ancre : aucune ancre écrite ni renouvelée',
        );
        await expectNoAnchorAt(anchorFile);
      } finally {
        await refusing.close();
      }
    });
  });
});

async function expectNoAnchorAt(path: string): Promise<void> {
  await readFile(path).then(
    () => expect.fail('an anchor was written'),
    (error: NodeJS.ErrnoException) => expect(error.code).to.equal('ENOENT'),
  );
}
