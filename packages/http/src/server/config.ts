import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RETENTION_POLICY, MAX_INTERMEDIATE_ARCHIVE_YEARS, type RetentionPolicy } from '@dui-pds/domain';
import type { LevelWithSilent } from 'pino';
import { z } from 'zod';
import { maxSchemaLength } from '../cli/config.js';
import {
  masterKeySetting,
  PREVIOUS_KEYS_WITHOUT_CURRENT,
  previousMasterKeysSetting,
} from '../keys/master-key-settings.js';
import { projectionCatalogue } from '../projection-catalogue.js';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from './http-server.js';
import { IDEMPOTENCY_LOCK_TTL_MS } from './idempotency-store.js';

/** What the HTTP server runs with, from the environment. */
export interface ServerConfig {
  mode: 'production' | 'development';
  port: number;
  /** Absent: the embedded PGlite in `pgliteDir` (refused in production). */
  databaseUrl: string | undefined;
  pgliteDir: string;
  /** Where the documents' bytes are kept by the file system blob store (`DUI_BLOB_DIR`; `<data dir>/blobs` by default). */
  blobDirectory: string;
  /**
   * Which blob store keeps the documents' bytes (`DUI_BLOB_STORE`): the file system by default,
   * or the database (PostgreSQL, or the embedded PGlite) for several HTTP instances that share no disk.
   */
  blobStore: 'filesystem' | 'postgres';
  schema: string;
  /** Present: personal data is encrypted per usager (crypto-shredding). Required in production. */
  masterKey: Buffer | undefined;
  /** The master keys `masterKey` replaced, until `dui keys rewrap` has re-wrapped their wraps (ADR 0020). */
  previousMasterKeys: Buffer[];
  redisUrl: string | undefined;
  /** The local login form for development; never in production. */
  devLogin: boolean;
  /** INS test OIDs (INSi test platform) accepted; never in production. */
  insTestOidsAllowed: boolean;
  /** Pro Santé Connect; absent when none of its settings is given. */
  oidc: OidcConfig | undefined;
  /** The organisation's own OpenID provider (OIDC_*), beside or instead of Pro Santé Connect. */
  organisationOidc: OrganisationOidcConfig | undefined;
  /** The ANS FHIR API of the Annuaire Santé (DUI_ANNUAIRE_SANTE_*); absent: a local stand-in in development, unavailable in production. */
  annuaireSante: AnnuaireSanteConfig | undefined;
  /** The INSi teleservice (DUI_INSI_*); absent: a local stand-in in development, unavailable in production. */
  insi: InsiConfig | undefined;
  /** The organisation's MSSanté mailbox (DUI_MSSANTE_*); absent: local servers for the embedded demo when Dovecot is installed, else unavailable (503). */
  mssante: MssanteConfig | undefined;
  /** How often the server reads the MSSanté inbox (`DUI_MSSANTE_POLL_MINUTES`, 5 by default; 0: never, polls on request only). */
  mssanteInboxEveryMs: number;
  /** The DMPi web services (DUI_DMP_*); absent: a local stand-in in development, unavailable in production. */
  dmp: DmpConfig | undefined;
  logLevel: LevelWithSilent;
  rateLimitPerMinute: number;
  /**
   * How long a command left unanswered (its server killed mid-request) holds its Idempotency-Key
   * before a retry may run it (`DUI_IDEMPOTENCY_LOCK_SECONDS`, 300 by default).
   */
  idempotencyLockMs: number;
  /** Express's `trust proxy`: false, true, a number of hops, or addresses and subnets. */
  trustProxy: boolean | number | string[];
  /** The ESSMS' names and addresses by FINESS, printed on registers and documents (`DUI_FACILITIES`). */
  facilities: Readonly<Record<string, FacilityIdentity>>;
  /** How long the server keeps an idle connection for its next request (`DUI_KEEP_ALIVE_SECONDS`, 65 by default). */
  keepAliveTimeoutMs: number;
  /** How often the server runs the end-of-retention job (`DUI_RETENTION_JOB_HOURS`, 24 by default; 0: never). */
  retentionJobEveryMs: number;
  /**
   * The organisations' keeping of social and administrative data (`DUI_SOCIAL_ARCHIVE_YEARS`: years
   * of intermediate archive after the 2 years of active base, 5 by default), for the end-of-retention
   * job, the records' schedules and the destruction report.
   */
  retentionPolicy: RetentionPolicy;
  /**
   * Whether the server also follows the async projections (`DUI_PROJECTION_WORKER`, true by default).
   * False for HTTP instances behind a load balancer when `dui projections run` processes do that work.
   */
  projectionWorker: boolean;
  /**
   * The OID under which this installation names what has no national id (`DUI_OID_ROOT`): the
   * usagers' local ids in CDA documents and XDS metadata, the accompaniments. A fixed `2.25.` root by
   * default; a production installation sets its own.
   */
  oidRoot: string;
  /**
   * The bearer token a Prometheus scrape of `/metrics` must send (`DUI_METRICS_TOKEN`). Absent:
   * `/metrics` is open in development and does not exist (404) in production.
   */
  metricsToken: string | undefined;
}

