import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateDevelopmentMasterKey,
  isEncryptedData,
  KnexDataKeyStore,
  loadMasterKey,
  type RecordedEvent,
  withCryptoShredding,
} from '@dui-pds/eventstore';
import { testEvent, testEvents, uniqueOrganisationId } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { CliDatabase } from './testing/cli-under-test.js';

describe('dui export-stream', function () {
  this.timeout(120_000);
  let database: CliDatabase;
  const organisation = uniqueOrganisationId();

  beforeEach(async () => {
    database = new CliDatabase();
    expect((await database.run(['migrate'])).code).to.equal(0);
  });
  afterEach(() => database.drop());

  function asExported(event: RecordedEvent) {
    const { id, type, version, streamId, streamRevision, globalPosition, metadata, data, hash } = event;
    return {
      id,
      type,
      version,
      streamId,
      streamRevision,
      globalPosition: String(globalPosition),
      metadata,
      data,
      hash,
    };
  }

  function jsonLines(text: string): unknown[] {
    return text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
  }

  it('prints the events of a stream as JSON lines, in revision order', async () => {
    // given
    const opened = await database.open();
    let stored: RecordedEvent[];
    try {
      await opened.store.appendToStream('dossier-a', testEvents(organisation, 3));
      await opened.store.appendToStream('dossier-b', testEvents(organisation, 2));
      stored = await opened.store.readStream('dossier-a');
    } finally {
      await opened.close();
    }

    // when
    const run = await database.run(['export-stream', 'dossier-a']);

    // then
    expect(run.code, run.stderr).to.equal(0);
    expect(jsonLines(run.stdout)).to.deep.equal(stored.map(asExported));
    expect(run.stderr).to.include('3 événement(s) exporté(s)');
  });

  it('decrypts only with DUI_MASTER_KEY: ciphertext and a note without it, clear data and the erased marker with it', async () => {
    // given one usager remembered and one forgotten, written through crypto-shredding
    const masterKey = generateDevelopmentMasterKey();
    const opened = await database.open();
    try {
      const store = withCryptoShredding(opened.store, {
        keys: new KnexDataKeyStore(opened.knex, { schema: database.schema }),
        masterKey: loadMasterKey(masterKey),
      });
      await store.appendToStream('dossier-usager', [
        testEvent(organisation, { data: { note: 'suivi' }, metadata: { serviceUserId: 'usager-1' } }),
        testEvent(organisation, { data: { note: 'oubli' }, metadata: { serviceUserId: 'usager-2' } }),
      ]);
      await store.forget('usager-2');
    } finally {
      await opened.close();
    }
    const out = join(await mkdtemp(join(tmpdir(), 'dui-export-')), 'dossier.jsonl');

    // when
    const withoutKey = await database.run(['export-stream', 'dossier-usager']);
    const withKey = await database.run(['export-stream', 'dossier-usager', '--out', out], {
      DUI_MASTER_KEY: masterKey,
    });

    // then
    expect(withoutKey.code, withoutKey.stderr).to.equal(0);
    expect(withoutKey.stderr).to.include(
      'note : DUI_MASTER_KEY absente, les données sont exportées telles que stockées',
    );
    const raw = jsonLines(withoutKey.stdout) as { data: unknown; hash: string }[];
    expect(raw.map((event) => isEncryptedData(event.data))).to.deep.equal([true, true]);
    expect(withoutKey.stdout).not.to.include('suivi');

    expect(withKey.code, withKey.stderr).to.equal(0);
    expect(withKey.stdout).to.equal('');
    expect(withKey.stderr).not.to.include('note :');
    const clear = jsonLines(await readFile(out, 'utf8')) as { data: unknown; hash: string }[];
    expect(clear.map((event) => event.data)).to.deep.equal([
      { note: 'suivi' },
      { $erased: true, serviceUserId: 'usager-2' },
    ]);
    expect(clear.map((event) => event.hash)).to.deep.equal(raw.map((event) => event.hash));
    await rm(join(out, '..'), { recursive: true, force: true });
  });
});
