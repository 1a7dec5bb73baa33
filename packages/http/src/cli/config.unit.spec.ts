import { activityJournal } from '@dui-pds/projections';
import { expect } from 'chai';
import { UsageError } from './cli-errors.js';
import { loadConfig, maxSchemaLength } from './config.js';

describe('the configuration of dui', () => {
  const catalogue = [activityJournal];
  const key = Buffer.from(Array.from({ length: 32 }, (_, index) => index)).toString('base64');

  function problemsWith(env: NodeJS.ProcessEnv, overrides = {}): string[] {
    try {
      loadConfig(env, overrides, catalogue);
    } catch (error) {
      expect(error).to.be.instanceOf(UsageError);
      return (error as Error).message.split('\n');
    }
    throw new Error('the configuration was accepted');
  }

  it('defaults to PGlite in .dui-data/pglite, schema dui, no master key', () => {
    // when
    const config = loadConfig({}, {}, catalogue);

    // then
    expect(config).to.deep.equal({
      databaseUrl: undefined,
      pgliteDir: '.dui-data/pglite',
      schema: 'dui',
      masterKey: undefined,
      previousMasterKeys: [],
      redisUrl: undefined,
      blobStore: 'filesystem',
      blobDirectory: '.dui-data/blobs',
    });
  });

  it('finds the documents’ bytes where the servers keep them, and refuses an unknown blob store', () => {
    // when
    const inDirectory = loadConfig({ DUI_DATA_DIR: '/var/lib/dui' }, {}, catalogue);
    const elsewhere = loadConfig({ DUI_BLOB_DIR: '/srv/blobs' }, {}, catalogue);
    const inDatabase = loadConfig({ DUI_BLOB_STORE: 'postgres' }, {}, catalogue);

    // then
    expect(inDirectory).to.deep.include({ blobStore: 'filesystem', blobDirectory: '/var/lib/dui/blobs' });
    expect(elsewhere.blobDirectory).to.equal('/srv/blobs');
    expect(inDatabase.blobStore).to.equal('postgres');
    expect(problemsWith({ DUI_BLOB_STORE: 's3' })).to.deep.equal([
      'configuration : DUI_BLOB_STORE doit valoir filesystem (par défaut) ou postgres',
    ]);
  });

  it('reads the environment, empty variables counting as absent, and lets the global options win', () => {
    // given
    const env = {
      DATABASE_URL: 'postgres://dui@db:5432/dui',
      DUI_DATA_DIR: '/var/lib/dui',
      DUI_SCHEMA: 'prod',
      DUI_MASTER_KEY: key,
      REDIS_URL: '',
    };

    // when
    const fromEnv = loadConfig(env, {}, catalogue);
    const overridden = loadConfig(env, { databaseUrl: 'postgresql://other/dui', schema: 'audit' }, catalogue);

    // then
    expect(fromEnv).to.deep.include({
      databaseUrl: env.DATABASE_URL,
      pgliteDir: '/var/lib/dui/pglite',
      schema: 'prod',
    });
    expect(fromEnv.masterKey?.toString('base64')).to.equal(key);
    expect(fromEnv.redisUrl).to.equal(undefined);
    expect(overridden).to.deep.include({ databaseUrl: 'postgresql://other/dui', schema: 'audit' });
  });

  it('names the option rather than the variable when the option is wrong', () => {
    // when
    const problems = problemsWith({ DUI_SCHEMA: 'ok' }, { databaseUrl: 'http://x', schema: '1abc' });

    // then
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/^configuration : --database-url doit être une URL PostgreSQL/);
    expect(problems[1]).to.match(/^configuration : --schema doit être un nom de schéma PostgreSQL simple/);
  });

  it('keeps schema names short enough for the projections’ schemas', () => {
    // given
    const longest = 'a'.repeat(maxSchemaLength(catalogue));

    // when
    const accepted = loadConfig({ DUI_SCHEMA: longest }, {}, catalogue);
    const problems = problemsWith({ DUI_SCHEMA: `${longest}a` });

    // then
    expect(accepted.schema).to.equal(longest);
    expect(`${longest}_activity_journal__replay_12345678`).to.have.length(63);
    expect(problems).to.deep.equal([
      `configuration : DUI_SCHEMA : ${longest.length} caractères au plus (les schémas des projections ajoutent leur nom au sien)`,
    ]);
  });

  it('says what is wrong with a master key without repeating it', () => {
    // given
    const keys = ['pas du base64 !', Buffer.alloc(16, 7).toString('base64'), Buffer.alloc(32, 7).toString('base64')];

    // when
    const problems = keys.map((value) => problemsWith({ DUI_MASTER_KEY: value })[0]);

    // then
    expect(problems).to.deep.equal([
      'configuration : DUI_MASTER_KEY n’est pas du base64 valide',
      'configuration : DUI_MASTER_KEY doit encoder 32 octets en base64 (il en encode 16)',
      'configuration : DUI_MASTER_KEY n’est pas une clé aléatoire : ses 32 octets sont tous identiques',
    ]);
  });

  it('reads the master keys a rotation replaced, and names each bad one without repeating it', () => {
    // given
    const previous = [
      Buffer.from(Buffer.alloc(32, 1).map((byte, index) => byte + index)),
      Buffer.from(Buffer.alloc(32, 2).map((byte, index) => byte ^ index)),
    ];
    const listed = previous.map((bytes) => bytes.toString('base64')).join(' , ');

    // when
    const config = loadConfig({ DUI_MASTER_KEY: key, DUI_PREVIOUS_MASTER_KEYS: listed }, {}, catalogue);
    const problems = problemsWith({
      DUI_MASTER_KEY: key,
      DUI_PREVIOUS_MASTER_KEYS: `${previous[0]!.toString('base64')},c2VjcmV0,`,
    });
    const withoutCurrent = problemsWith({ DUI_PREVIOUS_MASTER_KEYS: listed });

    // then
    expect(config.previousMasterKeys).to.deep.equal(previous);
    expect(problems).to.deep.equal([
      'configuration : DUI_PREVIOUS_MASTER_KEYS (clé n° 2) doit encoder 32 octets en base64 (il en encode 6)',
      'configuration : DUI_PREVIOUS_MASTER_KEYS (clé n° 3) est vide',
    ]);
    expect(problems.join('\n')).not.to.include('c2VjcmV0');
    expect(withoutCurrent).to.deep.equal([
      'configuration : DUI_PREVIOUS_MASTER_KEYS ne sert qu’avec DUI_MASTER_KEY : ce sont les clés que la clé maîtresse actuelle a remplacées',
    ]);
  });
});