/** How a printed document names an ESSMS: every page of a register carries it (R.5132-36 CSP). */
export interface FacilityIdentity {
  name: string;
  address: string;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface OrganisationOidcConfig extends OidcConfig {
  /** In the login path: `/auth/<id>/login`. */
  id: string;
  /** Refuse a login whose `acr` is not this one, when given. */
  requiredAcr: string | undefined;
}

/** The INSi teleservice: its endpoint, the mutual TLS files (PEM), and the software's CNDA authorisation number. */
export interface InsiConfig {
  url: string;
  certFile: string;
  keyFile: string;
  caFile: string;
  authorisationNumber: string;
  /** Which installation calls (ContexteLPS Instance): `DUI_INSI_INSTANCE`, the host name by default. */
  instance: string;
  /** On whose behalf (Emetteur of both contexts): `DUI_INSI_EMITTER`, the instance by default. */
  emitter: string;
}

/** The DMPi web services: their base URL, the mutual TLS files (PEM) that also sign the VIHF, the homologation number. */
export interface DmpConfig {
  url: string;
  certFile: string;
  keyFile: string;
  caFile: string;
  /** LPS_ID_HOMOLOGATION_DMP: the number the DMP gave the software. */
  homologationNumber: string;
  /** This installation (LPS_ID), when given: `DUI_DMP_INSTANCE`. */
  instance: string | undefined;
}

/** The « API Annuaire Santé en FHIR »: its FHIR base and the key of the ANS API portal. */
/** The MSSanté mailbox of one organisation: its operator's SMTP and IMAP servers and its credentials. */
export interface MssanteConfig {
  smtpUrl: string;
  imapUrl: string;
  address: string;
  user: string;
  password: string;
  /** The organisation the mailbox belongs to: its received documents are filed among its usagers. */
  organisationId: string;
  /** The software's « référence produit » (X-MSS-NIL), when declared. */
  productReference: string | undefined;
}

export interface AnnuaireSanteConfig {
  url: string;
  apiKey: string;
}

/** Every wrong setting at once, each said in French and naming its variable, never its value. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(readonly problems: readonly string[]) {
    super(`configuration invalide :\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
  }
}

const DEFAULT_PORT = 3000;
const DEFAULT_DATA_DIR = '.dui-data';
const DEFAULT_SCHEMA = 'dui';
const DEFAULT_RATE_LIMIT = 600;
/** `2.25.` and a UUID drawn once for this project: the OID root of an installation that sets none. */
const DEFAULT_OID_ROOT = '2.25.196854023917467532165493170246530512871';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const OIDC_VARIABLES = ['PSC_ISSUER', 'PSC_CLIENT_ID', 'PSC_CLIENT_SECRET', 'PSC_REDIRECT_URI'] as const;
const DMP_VARIABLES = [
  'DUI_DMP_URL',
  'DUI_DMP_CERT_FILE',
  'DUI_DMP_KEY_FILE',
  'DUI_DMP_CA_FILE',
  'DUI_DMP_HOMOLOGATION_NUMBER',
] as const;
const INSI_VARIABLES = [
  'DUI_INSI_URL',
  'DUI_INSI_CERT_FILE',
  'DUI_INSI_KEY_FILE',
  'DUI_INSI_CA_FILE',
  'DUI_INSI_AUTHORISATION_NUMBER',
] as const;

export function loadServerConfig(env: NodeJS.ProcessEnv): ServerConfig {
  // Each variable is parsed on its own, so that one wrong setting does not hide the others.
  const problems: string[] = [];
  const settings = {} as Settings;
  for (const [name, schema] of Object.entries(settingSchemas())) {
    const parsed = schema.safeParse(env[name]);
    if (parsed.success) (settings as Record<string, unknown>)[name] = parsed.data;
    else problems.push(...parsed.error.issues.map((issue) => issue.message));
  }
  problems.push(...oidcCompletenessProblems(settings));
  problems.push(...organisationOidcCompletenessProblems(settings));
  problems.push(...annuaireSanteCompletenessProblems(env));
  problems.push(...insiCompletenessProblems(env));
  problems.push(...mssanteCompletenessProblems(env));
  problems.push(...dmpCompletenessProblems(env));
  const mode = settings.DUI_MODE ?? (env.NODE_ENV?.trim() === 'production' ? 'production' : 'development');
  const production = mode === 'production';
  const embedded = settings.DATABASE_URL === undefined;
  const config: ServerConfig = {
    mode,
    port: settings.PORT,
    databaseUrl: settings.DATABASE_URL,
    pgliteDir: join(settings.DUI_DATA_DIR ?? DEFAULT_DATA_DIR, 'pglite'),
    blobDirectory: settings.DUI_BLOB_DIR ?? join(settings.DUI_DATA_DIR ?? DEFAULT_DATA_DIR, 'blobs'),
    blobStore: settings.DUI_BLOB_STORE ?? 'filesystem',
    schema: settings.DUI_SCHEMA,
    masterKey: settings.DUI_MASTER_KEY,
    previousMasterKeys: settings.DUI_PREVIOUS_MASTER_KEYS ?? [],
    redisUrl: settings.REDIS_URL,
    devLogin: settings.DUI_DEV_LOGIN ?? (embedded && !production),
    insTestOidsAllowed: settings.DUI_INS_OIDS_ALLOWED_TEST ?? !production,
    oidc: oidcConfig(settings),
    organisationOidc: organisationOidcConfig(settings),
    annuaireSante: annuaireSanteConfig(settings),
    insi: insiConfig(settings),
    mssante: mssanteConfig(settings),
    mssanteInboxEveryMs: settings.DUI_MSSANTE_POLL_MINUTES * 60_000,
    dmp: dmpConfig(settings),
    logLevel: settings.LOG_LEVEL ?? (production ? 'info' : 'debug'),
    rateLimitPerMinute: settings.RATE_LIMIT_PER_MINUTE,
    idempotencyLockMs: settings.DUI_IDEMPOTENCY_LOCK_SECONDS * 1000,
    trustProxy: settings.TRUST_PROXY,
    facilities: settings.DUI_FACILITIES,
    keepAliveTimeoutMs: settings.DUI_KEEP_ALIVE_SECONDS * 1_000,
    retentionJobEveryMs: settings.DUI_RETENTION_JOB_HOURS * 3_600_000,
    retentionPolicy: { socialIntermediateArchiveYears: settings.DUI_SOCIAL_ARCHIVE_YEARS },
    projectionWorker: settings.DUI_PROJECTION_WORKER ?? true,
    oidRoot: settings.DUI_OID_ROOT,
    metricsToken: settings.DUI_METRICS_TOKEN,
  };
  if (config.previousMasterKeys.length > 0 && config.masterKey === undefined) {
    problems.push(PREVIOUS_KEYS_WITHOUT_CURRENT);
  }
  if (production) problems.push(...productionProblems(config, new Set(Object.keys(settings)), env));
  if (problems.length > 0) throw new ConfigurationError(problems);
  return config;
}

/**
 * What production refuses: each is safe on a developer's machine and dangerous with real
 * usagers. A setting that did not parse is already reported, so it is not judged again here.
 */
function productionProblems(config: ServerConfig, parsed: ReadonlySet<string>, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const absent = (name: string) => parsed.has(name) && blankToUndefined(env[name]) === undefined;
  if (absent('DATABASE_URL')) {
    problems.push(
      'DATABASE_URL est obligatoire en production : la base embarquée (PGlite) sert au développement et aux essais',
    );
  }
  if (absent('DUI_MASTER_KEY')) {
    problems.push(
      'DUI_MASTER_KEY est obligatoire en production : sans elle, les données personnelles ne sont pas chiffrées et ne pourront pas être effacées (crypto-shredding)',
    );
  }
  if (parsed.has('DUI_DEV_LOGIN') && config.devLogin) {
    problems.push(
      'DUI_DEV_LOGIN doit valoir false en production : la connexion de développement ne vérifie aucune identité',
    );
  }
  if (parsed.has('DUI_INS_OIDS_ALLOWED_TEST') && config.insTestOidsAllowed) {
    problems.push(
      'DUI_INS_OIDS_ALLOWED_TEST doit valoir false en production : les INS de test ne désignent personne et ne doivent jamais entrer dans un dossier réel',
    );
  }
  if (config.oidc !== undefined && !config.oidc.issuer.startsWith('https://')) {
    problems.push('PSC_ISSUER doit être une URL https en production');
  }
  if (config.organisationOidc !== undefined && !config.organisationOidc.issuer.startsWith('https://')) {
    problems.push('OIDC_ISSUER doit être une URL https en production');
  }
  if (config.annuaireSante !== undefined && !config.annuaireSante.url.startsWith('https://')) {
    problems.push(
      'DUI_ANNUAIRE_SANTE_URL doit être une URL https en production : la clé d’API ne circule pas en clair',
    );
  }
  return problems;
}

function oidcCompletenessProblems(settings: Partial<Settings>): string[] {
  const given = OIDC_VARIABLES.filter((name) => settings[name] !== undefined);
  const missing = OIDC_VARIABLES.filter((name) => settings[name] === undefined);
  if (given.length === 0 || missing.length === 0) return [];
  return [
    `Pro Santé Connect est configuré à moitié : ${missing.join(', ')} manque${missing.length > 1 ? 'nt' : ''} (${OIDC_VARIABLES.join(', ')} vont ensemble)`,
  ];
}

const ORGANISATION_OIDC_VARIABLES = [
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'OIDC_REDIRECT_URI',
] as const;

function organisationOidcCompletenessProblems(settings: Partial<Settings>): string[] {
  const missing = ORGANISATION_OIDC_VARIABLES.filter((name) => settings[name] === undefined);
  if (missing.length === 0 || missing.length === ORGANISATION_OIDC_VARIABLES.length) return [];
  return [
    `le fournisseur d’identité de l’organisme est configuré à moitié : ${missing.join(', ')} manque${missing.length > 1 ? 'nt' : ''} (${ORGANISATION_OIDC_VARIABLES.join(', ')} vont ensemble)`,
  ];
}

function organisationOidcConfig(settings: Settings): OrganisationOidcConfig | undefined {
  const { OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI } = settings;
  if (OIDC_ISSUER === undefined || OIDC_CLIENT_ID === undefined) return undefined;
  if (OIDC_CLIENT_SECRET === undefined || OIDC_REDIRECT_URI === undefined) return undefined;
  return {
    id: settings.OIDC_PROVIDER_ID ?? 'organisation',
    issuer: OIDC_ISSUER,
    clientId: OIDC_CLIENT_ID,
    clientSecret: OIDC_CLIENT_SECRET,
    redirectUri: OIDC_REDIRECT_URI,
    requiredAcr: settings.OIDC_REQUIRED_ACR,
  };
}

/** Judged on what was given, so that a wrong setting is reported as wrong, not again as missing. */
function insiCompletenessProblems(env: NodeJS.ProcessEnv): string[] {
  const missing = INSI_VARIABLES.filter((name) => blankToUndefined(env[name]) === undefined);
  if (missing.length === 0 || missing.length === INSI_VARIABLES.length) return [];
  return [
    `le téléservice INSi est configuré à moitié : ${missing.join(', ')} manque${missing.length > 1 ? 'nt' : ''} (${INSI_VARIABLES.join(', ')} vont ensemble)`,
  ];
}

function dmpCompletenessProblems(env: NodeJS.ProcessEnv): string[] {
  const missing = DMP_VARIABLES.filter((name) => blankToUndefined(env[name]) === undefined);
  if (missing.length === 0 || missing.length === DMP_VARIABLES.length) return [];
  return [
    `le DMP est configuré à moitié : ${missing.join(', ')} manque${missing.length > 1 ? 'nt' : ''} (${DMP_VARIABLES.join(', ')} vont ensemble)`,
  ];
}

function dmpConfig(settings: Settings): DmpConfig | undefined {
  const {
    DUI_DMP_URL: url,
    DUI_DMP_CERT_FILE: certFile,
    DUI_DMP_KEY_FILE: keyFile,
    DUI_DMP_CA_FILE: caFile,
  } = settings;
  const homologationNumber = settings.DUI_DMP_HOMOLOGATION_NUMBER;
  if (url === undefined || certFile === undefined || keyFile === undefined || caFile === undefined) return undefined;
  if (homologationNumber === undefined) return undefined;
  return { url, certFile, keyFile, caFile, homologationNumber, instance: settings.DUI_DMP_INSTANCE };
}

function insiConfig(settings: Settings): InsiConfig | undefined {
  const { DUI_INSI_URL, DUI_INSI_CERT_FILE, DUI_INSI_KEY_FILE, DUI_INSI_CA_FILE, DUI_INSI_AUTHORISATION_NUMBER } =
    settings;
  if (DUI_INSI_URL === undefined || DUI_INSI_CERT_FILE === undefined || DUI_INSI_KEY_FILE === undefined) {
    return undefined;
  }
  if (DUI_INSI_CA_FILE === undefined || DUI_INSI_AUTHORISATION_NUMBER === undefined) return undefined;
  const instance = settings.DUI_INSI_INSTANCE ?? hostname();
  return {
    url: DUI_INSI_URL,
    certFile: DUI_INSI_CERT_FILE,
    keyFile: DUI_INSI_KEY_FILE,
    caFile: DUI_INSI_CA_FILE,
    authorisationNumber: DUI_INSI_AUTHORISATION_NUMBER,
    instance,
    emitter: settings.DUI_INSI_EMITTER ?? instance,
  };
}

const MSSANTE_VARIABLES = [
  'DUI_MSSANTE_SMTP_URL',
  'DUI_MSSANTE_IMAP_URL',
  'DUI_MSSANTE_ADDRESS',
  'DUI_MSSANTE_USER',
  'DUI_MSSANTE_PASSWORD',
  'DUI_MSSANTE_ORGANISATION',
] as const;

/** The mailbox is given whole or not at all: a server without its credentials is a mistake, not a choice. */
function mssanteCompletenessProblems(env: NodeJS.ProcessEnv): string[] {
  const missing = MSSANTE_VARIABLES.filter((name) => blankToUndefined(env[name]) === undefined);
  if (missing.length === 0 || missing.length === MSSANTE_VARIABLES.length) return [];
  return [
    `la messagerie MSSanté est configurée à moitié : ${missing.join(', ')} manque${missing.length > 1 ? 'nt' : ''} (${MSSANTE_VARIABLES.join(', ')} vont ensemble)`,
  ];
}

function mssanteConfig(settings: Settings): MssanteConfig | undefined {
  const { DUI_MSSANTE_SMTP_URL: smtpUrl, DUI_MSSANTE_IMAP_URL: imapUrl, DUI_MSSANTE_ADDRESS: address } = settings;
  const { DUI_MSSANTE_USER: user, DUI_MSSANTE_PASSWORD: password, DUI_MSSANTE_ORGANISATION: organisationId } = settings;
  if (smtpUrl === undefined || imapUrl === undefined || address === undefined) return undefined;
  if (user === undefined || password === undefined || organisationId === undefined) return undefined;
  return {
    smtpUrl,
    imapUrl,
    address,
    user,
    password,
    organisationId,
    productReference: settings.DUI_MSSANTE_PRODUCT_REFERENCE,
  };
}

/** Both or neither: the URL without its key (or the key without its URL) is a mistake, not a choice. */
function annuaireSanteCompletenessProblems(env: NodeJS.ProcessEnv): string[] {
  const url = blankToUndefined(env.DUI_ANNUAIRE_SANTE_URL) !== undefined;
  const apiKey = blankToUndefined(env.DUI_ANNUAIRE_SANTE_API_KEY) !== undefined;
  if (url === apiKey) return [];
  return [
    `l’Annuaire Santé est configuré à moitié : ${url ? 'DUI_ANNUAIRE_SANTE_API_KEY' : 'DUI_ANNUAIRE_SANTE_URL'} manque (DUI_ANNUAIRE_SANTE_URL et DUI_ANNUAIRE_SANTE_API_KEY vont ensemble)`,
  ];
}

function annuaireSanteConfig(settings: Settings): AnnuaireSanteConfig | undefined {
  const { DUI_ANNUAIRE_SANTE_URL: url, DUI_ANNUAIRE_SANTE_API_KEY: apiKey } = settings;
  return url === undefined || apiKey === undefined ? undefined : { url, apiKey };
}

function oidcConfig(settings: Settings): OidcConfig | undefined {
  const { PSC_ISSUER, PSC_CLIENT_ID, PSC_CLIENT_SECRET, PSC_REDIRECT_URI } = settings;
  if (PSC_ISSUER === undefined || PSC_CLIENT_ID === undefined) return undefined;
  if (PSC_CLIENT_SECRET === undefined || PSC_REDIRECT_URI === undefined) return undefined;
  return {
    issuer: PSC_ISSUER,
    clientId: PSC_CLIENT_ID,
    clientSecret: PSC_CLIENT_SECRET,
    redirectUri: PSC_REDIRECT_URI,
  };
}

function settingSchemas() {
  const schemaLength = maxSchemaLength(projectionCatalogue);
  return {
    DUI_MODE: optional(
      z.enum(['production', 'development'], { error: 'DUI_MODE doit valoir production ou development' }),
    ),
    PORT: withDefault(
      z.coerce
        .number({ error: 'PORT doit être un numéro de port, de 0 à 65535' })
        .int({ error: 'PORT doit être un numéro de port, de 0 à 65535' })
        .min(0, { error: 'PORT doit être un numéro de port, de 0 à 65535' })
        .max(65535, { error: 'PORT doit être un numéro de port, de 0 à 65535' }),
      DEFAULT_PORT,
    ),
    DATABASE_URL: optional(
      z.string().refine(isUrlOf(['postgres:', 'postgresql:']), {
        error: 'DATABASE_URL doit être une URL PostgreSQL, par exemple postgres://utilisateur@hôte:5432/base',
      }),
    ),
    DUI_DATA_DIR: withDefault(z.string(), DEFAULT_DATA_DIR),
    DUI_BLOB_DIR: optional(z.string()),
    DUI_BLOB_STORE: optional(
      z.enum(['filesystem', 'postgres'], {
        error: 'DUI_BLOB_STORE doit valoir filesystem (par défaut) ou postgres',
      }),
    ),
    DUI_SCHEMA: withDefault(
      z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/, {
          error:
            'DUI_SCHEMA doit être un nom de schéma PostgreSQL simple : lettres minuscules, chiffres et _, sans chiffre en tête',
        })
        .max(schemaLength, {
          error: `DUI_SCHEMA : ${schemaLength} caractères au plus (les schémas des projections ajoutent leur nom au sien)`,
        }),
      DEFAULT_SCHEMA,
    ),
    DUI_MASTER_KEY: optional(z.string().transform(masterKeySetting('DUI_MASTER_KEY'))),
    DUI_PREVIOUS_MASTER_KEYS: optional(z.string().transform(previousMasterKeysSetting('DUI_PREVIOUS_MASTER_KEYS'))),
    REDIS_URL: optional(
      z.string().refine(isUrlOf(['redis:', 'rediss:']), {
        error: 'REDIS_URL doit être une URL Redis, par exemple redis://hôte:6379',
      }),
    ),
    DUI_DEV_LOGIN: optional(booleanSetting('DUI_DEV_LOGIN')),
    DUI_PROJECTION_WORKER: optional(booleanSetting('DUI_PROJECTION_WORKER')),
    DUI_INS_OIDS_ALLOWED_TEST: optional(booleanSetting('DUI_INS_OIDS_ALLOWED_TEST')),
    PSC_ISSUER: optional(
      z.string().refine(isUrlOf(['https:', 'http:']), {
        error:
          'PSC_ISSUER doit être l’URL du fournisseur d’identité, par exemple https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet',
      }),
    ),
    PSC_CLIENT_ID: optional(z.string()),
    PSC_CLIENT_SECRET: optional(z.string()),
    PSC_REDIRECT_URI: optional(
      z.string().refine(isUrlOf(['https:', 'http:']), {
        error: 'PSC_REDIRECT_URI doit être une URL, celle du retour après connexion (…/auth/callback)',
      }),
    ),
    OIDC_PROVIDER_ID: optional(
      z.string().regex(/^[a-z0-9][a-z0-9-]*$/, {
        error: 'OIDC_PROVIDER_ID : lettres minuscules, chiffres et tirets (il apparaît dans /auth/<id>/login)',
      }),
    ),
    OIDC_ISSUER: optional(
      z.string().refine(isUrlOf(['https:', 'http:']), {
        error: 'OIDC_ISSUER doit être l’URL du fournisseur d’identité de l’organisme',
      }),
    ),
    OIDC_CLIENT_ID: optional(z.string()),
    OIDC_CLIENT_SECRET: optional(z.string()),
    OIDC_REDIRECT_URI: optional(
      z.string().refine(isUrlOf(['https:', 'http:']), {
        error: 'OIDC_REDIRECT_URI doit être une URL, celle du retour après connexion (…/auth/<id>/callback)',
      }),
    ),
    OIDC_REQUIRED_ACR: optional(z.string()),
    DUI_INSI_URL: optional(
      z.string().refine(isUrlOf(['https:']), {
        error: 'DUI_INSI_URL doit être l’URL https du téléservice INSi (TLS mutuel)',
      }),
    ),
    DUI_INSI_CERT_FILE: optional(z.string()),
    DUI_INSI_KEY_FILE: optional(z.string()),
    DUI_INSI_CA_FILE: optional(z.string()),
    DUI_INSI_AUTHORISATION_NUMBER: optional(z.string().trim()),
    DUI_INSI_INSTANCE: optional(z.string().trim()),
    DUI_INSI_EMITTER: optional(z.string().trim()),
    DUI_DMP_URL: optional(
      z.string().refine(isUrlOf(['https:']), {
        error:
          'DUI_DMP_URL doit être l’URL https des services du DMP (TLS mutuel), par exemple https://…/si-dmp-server/v2/services',
      }),
    ),
    DUI_DMP_CERT_FILE: optional(z.string()),
    DUI_DMP_KEY_FILE: optional(z.string()),
    DUI_DMP_CA_FILE: optional(z.string()),
    DUI_DMP_HOMOLOGATION_NUMBER: optional(z.string().trim()),
    DUI_DMP_INSTANCE: optional(z.string().trim()),
    DUI_ANNUAIRE_SANTE_URL: optional(
      z.string().refine(isUrlOf(['https:', 'http:']), {
        error:
          'DUI_ANNUAIRE_SANTE_URL doit être l’URL de base de l’API FHIR de l’Annuaire Santé, par exemple https://gateway.api.esante.gouv.fr/fhir/v2',
      }),
    ),
    DUI_ANNUAIRE_SANTE_API_KEY: optional(z.string().trim()),
    DUI_MSSANTE_SMTP_URL: optional(
      z.string().refine(isUrlOf(['smtp:', 'smtps:']), {
        error:
          'DUI_MSSANTE_SMTP_URL doit être l’URL du serveur d’envoi de l’opérateur MSSanté, par exemple smtps://smtp.operateur.fr:465',
      }),
    ),
    DUI_MSSANTE_IMAP_URL: optional(
      z.string().refine(isUrlOf(['imap:', 'imaps:']), {
        error:
          'DUI_MSSANTE_IMAP_URL doit être l’URL du serveur IMAP de l’opérateur MSSanté, par exemple imaps://imap.operateur.fr:993',
      }),
    ),
    DUI_MSSANTE_ADDRESS: optional(
      z
        .string()
        .trim()
        .toLowerCase()
        .pipe(z.email({ error: 'DUI_MSSANTE_ADDRESS doit être l’adresse MSSanté de la boîte de l’organisme' })),
    ),
    DUI_MSSANTE_USER: optional(z.string().trim()),
    DUI_MSSANTE_PASSWORD: optional(z.string()),
    DUI_MSSANTE_ORGANISATION: optional(
      z
        .string()
        .trim()
        .regex(/^[\w.:-]{1,200}$/, {
          error: 'DUI_MSSANTE_ORGANISATION doit être l’identifiant de l’organisme à qui la boîte MSSanté appartient',
        }),
    ),
    DUI_MSSANTE_PRODUCT_REFERENCE: optional(z.string().trim().max(100)),
    DUI_MSSANTE_POLL_MINUTES: withDefault(
      z.coerce
        .number({ error: 'DUI_MSSANTE_POLL_MINUTES doit être un nombre de minutes entre 0 (jamais) et 1440' })
        .min(0, { error: 'DUI_MSSANTE_POLL_MINUTES doit être un nombre de minutes entre 0 (jamais) et 1440' })
        .max(1440, { error: 'DUI_MSSANTE_POLL_MINUTES doit être un nombre de minutes entre 0 (jamais) et 1440' }),
      5,
    ),
    LOG_LEVEL: optional(z.enum(LOG_LEVELS, { error: `LOG_LEVEL doit valoir l’un de : ${LOG_LEVELS.join(', ')}` })),
    RATE_LIMIT_PER_MINUTE: withDefault(
      z.coerce
        .number({ error: 'RATE_LIMIT_PER_MINUTE doit être un nombre entier de requêtes, au moins 1' })
        .int({ error: 'RATE_LIMIT_PER_MINUTE doit être un nombre entier de requêtes, au moins 1' })
        .min(1, { error: 'RATE_LIMIT_PER_MINUTE doit être un nombre entier de requêtes, au moins 1' }),
      DEFAULT_RATE_LIMIT,
    ),
    DUI_IDEMPOTENCY_LOCK_SECONDS: withDefault(
      z.coerce
        .number({ error: 'DUI_IDEMPOTENCY_LOCK_SECONDS doit être un nombre entier de secondes, entre 1 et 3600' })
        .int({ error: 'DUI_IDEMPOTENCY_LOCK_SECONDS doit être un nombre entier de secondes, entre 1 et 3600' })
        .min(1, { error: 'DUI_IDEMPOTENCY_LOCK_SECONDS doit être un nombre entier de secondes, entre 1 et 3600' })
        .max(3600, { error: 'DUI_IDEMPOTENCY_LOCK_SECONDS doit être un nombre entier de secondes, entre 1 et 3600' }),
      IDEMPOTENCY_LOCK_TTL_MS / 1000,
    ),
    TRUST_PROXY: withDefault(z.string().transform(trustProxyParser), false),
    DUI_FACILITIES: withDefault(z.string().transform(facilitiesParser), {}),
    DUI_OID_ROOT: withDefault(
      z
        .string()
        .trim()
        .regex(/^[0-2](\.(0|[1-9]\d*))+$/, { error: 'DUI_OID_ROOT doit être un OID (chiffres séparés par des points)' })
        .max(48, { error: 'DUI_OID_ROOT doit tenir en 48 caractères : les identifiants qui en dérivent en ajoutent' }),
      DEFAULT_OID_ROOT,
    ),
    DUI_METRICS_TOKEN: optional(
      z
        .string()
        .trim()
        .regex(/^[\x21-\x7e]{32,}$/, {
          error:
            'DUI_METRICS_TOKEN doit compter au moins 32 caractères ASCII visibles, sans espace (par exemple : openssl rand -base64 32)',
        }),
    ),
    DUI_KEEP_ALIVE_SECONDS: withDefault(
      z.coerce
        .number({ error: KEEP_ALIVE_PROBLEM })
        .int({ error: KEEP_ALIVE_PROBLEM })
        .min(1, { error: KEEP_ALIVE_PROBLEM })
        .max(3_600, { error: KEEP_ALIVE_PROBLEM }),
      DEFAULT_KEEP_ALIVE_TIMEOUT_MS / 1_000,
    ),
    DUI_RETENTION_JOB_HOURS: withDefault(
      z.coerce
        .number({ error: 'DUI_RETENTION_JOB_HOURS doit être un nombre d’heures entre 0 (jamais) et 168' })
        .min(0, { error: 'DUI_RETENTION_JOB_HOURS doit être un nombre d’heures entre 0 (jamais) et 168' })
        .max(168, { error: 'DUI_RETENTION_JOB_HOURS doit être un nombre d’heures entre 0 (jamais) et 168' }),
      24,
    ),
    DUI_SOCIAL_ARCHIVE_YEARS: withDefault(
      z.coerce
        .number({ error: SOCIAL_ARCHIVE_YEARS_PROBLEM })
        .int({ error: SOCIAL_ARCHIVE_YEARS_PROBLEM })
        .min(0, { error: SOCIAL_ARCHIVE_YEARS_PROBLEM })
        .max(MAX_INTERMEDIATE_ARCHIVE_YEARS, { error: SOCIAL_ARCHIVE_YEARS_PROBLEM }),
      DEFAULT_RETENTION_POLICY.socialIntermediateArchiveYears,
    ),
  };
}

