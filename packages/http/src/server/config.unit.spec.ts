import { expect } from 'chai';
import fc from 'fast-check';
import { ConfigurationError, loadServerConfig } from './config.js';

describe('the configuration of the HTTP server', () => {
  const key = Buffer.from(Array.from({ length: 32 }, (_, index) => index)).toString('base64');
  const psc = {
    PSC_ISSUER: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet',
    PSC_CLIENT_ID: 'dui-pds',
    PSC_CLIENT_SECRET: 's3cr3t',
    PSC_REDIRECT_URI: 'https://dui.example.org/auth/callback',
  };
  const safeProduction = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://dui@db:5432/dui',
    DUI_MASTER_KEY: key,
  };

  function problemsWith(env: NodeJS.ProcessEnv): readonly string[] {
    try {
      loadServerConfig(env);
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigurationError);
      return (error as ConfigurationError).problems;
    }
    throw new Error('the configuration was accepted');
  }

  it('defaults to an embedded development setup: port 3000, PGlite in .dui-data, development login', () => {
    // when
    const config = loadServerConfig({});

    // then
    expect(config).to.deep.equal({
      mode: 'development',
      port: 3000,
      databaseUrl: undefined,
      pgliteDir: '.dui-data/pglite',
      blobDirectory: '.dui-data/blobs',
      blobStore: 'filesystem',
      schema: 'dui',
      masterKey: undefined,
      previousMasterKeys: [],
      redisUrl: undefined,
      devLogin: true,
      insTestOidsAllowed: true,
      oidc: undefined,
      organisationOidc: undefined,
      insi: undefined,
      dmp: undefined,
      annuaireSante: undefined,
      mssante: undefined,
      mssanteInboxEveryMs: 300_000,
      facilities: {},
      logLevel: 'debug',
      rateLimitPerMinute: 600,
      idempotencyLockMs: 300_000,
      trustProxy: false,
      keepAliveTimeoutMs: 65_000,
      retentionJobEveryMs: 86_400_000,
      retentionPolicy: { socialIntermediateArchiveYears: 5 },
      projectionWorker: true,
      oidRoot: '2.25.196854023917467532165493170246530512871',
      metricsToken: undefined,
    });
  });

  it('takes the token of /metrics scrapes from DUI_METRICS_TOKEN, and refuses a short one without repeating it', () => {
    const token = 'Zm9vYmFyYmF6cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8=';
    expect(loadServerConfig({ DUI_METRICS_TOKEN: ` ${token} ` }).metricsToken).to.equal(token);
    const problems = problemsWith({ DUI_METRICS_TOKEN: 'court-secret' });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^DUI_METRICS_TOKEN doit compter au moins 32 caractères/);
    expect(problems.join('\n')).not.to.include('court-secret');
  });

  it('takes the installation’s OID root from DUI_OID_ROOT, and refuses what is not an OID', () => {
    expect(loadServerConfig({ DUI_OID_ROOT: '1.2.250.1.999.42' }).oidRoot).to.equal('1.2.250.1.999.42');
    expect(problemsWith({ DUI_OID_ROOT: '1.2.250.01' })).to.deep.equal([
      'DUI_OID_ROOT doit être un OID (chiffres séparés par des points)',
    ]);
  });

  it('holds an unanswered command’s idempotency key for DUI_IDEMPOTENCY_LOCK_SECONDS, and refuses zero', () => {
    expect(loadServerConfig({ DUI_IDEMPOTENCY_LOCK_SECONDS: '30' }).idempotencyLockMs).to.equal(30_000);
    expect(problemsWith({ DUI_IDEMPOTENCY_LOCK_SECONDS: '0' })).to.deep.equal([
      'DUI_IDEMPOTENCY_LOCK_SECONDS doit être un nombre entier de secondes, entre 1 et 3600',
    ]);
  });

  it('keeps idle connections DUI_KEEP_ALIVE_SECONDS, 65 by default, and refuses what is not 1 to 3600 whole seconds', () => {
    expect(loadServerConfig({}).keepAliveTimeoutMs).to.equal(65_000);
    expect(loadServerConfig({ DUI_KEEP_ALIVE_SECONDS: '120' }).keepAliveTimeoutMs).to.equal(120_000);
    for (const refused of ['0', '3601', '1.5', 'longtemps']) {
      expect(problemsWith({ DUI_KEEP_ALIVE_SECONDS: refused }), refused).to.deep.equal([
        'DUI_KEEP_ALIVE_SECONDS doit être un nombre entier de secondes entre 1 et 3600, plus long que le délai d’inactivité du répartiteur de charge',
      ]);
    }
  });

  it('runs the end-of-retention job every DUI_RETENTION_JOB_HOURS, or never with 0, and refuses a negative delay', () => {
    expect(loadServerConfig({ DUI_RETENTION_JOB_HOURS: '6' }).retentionJobEveryMs).to.equal(6 * 3_600_000);
    expect(loadServerConfig({ DUI_RETENTION_JOB_HOURS: '0' }).retentionJobEveryMs).to.equal(0);
    expect(problemsWith({ DUI_RETENTION_JOB_HOURS: '-1' })).to.deep.equal([
      'DUI_RETENTION_JOB_HOURS doit être un nombre d’heures entre 0 (jamais) et 168',
    ]);
  });

  it('keeps social data DUI_SOCIAL_ARCHIVE_YEARS in intermediate archive, 5 by default, and refuses what is not 0 to 30 whole years', () => {
    expect(loadServerConfig({}).retentionPolicy).to.deep.equal({ socialIntermediateArchiveYears: 5 });
    expect(loadServerConfig({ DUI_SOCIAL_ARCHIVE_YEARS: '0' }).retentionPolicy).to.deep.equal({
      socialIntermediateArchiveYears: 0,
    });
    expect(loadServerConfig({ DUI_SOCIAL_ARCHIVE_YEARS: ' ' }).retentionPolicy.socialIntermediateArchiveYears).to.equal(
      5,
    );
    for (const years of ['-1', '31', '2.5', 'cinq']) {
      expect(problemsWith({ DUI_SOCIAL_ARCHIVE_YEARS: years }), years).to.deep.equal([
        'DUI_SOCIAL_ARCHIVE_YEARS doit être un nombre entier d’années d’archivage intermédiaire, de 0 à 30',
      ]);
    }
  });

  it('leaves the async projections to `dui projections run` with DUI_PROJECTION_WORKER=false, and refuses a word it does not know', () => {
    expect(loadServerConfig({ DUI_PROJECTION_WORKER: 'false' }).projectionWorker).to.equal(false);
    expect(loadServerConfig({ DUI_PROJECTION_WORKER: 'oui' }).projectionWorker).to.equal(true);
    expect(problemsWith({ DUI_PROJECTION_WORKER: 'parfois' })).to.deep.equal([
      'DUI_PROJECTION_WORKER doit valoir true ou false',
    ]);
  });

  it('turns the development login off by default once a database server is given', () => {
    // when
    const config = loadServerConfig({ DATABASE_URL: 'postgres://dui@db:5432/dui' });

    // then
    expect(config.devLogin).to.equal(false);
  });

  it('reads a safe production setup, empty variables counting as absent', () => {
    // given
    const env = {
      ...safeProduction,
      ...psc,
      PORT: '8080',
      DUI_DATA_DIR: '/var/lib/dui',
      DUI_SCHEMA: 'prod',
      REDIS_URL: 'redis://cache:6379',
      DUI_DEV_LOGIN: '',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '120',
      TRUST_PROXY: '1',
    };

    // when
    const config = loadServerConfig(env);

    // then
    expect(config).to.deep.include({
      mode: 'production',
      port: 8080,
      databaseUrl: env.DATABASE_URL,
      pgliteDir: '/var/lib/dui/pglite',
      schema: 'prod',
      redisUrl: 'redis://cache:6379',
      devLogin: false,
      insTestOidsAllowed: false,
      logLevel: 'warn',
      rateLimitPerMinute: 120,
      trustProxy: 1,
    });
    expect(config.masterKey?.toString('base64')).to.equal(key);
    expect(config.oidc).to.deep.equal({
      issuer: psc.PSC_ISSUER,
      clientId: psc.PSC_CLIENT_ID,
      clientSecret: psc.PSC_CLIENT_SECRET,
      redirectUri: psc.PSC_REDIRECT_URI,
    });
  });

  it('reads the INSi teleservice’s settings all together, and refuses half of them or a plain HTTP URL', () => {
    // given the five settings of the INSi, then an instance and an emitter of one's own
    const insi = {
      DUI_INSI_URL: 'https://qualiflps-services-ps-tlsm.example/lps',
      DUI_INSI_CERT_FILE: '/etc/dui/insi/cert.pem',
      DUI_INSI_KEY_FILE: '/etc/dui/insi/key.pem',
      DUI_INSI_CA_FILE: '/etc/dui/insi/ca.pem',
      DUI_INSI_AUTHORISATION_NUMBER: 'AUTO-0001',
    };
    // when / then
    expect(
      loadServerConfig({ ...insi, DUI_INSI_INSTANCE: 'csapa-1', DUI_INSI_EMITTER: '750000001' }).insi,
    ).to.deep.equal({
      url: insi.DUI_INSI_URL,
      certFile: insi.DUI_INSI_CERT_FILE,
      keyFile: insi.DUI_INSI_KEY_FILE,
      caFile: insi.DUI_INSI_CA_FILE,
      authorisationNumber: 'AUTO-0001',
      instance: 'csapa-1',
      emitter: '750000001',
    });
    const defaults = loadServerConfig(insi).insi;
    expect(defaults?.instance).to.be.a('string').and.not.equal('');
    expect(defaults?.emitter).to.equal(defaults?.instance);
    expect(
      problemsWith({ DUI_INSI_URL: insi.DUI_INSI_URL, DUI_INSI_CERT_FILE: insi.DUI_INSI_CERT_FILE }),
    ).to.deep.equal([
      'le téléservice INSi est configuré à moitié : DUI_INSI_KEY_FILE, DUI_INSI_CA_FILE, DUI_INSI_AUTHORISATION_NUMBER manquent (DUI_INSI_URL, DUI_INSI_CERT_FILE, DUI_INSI_KEY_FILE, DUI_INSI_CA_FILE, DUI_INSI_AUTHORISATION_NUMBER vont ensemble)',
    ]);
    expect(problemsWith({ ...insi, DUI_INSI_URL: 'http://insi.example/lps' })).to.deep.equal([
      'DUI_INSI_URL doit être l’URL https du téléservice INSi (TLS mutuel)',
    ]);
  });

  it('reads the DMP’s settings all together, and refuses half of them or a plain HTTP URL', () => {
    // given the five settings of the DMP, then an installation id
    const dmp = {
      DUI_DMP_URL: 'https://dmp.example/si-dmp-server/v2/services',
      DUI_DMP_CERT_FILE: '/etc/dui/dmp/cert.pem',
      DUI_DMP_KEY_FILE: '/etc/dui/dmp/key.pem',
      DUI_DMP_CA_FILE: '/etc/dui/dmp/ca.pem',
      DUI_DMP_HOMOLOGATION_NUMBER: 'DMP-0001',
    };
    // when / then
    expect(loadServerConfig({ ...dmp, DUI_DMP_INSTANCE: 'csapa-1' }).dmp).to.deep.equal({
      url: dmp.DUI_DMP_URL,
      certFile: dmp.DUI_DMP_CERT_FILE,
      keyFile: dmp.DUI_DMP_KEY_FILE,
      caFile: dmp.DUI_DMP_CA_FILE,
      homologationNumber: 'DMP-0001',
      instance: 'csapa-1',
    });
    expect(loadServerConfig(dmp).dmp?.instance).to.equal(undefined);
    expect(problemsWith({ DUI_DMP_URL: dmp.DUI_DMP_URL, DUI_DMP_CERT_FILE: dmp.DUI_DMP_CERT_FILE })).to.deep.equal([
      'le DMP est configuré à moitié : DUI_DMP_KEY_FILE, DUI_DMP_CA_FILE, DUI_DMP_HOMOLOGATION_NUMBER manquent (DUI_DMP_URL, DUI_DMP_CERT_FILE, DUI_DMP_KEY_FILE, DUI_DMP_CA_FILE, DUI_DMP_HOMOLOGATION_NUMBER vont ensemble)',
    ]);
    expect(problemsWith({ ...dmp, DUI_DMP_URL: 'http://dmp.example/services' })).to.deep.equal([
      'DUI_DMP_URL doit être l’URL https des services du DMP (TLS mutuel), par exemple https://…/si-dmp-server/v2/services',
    ]);
  });

  it('reads the Annuaire Santé’s URL and API key together, and refuses one without the other or a wrong URL', () => {
    // given the FHIR base of the ANS API and a key of its portal
    const annuaire = {
      DUI_ANNUAIRE_SANTE_URL: 'https://gateway.api.esante.gouv.fr/fhir/v2',
      DUI_ANNUAIRE_SANTE_API_KEY: ' une-cle ',
    };

    // when / then
    expect(loadServerConfig(annuaire).annuaireSante).to.deep.equal({
      url: 'https://gateway.api.esante.gouv.fr/fhir/v2',
      apiKey: 'une-cle',
    });
    expect(problemsWith({ DUI_ANNUAIRE_SANTE_URL: annuaire.DUI_ANNUAIRE_SANTE_URL })).to.deep.equal([
      'l’Annuaire Santé est configuré à moitié : DUI_ANNUAIRE_SANTE_API_KEY manque (DUI_ANNUAIRE_SANTE_URL et DUI_ANNUAIRE_SANTE_API_KEY vont ensemble)',
    ]);
    expect(problemsWith({ DUI_ANNUAIRE_SANTE_API_KEY: 'une-cle', DUI_ANNUAIRE_SANTE_URL: ' ' })).to.have.length(1);
    const wrong = problemsWith({ ...annuaire, DUI_ANNUAIRE_SANTE_URL: 'gateway.api.esante.gouv.fr' });
    expect(wrong).to.deep.equal([
      'DUI_ANNUAIRE_SANTE_URL doit être l’URL de base de l’API FHIR de l’Annuaire Santé, par exemple https://gateway.api.esante.gouv.fr/fhir/v2',
    ]);
    expect(wrong.join('\n')).not.to.include('une-cle');
    // in production the key never travels in clear
    expect(
      problemsWith({ ...safeProduction, ...annuaire, DUI_ANNUAIRE_SANTE_URL: 'http://annuaire.example/fhir' }),
    ).to.deep.equal([
      'DUI_ANNUAIRE_SANTE_URL doit être une URL https en production : la clé d’API ne circule pas en clair',
    ]);
    expect(loadServerConfig({ ...safeProduction, ...annuaire }).annuaireSante?.url).to.equal(
      annuaire.DUI_ANNUAIRE_SANTE_URL,
    );
  });

  it('reads the ESSMS’ names and addresses from DUI_FACILITIES, and refuses a malformed list in French', () => {
    // given one ESSMS described, and a list missing its address
    const facilities = JSON.stringify([
      { finess: '130000001', name: 'CSAPA Le Fil d’Ariane', address: '12 boulevard de la Libération, 13001 Marseille' },
    ]);
    // when / then
    expect(loadServerConfig({ DUI_FACILITIES: facilities }).facilities).to.deep.equal({
      '130000001': { name: 'CSAPA Le Fil d’Ariane', address: '12 boulevard de la Libération, 13001 Marseille' },
    });
    for (const wrong of ['[{"finess": "130000001", "name": "CSAPA"}]', 'pas du JSON', '{"finess": "1"}']) {
      expect(problemsWith({ DUI_FACILITIES: wrong })).to.deep.equal([
        'DUI_FACILITIES doit être une liste JSON d’ESSMS : [{"finess": "750000001", "name": "…", "address": "…"}]',
      ]);
    }
  });

  it('keeps the documents’ bytes beside the data, elsewhere with DUI_BLOB_DIR, or in the database with DUI_BLOB_STORE', () => {
    // when
    const beside = loadServerConfig({ DUI_DATA_DIR: '/var/lib/dui' });
    const elsewhere = loadServerConfig({ DUI_DATA_DIR: '/var/lib/dui', DUI_BLOB_DIR: '/srv/documents' });
    const database = loadServerConfig({ DATABASE_URL: 'postgres://dui@db:5432/dui', DUI_BLOB_STORE: 'postgres' });

    // then
    expect([beside.blobStore, beside.blobDirectory]).to.deep.equal(['filesystem', '/var/lib/dui/blobs']);
    expect(elsewhere.blobDirectory).to.equal('/srv/documents');
    expect(database.blobStore).to.equal('postgres');
    expect(problemsWith({ DUI_BLOB_STORE: 's3' })).to.deep.equal([
      'DUI_BLOB_STORE doit valoir filesystem (par défaut) ou postgres',
    ]);
  });

  it('lets DUI_MODE win over NODE_ENV', () => {
    // when
    const config = loadServerConfig({ NODE_ENV: 'production', DUI_MODE: 'development' });

    // then
    expect(config.mode).to.equal('development');
  });

  it('reads TRUST_PROXY as a boolean, a number of hops or a list of addresses', () => {
    // then
    expect(loadServerConfig({ TRUST_PROXY: 'true' }).trustProxy).to.equal(true);
    expect(loadServerConfig({ TRUST_PROXY: '2' }).trustProxy).to.equal(2);
    expect(loadServerConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8' }).trustProxy).to.deep.equal([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
    ]);
  });

  it('reads the master keys a rotation replaced, refusing them without a current key', () => {
    // given
    const previous = Buffer.from(Buffer.alloc(32, 3).map((byte, index) => byte + index));

    // when
    const config = loadServerConfig({ DUI_MASTER_KEY: key, DUI_PREVIOUS_MASTER_KEYS: previous.toString('base64') });
    const problems = problemsWith({ DUI_PREVIOUS_MASTER_KEYS: previous.toString('base64') });

    // then
    expect(config.previousMasterKeys).to.deep.equal([previous]);
    expect(problems).to.deep.equal([
      'DUI_PREVIOUS_MASTER_KEYS ne sert qu’avec DUI_MASTER_KEY : ce sont les clés que la clé maîtresse actuelle a remplacées',
    ]);
  });

  it('lists every wrong setting at once, in French, without repeating secrets', () => {
    // when
    const problems = problemsWith({
      PORT: 'http',
      DATABASE_URL: 'mysql://root:motdepasse@db/dui',
      DUI_SCHEMA: 'Prod-1',
      DUI_MASTER_KEY: 'trop-court',
      REDIS_URL: 'localhost:6379',
      DUI_DEV_LOGIN: 'peut-être',
      DUI_MODE: 'staging',
      LOG_LEVEL: 'verbose',
      RATE_LIMIT_PER_MINUTE: '0',
      TRUST_PROXY: 'partout',
      PSC_CLIENT_ID: 'dui-pds',
    });

    // then
    expect(problems).to.have.length(11);
    expect(problems.join('\n')).to.match(/^PORT doit être un numéro de port/m);
    expect(problems.join('\n')).to.match(/^DATABASE_URL doit être une URL PostgreSQL/m);
    expect(problems.join('\n')).to.match(/^DUI_SCHEMA doit être un nom de schéma/m);
    expect(problems.join('\n')).to.match(/^DUI_MASTER_KEY doit encoder 32 octets/m);
    expect(problems.join('\n')).to.match(/^REDIS_URL doit être une URL Redis/m);
    expect(problems.join('\n')).to.match(/^DUI_DEV_LOGIN doit valoir true ou false/m);
    expect(problems.join('\n')).to.match(/^DUI_MODE doit valoir production ou development/m);
    expect(problems.join('\n')).to.match(/^LOG_LEVEL doit valoir l’un de/m);
    expect(problems.join('\n')).to.match(/^RATE_LIMIT_PER_MINUTE doit être un nombre entier/m);
    expect(problems.join('\n')).to.match(/^TRUST_PROXY doit valoir/m);
    expect(problems.join('\n')).to.match(
      /^Pro Santé Connect est configuré à moitié : PSC_ISSUER, PSC_CLIENT_SECRET, PSC_REDIRECT_URI manquent/m,
    );
    expect(problems.join('\n')).not.to.include('motdepasse');
  });

  it('refuses in production what is only safe in development, all at once', () => {
    // when
    const problems = problemsWith({
      NODE_ENV: 'production',
      DUI_DEV_LOGIN: 'true',
      DUI_INS_OIDS_ALLOWED_TEST: 'oui',
      PSC_ISSUER: 'http://psc.example.org',
      PSC_CLIENT_ID: 'dui',
      PSC_CLIENT_SECRET: 'x',
      PSC_REDIRECT_URI: 'http://localhost/auth/callback',
    });

    // then
    expect(problems).to.have.length(5);
    expect(problems.join('\n')).to.include('DATABASE_URL est obligatoire en production');
    expect(problems.join('\n')).to.include('DUI_MASTER_KEY est obligatoire en production');
    expect(problems.join('\n')).to.include('DUI_DEV_LOGIN doit valoir false en production');
    expect(problems.join('\n')).to.include('DUI_INS_OIDS_ALLOWED_TEST doit valoir false en production');
    expect(problems.join('\n')).to.include('PSC_ISSUER doit être une URL https en production');
  });

  it('reports a wrong setting in production once, not again as missing', () => {
    // when
    const problems = problemsWith({ ...safeProduction, DUI_MASTER_KEY: 'pas de la base64 !' });

    // then
    expect(problems).to.deep.equal(['DUI_MASTER_KEY n’est pas du base64 valide']);
  });

  it('never accepts a production setup with development login or test INS OIDs, whatever else is set', () => {
    fc.assert(
      fc.property(
        fc.record({
          DUI_DEV_LOGIN: fc.constantFrom(undefined, '', 'true', 'false', '1', '0'),
          DUI_INS_OIDS_ALLOWED_TEST: fc.constantFrom(undefined, '', 'true', 'false'),
          DATABASE_URL: fc.constantFrom(undefined, '', safeProduction.DATABASE_URL),
          DUI_MASTER_KEY: fc.constantFrom(undefined, key),
        }),
        (settings) => {
          // given
          const env = Object.fromEntries(
            Object.entries({ NODE_ENV: 'production', ...settings }).filter(([, v]) => v !== undefined),
          );

          // when
          let accepted: ReturnType<typeof loadServerConfig> | undefined;
          try {
            accepted = loadServerConfig(env);
          } catch (error) {
            expect(error).to.be.instanceOf(ConfigurationError);
          }

          // then
          if (accepted !== undefined) {
            expect(accepted.devLogin).to.equal(false);
            expect(accepted.insTestOidsAllowed).to.equal(false);
            expect(accepted.databaseUrl).to.equal(safeProduction.DATABASE_URL);
            expect(accepted.masterKey).not.to.equal(undefined);
          }
        },
      ),
    );
  });

  it('reads the organisation’s own OpenID provider, and refuses it half configured', () => {
    // when
    const config = loadServerConfig({
      OIDC_PROVIDER_ID: 'maison',
      OIDC_ISSUER: 'https://idp.example.org/realms/og',
      OIDC_CLIENT_ID: 'dui',
      OIDC_CLIENT_SECRET: 'secret',
      OIDC_REDIRECT_URI: 'https://dui.example.org/auth/maison/callback',
      OIDC_REQUIRED_ACR: 'loa-3',
    });
    const half = () => loadServerConfig({ OIDC_ISSUER: 'https://idp.example.org/realms/og' });

    // then
    expect(config.organisationOidc).to.deep.equal({
      id: 'maison',
      issuer: 'https://idp.example.org/realms/og',
      clientId: 'dui',
      clientSecret: 'secret',
      redirectUri: 'https://dui.example.org/auth/maison/callback',
      requiredAcr: 'loa-3',
    });
    expect(half).to.throw(ConfigurationError, /OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI manquent/);
  });
});
