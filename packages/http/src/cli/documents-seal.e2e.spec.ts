import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { FileSystemBlobStore, PostgresBlobStore, slotOf } from '@dui-pds/documents';
import { TEST_DATABASE_URL, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { filesHolding } from '../app/testing/files-holding.js';
import { ServerUnderTest } from '../app/testing/server-under-test.js';
import { projectionCatalogue } from '../projection-catalogue.js';
import { runCli } from './run-cli.js';

const ORG = 'og-sealing';
const CSAPA = '750000001';
const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');
const pdf = (text: string) => Buffer.from(`%PDF-1.7\n% ${text}\n%%EOF\n`);

/**
 * An upgrade's last step (ADR 0026): documents an earlier version kept in clear, the same content
 * in two usagers' records, are sealed in place by `dui documents seal`, and still read.
 */
describe('dui documents seal: the contents kept in clear by an earlier version', function () {
  this.timeout(120_000);
  const masterKey = randomBytes(32).toString('base64');
  const schema = uniqueSchema('seal');
  let blobDirectory: string;
  let app: ServerUnderTest;
  let doctor: string;

  before(async () => {
    blobDirectory = await mkdtemp(join(tmpdir(), 'dui-seal-blobs-'));
    app = await ServerUnderTest.start({ DUI_BLOB_DIR: blobDirectory }, { schema, masterKey });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: 'usager-2', facilityId: CSAPA },
    );
    doctor = await app.loginAs('pro-doctor');
  });
  after(async () => {
    await app?.close();
    await rm(blobDirectory, { recursive: true, force: true });
  });

  const documentsOf = (usager: string) => `/organisations/${ORG}/facilities/${CSAPA}/usagers/${usager}/documents`;
  const upload = (usager: string, content: Buffer) =>
    app.request('POST', documentsOf(usager), {
      as: doctor,
      body: {
        kind: 'letter',
        title: 'Lettre de liaison',
        sensitivity: 'medical',
        fileName: 'lettre.pdf',
        mediaType: 'application/pdf',
        contentBase64: content.toString('base64'),
      },
    });
  const dui = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const [stdout, stderr] = [new PassThrough(), new PassThrough()];
    let [out, err] = ['', ''];
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const code = await runCli(['node', 'dui', ...args], {
      env: {
        DATABASE_URL: TEST_DATABASE_URL,
        DUI_SCHEMA: schema,
        DUI_MASTER_KEY: masterKey,
        DUI_BLOB_DIR: blobDirectory,
        REDIS_URL: '',
        ...env,
      },
      stdout,
      stderr,
      catalogue: projectionCatalogue,
    });
    return { code, stdout: out, stderr: err };
  };
  /** The state an earlier version left: the bytes under their address, in clear, and no sealed copy. */
  const keptInClearAsBefore = async (usagers: string[], content: Buffer) => {
    const files = new FileSystemBlobStore(blobDirectory);
    for (const serviceUserId of usagers) {
      await unlink(files.sealedPathOf(slotOf({ organisationId: ORG, serviceUserId }, sha256(content))));
    }
    await files.put(content);
  };
  const contentOf = async (usager: string, documentId: string) =>
    Buffer.from(
      (await app.request('GET', `${documentsOf(usager)}/${documentId}/versions/1/content`, { as: doctor })).bytes,
    );

  it('seals each usager’s copy, deletes the clear one, and the documents still read; a second run does nothing', async () => {
    // given a letter in two usagers' records and a report in one, kept in clear as before
    const letter = pdf('Lettre de liaison : Héloïse Marchand-Distinctive');
    const report = pdf('Compte rendu : Héloïse Marchand-Distinctive');
    const [first, second, third] = [
      await upload('usager-1', letter),
      await upload('usager-2', letter),
      await upload('usager-1', report),
    ];
    expect([first.status, second.status, third.status]).to.deep.equal([201, 201, 201]);
    await keptInClearAsBefore(['usager-1', 'usager-2'], letter);
    await keptInClearAsBefore(['usager-1'], report);
    const orphan = await new FileSystemBlobStore(blobDirectory).put(
      pdf('Brouillon jamais enregistré : Marchand-Distinctive'),
    );
    expect(await filesHolding(blobDirectory, 'Marchand-Distinctive')).to.have.length(3);
    expect((await contentOf('usager-2', second.body.documentId)).equals(letter)).to.equal(true);

    // when the operator seals them, then again
    const sealed = await dui(['documents', 'seal']);
    const again = await dui(['documents', 'seal']);

    // then nothing is left in clear, every usager reads their document, and the second run seals nothing
    expect(sealed.code, sealed.stderr).to.equal(0);
    expect(sealed.stdout).to.include('Contenus des documents : 2');
    expect(sealed.stdout).to.include('Scellés pour leur usager : 3 ; déjà scellés : 0');
    expect(sealed.stdout).to.include('Copies en clair supprimées : 2 ; sans document qui les cite : 1');
    expect(await new FileSystemBlobStore(blobDirectory).has(orphan.sha256)).to.equal(false);
    expect(await filesHolding(blobDirectory, 'Marchand-Distinctive')).to.deep.equal([]);
    expect((await contentOf('usager-1', first.body.documentId)).equals(letter)).to.equal(true);
    expect((await contentOf('usager-2', second.body.documentId)).equals(letter)).to.equal(true);
    expect((await contentOf('usager-1', third.body.documentId)).equals(report)).to.equal(true);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.include('Scellés pour leur usager : 0 ; déjà scellés : 3');
    expect(again.stdout).to.include('Copies en clair supprimées : 0 ; sans document qui les cite : 0');
  });

  it('leaves a missing content as it is and exits 1; refuses to run without the master key', async () => {
    // given a document whose bytes are neither sealed nor in clear any more
    const lost = pdf('Ordonnance perdue');
    const uploaded = await upload('usager-2', lost);
    await unlink(
      new FileSystemBlobStore(blobDirectory).sealedPathOf(
        slotOf({ organisationId: ORG, serviceUserId: 'usager-2' }, sha256(lost)),
      ),
    );

    // when
    const run = await dui(['documents', 'seal']);
    const withoutKey = await dui(['documents', 'seal'], { DUI_MASTER_KEY: '' });

    // then
    expect(uploaded.status).to.equal(201);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.include('Introuvables : 1 ; altérés : 0');
    expect(run.stderr).to.include('introuvable');
    expect(withoutKey.code).to.equal(2);
    expect(withoutKey.stderr).to.include('DUI_MASTER_KEY');
  });

  it('finds the bytes where the servers keep them with DUI_BLOB_STORE=postgres', async () => {
    // given a server keeping the bytes in the database, and a document kept in clear there as before
    const inDatabaseSchema = uniqueSchema('sealpg');
    const inDatabase = await ServerUnderTest.start(
      { DUI_BLOB_STORE: 'postgres' },
      { schema: inDatabaseSchema, masterKey },
    );
    try {
      await inDatabase.asSystem(
        ORG,
        { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
        { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: 'usager-3', facilityId: CSAPA },
      );
      const content = pdf('Compte rendu gardé en base : Marchand-Distinctive');
      const uploaded = await inDatabase.request(
        'POST',
        `/organisations/${ORG}/facilities/${CSAPA}/usagers/usager-3/documents`,
        {
          as: await inDatabase.loginAs('pro-doctor'),
          body: {
            kind: 'medicalReport',
            title: 'Compte rendu',
            sensitivity: 'medical',
            fileName: 'cr.pdf',
            mediaType: 'application/pdf',
            contentBase64: content.toString('base64'),
          },
        },
      );
      expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);
      const storage = new PostgresBlobStore(inDatabase.server.knex, { schema: `${inDatabaseSchema}_blobs` });
      await storage.deleteSealed(slotOf({ organisationId: ORG, serviceUserId: 'usager-3' }, sha256(content)));
      await storage.put(content);

      // when
      const sealed = await dui(['documents', 'seal'], { DUI_SCHEMA: inDatabaseSchema, DUI_BLOB_STORE: 'postgres' });

      // then
      expect(sealed.code, sealed.stderr).to.equal(0);
      expect(sealed.stdout).to.include('Scellés pour leur usager : 1 ; déjà scellés : 0');
      expect(await storage.has(sha256(content))).to.equal(false);
      const read = await inDatabase.request(
        'GET',
        `/organisations/${ORG}/facilities/${CSAPA}/usagers/usager-3/documents/${uploaded.body.documentId}/versions/1/content`,
        { as: await inDatabase.loginAs('pro-doctor') },
      );
      expect(Buffer.from(read.bytes).equals(content)).to.equal(true);
    } finally {
      await inDatabase.close();
    }
  });
});