const KEEP_ALIVE_PROBLEM =
  'DUI_KEEP_ALIVE_SECONDS doit être un nombre entier de secondes entre 1 et 3600, plus long que le délai d’inactivité du répartiteur de charge';
const SOCIAL_ARCHIVE_YEARS_PROBLEM = `DUI_SOCIAL_ARCHIVE_YEARS doit être un nombre entier d’années d’archivage intermédiaire, de 0 à ${MAX_INTERMEDIATE_ARCHIVE_YEARS}`;

type Settings = {
  [Name in keyof ReturnType<typeof settingSchemas>]: z.output<ReturnType<typeof settingSchemas>[Name]>;
};

/** An empty variable counts as absent, as for the command line. */
function optional<T extends z.ZodType>(setting: T) {
  return z.preprocess(blankToUndefined, setting.optional());
}

function withDefault<T extends z.ZodType>(setting: T, value: z.output<T>) {
  return z.preprocess(blankToUndefined, setting.optional()).transform((parsed) => (parsed ?? value) as z.output<T>);
}

function blankToUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

const TRUE_WORDS = ['true', '1', 'yes', 'oui', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'non', 'off'];

function booleanSetting(name: string) {
  return z.string().transform((value, context) => {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.includes(word)) return true;
    if (FALSE_WORDS.includes(word)) return false;
    context.addIssue({ code: 'custom', message: `${name} doit valoir true ou false` });
    return z.NEVER;
  });
}

