import { randomBytes, randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { DeploymentSecretUnwrapError } from '@dui-pds/eventstore';
import { TEST_DATABASE_URL, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { ServerUnderTest } from '../app/testing/server-under-test.js';
import { runCli } from '../cli/run-cli.js';
import { projectionCatalogue } from '../projection-catalogue.js';

const ORG = 'og-rotation';
const CSAPA = '750000001';
const USAGER = 'usager-1';

/**
 * The operator's procedure of docs/operations.md, end to end: the new master key beside the old
 * one, `dui keys rewrap`, then the new key alone; the usager's record is written and read at
 * every step, and the old key alone is refused at the end.
 */
describe('a rotation of the master key, through the server and dui keys rewrap', function () {
  this.timeout(120_000);
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('base64');
  const schema = uniqueSchema('keys');

  const amendNote = async (app: ServerUnderTest, noteId: string, text: string) => {
    const nurse = await app.loginAs('pro-nurse');
    const read = await app.request('GET', `/organisations/${ORG}/notes/${noteId}`, { as: nurse });
    return app.request('POST', `/organisations/${ORG}/notes/${noteId}/amendments`, {
      as: nurse,
      ifMatch: read.headers.get('etag')!,
      body: { text, reason: 'suivi' },
    });
  };
  const dui = async (args: string[], env: NodeJS.ProcessEnv) => {
    const [stdout, stderr] = [new PassThrough(), new PassThrough()];
    let [out, err] = ['', ''];
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const code = await runCli(['node', 'dui', ...args], {
      env: { DATABASE_URL: TEST_DATABASE_URL, DUI_SCHEMA: schema, REDIS_URL: '', ...env },
      stdout,
      stderr,
      catalogue: projectionCatalogue,
    });
    return { code, stdout: out, stderr: err };
  };

  it('keeps the record readable and writable at every step, and refuses the old key alone at the end', async () => {
    // given a nurse's note about a usager, written under the old key
    const first = await ServerUnderTest.start({}, { schema, masterKey: oldKey });
    const noteId = randomUUID();
    try {
      await first.asSystem(
        ORG,
        { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
        { type: 'AddToCareTeam', professionalId: 'pro-nurse', serviceUserId: USAGER, facilityId: CSAPA },
      );
      const written = await first.request('POST', `/organisations/${ORG}/usagers/${USAGER}/notes`, {
        as: await first.loginAs('pro-nurse'),
        body: { noteId, facilityId: CSAPA, sensitivity: 'medical', text: 'TA 12/8' },
      });
      expect(written.status, JSON.stringify(written.body)).to.equal(201);
    } finally {
      await first.close({ keepData: true });
    }

    // when the servers restart with the new key beside the old one, and the keys are re-wrapped
    const during = await ServerUnderTest.start({ DUI_PREVIOUS_MASTER_KEYS: oldKey }, { schema, masterKey: newKey });
    let rewrap: Awaited<ReturnType<typeof dui>>;
    try {
      const amended = await amendNote(during, noteId, 'TA 12/8, pouls 72');
      expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
      rewrap = await dui(['keys', 'rewrap'], { DUI_MASTER_KEY: newKey, DUI_PREVIOUS_MASTER_KEYS: oldKey });
    } finally {
      await during.close({ keepData: true });
    }

    // then the new key alone reads and writes the record
    expect(rewrap.code, rewrap.stderr).to.equal(0);
    expect(rewrap.stdout).to.include('Secrets du déploiement : 5 rechiffré(s), 0 déjà sous la clé actuelle');
    expect(rewrap.stdout).to.include('Clés de données des usagers : 1 rechiffré(s), 0 déjà sous la clé actuelle');
    const after = await ServerUnderTest.start({}, { schema, masterKey: newKey });
    try {
      const amended = await amendNote(after, noteId, 'TA 12/8, pouls 72, apyrétique');
      expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
      const read = await after.request('GET', `/organisations/${ORG}/notes/${noteId}`, {
        as: await after.loginAs('pro-nurse'),
      });
      expect(read.body.text).to.equal('TA 12/8, pouls 72, apyrétique');
    } finally {
      await after.close({ keepData: true });
    }

    // and the old key alone no longer opens anything: the server and dui refuse it, in French for the operator
    let refusal: unknown;
    try {
      await (await ServerUnderTest.start({}, { schema, masterKey: oldKey })).close({ keepData: true });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).to.be.instanceOf(DeploymentSecretUnwrapError);
    const refused = await dui(['verify'], { DUI_MASTER_KEY: oldKey });
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.include(
      'ni la clé maîtresse DUI_MASTER_KEY ni DUI_PREVIOUS_MASTER_KEYS n’ouvrent le secret',
    );
    expect(refused.stderr).not.to.include(oldKey);

    const withoutKey = await dui(['keys', 'rewrap'], {});
    expect(withoutKey.code).to.equal(2);
    expect(withoutKey.stderr).to.include('dui keys rewrap a besoin de DUI_MASTER_KEY');

    // cleaning up: the last start drops the schemas
    await (await ServerUnderTest.start({}, { schema, masterKey: newKey })).close();
  });
});