function isUrlOf(protocols: readonly string[]): (value: string) => boolean {
  return (value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  };
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** `true`/`false`, a number of proxies in front, or a list of addresses, subnets and Express's names. */
function trustProxyParser(value: string, context: z.RefinementCtx): boolean | number | string[] {
  const text = value.trim().toLowerCase();
  if (TRUE_WORDS.includes(text) && text !== '1') return true;
  if (FALSE_WORDS.includes(text) && text !== '0') return false;
  if (/^[0-9]{1,2}$/.test(text)) return Number(text);
  const entries = value.split(',').map((entry) => entry.trim());
  const valid = entries.every((entry) => {
    if (PROXY_NAMES.includes(entry)) return true;
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) return false;
    if (prefix === undefined) return true;
    return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  });
  if (!valid) {
    context.addIssue({
      code: 'custom',
      message:
        'TRUST_PROXY doit valoir true, false, un nombre de mandataires, ou une liste d’adresses et de sous-réseaux séparés par des virgules (ou loopback, linklocal, uniquelocal)',
    });
    return z.NEVER;
  }
  return entries;
}

const facilitiesSchema = z.array(
  z.object({
    finess: z.string().regex(/^\d[\dAB]\d{7}$/),
    name: z.string().trim().min(1).max(200),
    address: z.string().trim().min(1).max(300),
  }),
);

/** `[{"finess": "750000001", "name": "CSAPA …", "address": "1 rue …, 75001 Paris"}, …]` */
function facilitiesParser(value: string, context: z.RefinementCtx): Record<string, FacilityIdentity> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const facilities = facilitiesSchema.safeParse(parsed);
  if (!facilities.success) {
    context.addIssue({
      code: 'custom',
      message:
        'DUI_FACILITIES doit être une liste JSON d’ESSMS : [{"finess": "750000001", "name": "…", "address": "…"}]',
    });
    return z.NEVER;
  }
  return Object.fromEntries(facilities.data.map(({ finess, name, address }) => [finess, { name, address }]));
}
