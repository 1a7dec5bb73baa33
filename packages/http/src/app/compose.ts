import { SealedBlobStore } from '@dui-pds/documents';
import {
  type AppendNotifier,
  type EventStore,
  InProcessAppendNotifier,
  KnexDataKeyStore,
  openEventStore,
  withCryptoShredding,
} from '@dui-pds/eventstore';
import {
  accessRequestsProjection,
  accompanimentExitsProjection,
  actsProjection,
  agendasProjection,
  attendanceProjection,
  blobsOfServiceUser,
  careTeamsProjection,
  clinicalObservationsProjection,
  closedRecordsAmong,
  directoryProjection,
  documentsOfServiceUser,
  documentsProjection,
  exchangesProjection,
  freedomOfMovementProjection,
  habilitationsProjection,
  handoversProjection,
  infectiousWasteProjection,
  lastExitOf,
  ProjectionRuntime,
  personalisedProjectsProjection,
  pharmacyProjection,
  portalAccountsProjection,
  prescriptionsProjection,
  psychologyProjection,
  REPORTING_OUTBOX,
  RedisAppendNotifier,
  RedisLeaseManager,
  recordNotesProjection,
  recordRetentionProjection,
  secureMessagingProjection,
  serviceUsersProjection,
  socialBenefitsProjection,
  stayContractsProjection,
  summarySheetsProjection,
  trustedPersonsProjection,
  usageProfilesProjection,
  visitsProjection,
  waitingListProjection,
  withArchivedRecordsReadOnly,
  withInlineProjections,
} from '@dui-pds/projections';
import type { AnnuaireSante, Dmp, Insi } from '@dui-pds/segur-adapters';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import {
  authenticate,
  devLoginAllowed,
  devLoginRouter,
  genericOidcProfile,
  MemorySessionStore,
  type OidcProviderSettings,
  oidcRouter,
  proSanteConnectProfile,
  type SessionStore,
} from '../auth/index.js';
import { accessLogRoutes } from '../features/access-log/access-log-routes.js';
import { accessRequestsRoutes } from '../features/access-requests/access-requests-routes.js';
import { actsRoutes } from '../features/acts/acts-routes.js';
import { admissionRoutes } from '../features/admission/admission-routes.js';
import { agendaFeatureRoutes } from '../features/agendas/agenda-feature-routes.js';
import { assessmentsRoutes } from '../features/assessments/assessments-routes.js';
import { careTeamRoutes } from '../features/care-teams/care-team-routes.js';
import { cdaRoutes } from '../features/cda/cda-routes.js';
import { directoryRoutes } from '../features/directory/directory-routes.js';
import { dispensingRoundRoutes } from '../features/dispensing-round/dispensing-round-routes.js';
import { dmpRoutes } from '../features/dmp/dmp-routes.js';
import { documentsRoutes } from '../features/documents/documents-routes.js';
import { generatedDocumentsRoutes } from '../features/documents/generated-documents-routes.js';
import { exchangesRoutes } from '../features/exchanges/exchanges-routes.js';
import { exitsRoutes } from '../features/exits/exits-routes.js';
import { freedomOfMovementRoutes } from '../features/freedom-of-movement/freedom-of-movement-routes.js';
import { habilitationsRoutes } from '../features/habilitations/habilitations-routes.js';
import { handoversRoutes } from '../features/handovers/handovers-routes.js';
import { infectiousWasteRoutes } from '../features/infectious-waste/infectious-waste-routes.js';
import { clinicalObservationsRoutes } from '../features/medical-observations/clinical-observations-routes.js';
import { MssanteInboxSchedule } from '../features/mssante/mssante-inbox-schedule.js';
import { mssanteRoutes } from '../features/mssante/mssante-routes.js';
import { personalisedProjectsRoutes } from '../features/personalised-projects/personalised-projects-routes.js';
import { pharmacyRoutes } from '../features/pharmacy/pharmacy-routes.js';
import { prescriptionForDispensing } from '../features/pharmacy/prescription-for-dispensing.js';
import { pharmacyRegistersRoutes } from '../features/pharmacy-registers/pharmacy-registers-routes.js';
import { prescriptionsRoutes } from '../features/prescriptions/prescriptions-routes.js';
import { attendanceRoutes } from '../features/presences/attendance-routes.js';
import { ProfessionalAccess } from '../features/professional-access.js';
import { psychologyRoutes } from '../features/psychology/psychology-routes.js';
import { projectedExportSources } from '../features/record-export/projected-export-sources.js';
import { recordNotesRoutes } from '../features/record-notes/record-notes-routes.js';
import { reportingRelay } from '../features/reporting/reporting-relay.js';
import { reportingRoutes } from '../features/reporting/reporting-routes.js';
import { reportsRoutes } from '../features/reports/reports-routes.js';
import { runEndOfRetention } from '../features/retention/end-of-retention.js';
import { organisationRetentionPolicy } from '../features/retention/organisation-retention-policy.js';
import { retentionPolicyRoutes } from '../features/retention/retention-policy-routes.js';
import { retentionRoutes } from '../features/retention/retention-routes.js';
import { RetentionSchedule } from '../features/retention/retention-schedule.js';
import { serviceUsersRoutes } from '../features/service-users/service-users-routes.js';
import { socialBenefitsRoutes } from '../features/social-benefits/social-benefits-routes.js';
import { stayContractsRoutes } from '../features/stay-contracts/stay-contracts-routes.js';
import { summarySheetRoutes } from '../features/summary-sheets/summary-sheet-routes.js';
import { trustedPersonsRoutes } from '../features/trusted-persons/trusted-persons-routes.js';
import { usageProfilesRoutes } from '../features/usage-profiles/usage-profiles-routes.js';
import { visitsRoutes } from '../features/visits/visits-routes.js';
import { loadDeploymentSecrets } from '../keys/deployment-secrets.js';
import { TotpSecretSeal } from '../portal/portal-credentials.js';
import { portalRouter } from '../portal/portal-router.js';
import { failClosedPortalSources, type PortalSources } from '../portal/portal-sources.js';
import { portalStaffRoutes } from '../portal/portal-staff-routes.js';
import { projectedPortalSources } from '../portal/projected-portal-sources.js';
import { asyncProjections, inlineProjections, withPseudonymKey } from '../projection-catalogue.js';
import {
  countingAppends,
  createApp,
  databaseCheck,
  type IdempotencyStore,
  migrateIdempotencyStore,
  type OidcConfig,
  PostgresIdempotencyStore,
  type ReadinessCheck,
  redisCheck,
  SealedIdempotencyStore,
  type ServerConfig,
  ServerMetrics,
  startHttpServer,
} from '../server/index.js';
import { AccessLog } from './access-log.js';
import { openAnnuaireSante } from './annuaire-sante-service.js';
import { blobKeysOf } from './blob-keys.js';
import { openBlobStorage } from './blob-storage.js';
import { DEMO_FACILITIES, DEMO_ORGANISATION, DEMO_PROFESSIONALS, seedDemoOrganisation } from './demo-organisation.js';
import { developmentMasterKey } from './development-master-key.js';
import { openDmp } from './dmp-service.js';
import { startEmbeddedProSanteConnect } from './embedded-pro-sante-connect.js';
import { openInsiTeleservice } from './insi-teleservice.js';
import { openMssanteMailbox } from './mssante-mailbox.js';
import { connectRedis, loggedRedisAvailability } from './redis-connection.js';
import { idempotencyKeysWithFallback, rateLimitsWithFallback, sessionsCachedInRedis } from './redis-fallbacks.js';
import { redisNames } from './redis-names.js';

export interface DuiServer {
  url: string;
  /** What the server runs on, for programs that embed it and for tests: appends go through `store`. */
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  runtime: ProjectionRuntime;
  /** Where the documents' bytes are kept, sealed with their usager's key. */
  blobs: SealedBlobStore;
  sessionStore: SessionStore;
  /** Stops accepting, lets requests in flight end, stops the workers, closes the pools. */
  close(): Promise<void>;
  /** Whether the demo organisation was set up (embedded default only). */
  demo: boolean;
  devLogin: boolean;
  /** Whether "Pro Santé Connect" is the local stand-in with fictitious professionals (embedded default, no `PSC_*`). */
  proSanteConnectStandIn: boolean;
}

/**
 * The composition root: the event store (PostgreSQL, or embedded PGlite), crypto-shredding, the
 * projections (habilitations and notes inline, the rest by a worker in this process), Redis where
 * configured, authentication, the routes, and the HTTP server.
 */
export async function startDuiServer(
  config: ServerConfig,
  logger: Logger,
  options: {
    handleSignals?: boolean;
    clock?: () => Date;
    sessionStore?: SessionStore;
    /** The INSi teleservice; by default the configured one, else a local SOAP stand-in in development. */
    insi?: Insi;
    /** The Annuaire Santé; by default the configured ANS FHIR API, else a local FHIR stand-in in development. */
    annuaireSante?: AnnuaireSante;
    /** The DMP; by default the configured DMPi web services, else a local SOAP stand-in in development. */
    dmp?: Dmp;
    /** What the usager portal reads from other modules (designations, agenda); fail-closed defaults. */
    portal?: Partial<PortalSources>;
  } = {},
): Promise<DuiServer> {
  const clock = options.clock ?? (() => new Date());
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, loggedRedisAvailability(logger)) : undefined;
  const inRedis = redisNames(config.schema);
  const notifier: AppendNotifier & { close?: () => Promise<void> } = config.redisUrl
    ? await RedisAppendNotifier.connect(config.redisUrl, { channel: inRedis.appendedChannel })
    : new InProcessAppendNotifier();
  const embedded = config.databaseUrl === undefined;
  const opened = await openEventStore({
    databaseUrl: config.databaseUrl ?? '',
    dataDir: config.pgliteDir,
    schema: config.schema,
    notifier,
  });
  const { knex } = opened;
  const masterKeys = {
    current: config.masterKey ?? (await developmentMasterKey(config.pgliteDir)),
    previous: config.previousMasterKeys,
  };
  const secrets = await loadDeploymentSecrets(knex, config.schema, masterKeys).catch(async (error: unknown) => {
    // a master key that is not this database's: nothing started yet, leave nothing open
    await opened.close();
    await notifier.close?.();
    redis?.disconnect();
    throw error;
  });
  const protectedStore = withCryptoShredding(opened.store, {
    keys: new KnexDataKeyStore(knex, { schema: config.schema }),
    masterKey: masterKeys.current,
    previousMasterKeys: masterKeys.previous,
    notifier,
  });
  const runtime = new ProjectionRuntime({
    knex,
    store: protectedStore,
    schema: config.schema,
    projections: asyncProjections,
    inline: withPseudonymKey(inlineProjections, secrets.reportingPseudonymKey),
    notifier,
    leases: redis ? new RedisLeaseManager(redis, { prefix: inRedis.leases }) : undefined,
    onError: (error, projection) => logger.error({ err: error, projection }, 'projection batch failed'),
  });
  await runtime.migrate();
  const retentionSchema = runtime.readSchema(recordRetentionProjection.name);
  const accompanimentExitsSchema = runtime.readSchema(accompanimentExitsProjection.name);
  const metrics = new ServerMetrics({
    projections: runtime,
    onProjectionStatusError: (error) => logger.warn({ err: error }, 'projection status not read for /metrics'),
  });
  // archived records are read-only, whichever route or program appends
  const store = countingAppends(
    withArchivedRecordsReadOnly(withInlineProjections(protectedStore, knex, runtime), knex, retentionSchema),
    metrics,
  );
  const keptBlobs = await openBlobStorage(config, knex);
  const blobs = new SealedBlobStore(keptBlobs, blobKeysOf(protectedStore));
  const documentsSchema = runtime.readSchema(documentsProjection.name);
  const exportSources = projectedExportSources({ store, knex, documentsSchema, blobs });
  const retentionPolicyOf = async (organisationId: string) =>
    (await organisationRetentionPolicy(store, organisationId, config.retentionPolicy)).inForce;
  const endOfRetention = (scope: { organisationId?: string }) =>
    runEndOfRetention(
      {
        store,
        forget: (serviceUserId) => protectedStore.forget(serviceUserId),
        knex,
        retentionSchema,
        purge: {
          async filesOf(where) {
            const [documents, theirs] = await Promise.all([
              documentsOfServiceUser(knex, documentsSchema, where),
              blobsOfServiceUser(knex, documentsSchema, where.organisationId, where.serviceUserId),
            ]);
            return { documents: documents.length, blobs: theirs };
          },
          deleteFile: (where, blob) => blobs.purge(where, blob.sha256, blob),
          readModels: async (where) =>
            (await runtime.purgeServiceUser(where, { keep: [recordRetentionProjection.name] })).total,
        },
        clock,
        policyOf: retentionPolicyOf,
      },
      scope,
    );

  const demo = embedded && config.mode !== 'production';
  if (demo) await seedDemoOrganisation(store, clock);
  const facilities = { ...(demo ? DEMO_FACILITIES : {}), ...config.facilities };
  // what a CDA document of the record is drawn from, for the CDA route, the DMP and MSSanté alike
  const cdaSources = {
    knex,
    schemas: {
      documents: documentsSchema,
      serviceUsers: runtime.readSchema(serviceUsersProjection.name),
      summarySheets: runtime.readSchema(summarySheetsProjection.name),
    },
    blobs,
    facilities,
    oidRoot: config.oidRoot,
  };
  const facilityNames = Object.fromEntries(Object.entries(facilities).map(([finess, { name }]) => [finess, name]));

  // with Redis, each of these falls back while Redis is away (ADR 0018)
  const idempotencyKeeper = redis
    ? await idempotencyKeysWithFallback(
        redis,
        knex,
        { schema: config.schema, keyPrefix: inRedis.idempotencyKeys },
        logger,
      )
    : await postgresIdempotencyStore(knex, config.schema);
  const idempotencyStore: IdempotencyStore = new SealedIdempotencyStore(
    idempotencyKeeper,
    secrets.idempotentAnswersKey,
  );
  const sessionStore: SessionStore =
    options.sessionStore ??
    (redis
      ? await sessionsCachedInRedis(redis, knex, {
          schema: config.schema,
          kind: 'professional',
          keyPrefix: inRedis.sessions,
          tokensKey: secrets.sessionTokensKey,
        })
      : new MemorySessionStore());
  const closedRecords = (organisationId: string, ids: readonly string[]) =>
    closedRecordsAmong(knex, retentionSchema, organisationId, ids);
  const access = new ProfessionalAccess(knex, runtime.readSchema(habilitationsProjection.name), clock, closedRecords);
  const accessLog = new AccessLog(store, clock, closedRecords);
  const devLogin = devLoginAllowed({ production: config.mode === 'production', embedded, devLogin: config.devLogin });
  // where the development login is, Pro Santé Connect without PSC_* is the stand-in: no network needed
  const pscStandIn =
    devLogin && config.oidc === undefined ? await startEmbeddedProSanteConnect(config.port) : undefined;
  const secureCookies = config.mode === 'production';
  // the portal's sessions never share a store (nor a key space) with the professionals'
  const runsHere = (projection: { name: string }) =>
    [...inlineProjections, ...asyncProjections].some((known) => known.name === projection.name);
  const portalSessionStore: SessionStore = redis
    ? await sessionsCachedInRedis(redis, knex, {
        schema: config.schema,
        kind: 'portal',
        keyPrefix: inRedis.portalSessions,
        tokensKey: secrets.sessionTokensKey,
      })
    : new MemorySessionStore({ now: clock });

  const readinessChecks: ReadinessCheck[] = [databaseCheck(knex), ...(redis ? [redisCheck(redis)] : [])];
  const teleservice = options.insi ? { insi: options.insi, close: async () => {} } : await openInsiTeleservice(config);
  const dmpService = options.dmp ? { dmp: options.dmp, close: async () => {} } : await openDmp(config);
  const annuaire = options.annuaireSante
    ? { annuaireSante: options.annuaireSante, close: async () => {} }
    : await openAnnuaireSante(config);
  // MSSanté: the configured mailbox, else local mail servers for the embedded demo (when Dovecot is installed)
  const mssanteMailbox = await openMssanteMailbox(config, demo ? { organisationId: DEMO_ORGANISATION.id } : undefined);
  const secureMessagingSchema = runtime.readSchema(secureMessagingProjection.name);
  const mssanteInbox =
    mssanteMailbox &&
    new MssanteInboxSchedule(
      {
        store,
        knex,
        schemas: {
          secureMessaging: secureMessagingSchema,
          serviceUsers: runtime.readSchema(serviceUsersProjection.name),
        },
        blobs,
        mailbox: mssanteMailbox,
        clock,
      },
      {
        everyMs: config.mssanteInboxEveryMs,
        onPass: (pass) => {
          if (pass.handled + pass.failed === 0) return;
          logger.info(pass, 'MSSanté inbox read');
        },
        onError: (error) =>
          logger.warn({ reason: error instanceof Error ? error.name : 'unknown' }, 'MSSanté inbox not read'),
      },
    );
  const app = createApp({
    config,
    logger,
    metrics,
    idempotencyStore,
    readinessChecks,
    rateLimitStore: redis ? rateLimitsWithFallback(redis, inRedis.rateLimits) : undefined,
    idempotency: { lockTtlMs: config.idempotencyLockMs },
    openApi: { title: 'DUI-PDS', commonProblems: ['unauthenticated', 'forbidden'] },
    beforeRoutes(app) {
      app.use(
        portalRouter({
          store,
          knex,
          schemas: {
            portalAccounts: runtime.readSchema(portalAccountsProjection.name),
            serviceUsers: runtime.readSchema(serviceUsersProjection.name),
            personalisedProjects: runtime.readSchema(personalisedProjectsProjection.name),
            accessRequests: runtime.readSchema(accessRequestsProjection.name),
          },
          accessLog,
          sessionStore: portalSessionStore,
          seal: new TotpSecretSeal(secrets.portalTotpSealKey),
          sources: {
            ...failClosedPortalSources,
            ...projectedPortalSources(
              knex,
              {
                agendas: runsHere(agendasProjection) ? runtime.readSchema(agendasProjection.name) : undefined,
                trustedPersons: runsHere(trustedPersonsProjection)
                  ? runtime.readSchema(trustedPersonsProjection.name)
                  : undefined,
                exits: runsHere(accompanimentExitsProjection) ? accompanimentExitsSchema : undefined,
              },
              { documentsSchema, blobs, exportSources, clock },
            ),
            ...options.portal,
          },
          clock,
          secureCookies,
        }),
      );
      app.use(authenticate(sessionStore));
      const providers = loginProviders(pscStandIn ? { ...config, oidc: pscStandIn.oidc } : config);
      app.use(
        oidcRouter({
          providers,
          sessionStore,
          // the same on every instance: a login may end on another instance than the one it began on
          pendingLoginKey: secrets.pendingLoginKey,
          secureCookies,
          onRefusal: (refusal, provider) => logger.warn({ provider, reason: refusal.name }, 'login refused'),
          onProviderLogoutFailure: (error, provider) =>
            logger.warn(
              { provider, reason: error instanceof Error ? error.name : 'unknown' },
              'provider logout not prepared',
            ),
        }),
      );
      if (devLogin) {
        app.use(
          devLoginRouter({
            professionals: DEMO_PROFESSIONALS.map(({ id, name }) => ({ professionalId: id, displayName: name })),
            sessionStore,
            secureCookies,
          }),
        );
      }
    },
    routes: [
      ...habilitationsRoutes({
        store,
        knex,
        habilitationsSchema: runtime.readSchema(habilitationsProjection.name),
        access,
      }),
      ...recordNotesRoutes({
        store,
        knex,
        notesSchema: runtime.readSchema(recordNotesProjection.name),
        access,
        accessLog,
      }),
      ...accessLogRoutes({ access, accessLog }),
      ...portalStaffRoutes({
        store,
        knex,
        portalAccountsSchema: runtime.readSchema(portalAccountsProjection.name),
        accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
      ...accessRequestsRoutes({
        store,
        knex,
        accessRequestsSchema: runtime.readSchema(accessRequestsProjection.name),
        access,
        accessLog,
        clock,
      }),
      ...pharmacyRoutes({
        store,
        access,
        clock,
        registeredPrescription: prescriptionForDispensing(store),
        lastExitOf: (where) => lastExitOf(knex, accompanimentExitsSchema, where),
      }),
      ...dispensingRoundRoutes({
        store,
        knex,
        pharmacySchema: runtime.readSchema(pharmacyProjection.name),
        prescriptionsSchema: runtime.readSchema(prescriptionsProjection.name),
        exitsSchema: accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
      ...pharmacyRegistersRoutes({
        knex,
        pharmacySchema: runtime.readSchema(pharmacyProjection.name),
        serviceUsersSchema: runtime.readSchema(serviceUsersProjection.name),
        runtime,
        access,
        accessLog,
        facilities,
        clock,
      }),
      ...summarySheetRoutes({
        knex,
        summarySheetsSchema: runtime.readSchema(summarySheetsProjection.name),
        access,
        accessLog,
        facilityNames,
        clock,
      }),
      ...serviceUsersRoutes({
        store,
        knex,
        serviceUsersSchema: runtime.readSchema(serviceUsersProjection.name),
        access,
        accessLog,
        insi: teleservice.insi,
        testInsAllowed: config.insTestOidsAllowed,
        facilities,
        clock,
      }),
      ...assessmentsRoutes({ store, access, accessLog, clock }),
      ...freedomOfMovementRoutes({
        store,
        knex,
        freedomOfMovementSchema: runtime.readSchema(freedomOfMovementProjection.name),
        accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
      ...exitsRoutes({
        store,
        knex,
        accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
      ...personalisedProjectsRoutes({
        store,
        knex,
        personalisedProjectsSchema: runtime.readSchema(personalisedProjectsProjection.name),
        accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
      ...prescriptionsRoutes({
        store,
        knex,
        prescriptionsSchema: runtime.readSchema(prescriptionsProjection.name),
        accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
      ...socialBenefitsRoutes({
        store,
        knex,
        socialBenefitsSchema: runtime.readSchema(socialBenefitsProjection.name),
        accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
      ...stayContractsRoutes({
        store,
        knex,
        stayContractsSchema: runtime.readSchema(stayContractsProjection.name),
        freedomOfMovementSchema: runtime.readSchema(freedomOfMovementProjection.name),
        habilitationsSchema: runtime.readSchema(habilitationsProjection.name),
        accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
      ...handoversRoutes({
        store,
        knex,
        handoversSchema: runtime.readSchema(handoversProjection.name),
        access,
        accessLog,
        clock,
      }),
      ...attendanceRoutes({
        store,
        knex,
        attendanceSchema: runtime.readSchema(attendanceProjection.name),
        accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
      ...infectiousWasteRoutes({
        store,
        knex,
        infectiousWasteSchema: runtime.readSchema(infectiousWasteProjection.name),
        access,
        clock,
      }),
      ...actsRoutes({
        store,
        knex,
        actsSchema: runtime.readSchema(actsProjection.name),
        directorySchema: runtime.readSchema(directoryProjection.name),
        access,
        accessLog,
        clock,
      }),
      ...visitsRoutes({
        store,
        knex,
        visitsSchema: runtime.readSchema(visitsProjection.name),
        access,
        accessLog,
        clock,
      }),
      ...usageProfilesRoutes({
        store,
        knex,
        usageProfilesSchema: runtime.readSchema(usageProfilesProjection.name),
        access,
        accessLog,
        clock,
      }),
      ...clinicalObservationsRoutes({
        store,
        knex,
        clinicalObservationsSchema: runtime.readSchema(clinicalObservationsProjection.name),
        access,
        accessLog,
        clock,
      }),
      ...psychologyRoutes({
        store,
        knex,
        psychologySchema: runtime.readSchema(psychologyProjection.name),
        recordNotesSchema: runtime.readSchema(recordNotesProjection.name),
        accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
      ...admissionRoutes({
        store,
        knex,
        waitingListSchema: runtime.readSchema(waitingListProjection.name),
        access,
        accessLog,
        clock,
      }),
      ...directoryRoutes({
        store,
        knex,
        directorySchema: runtime.readSchema(directoryProjection.name),
        annuaireSante: annuaire.annuaireSante,
        access,
        accessLog,
      }),
      ...trustedPersonsRoutes({
        store,
        knex,
        trustedPersonsSchema: runtime.readSchema(trustedPersonsProjection.name),
        directorySchema: runtime.readSchema(directoryProjection.name),
        serviceUsersSchema: runtime.readSchema(serviceUsersProjection.name),
        habilitationsSchema: runtime.readSchema(habilitationsProjection.name),
        access,
        accessLog,
        clock,
      }),
      ...exchangesRoutes({
        store,
        knex,
        exchangesSchema: runtime.readSchema(exchangesProjection.name),
        directorySchema: runtime.readSchema(directoryProjection.name),
        access,
        accessLog,
        clock,
      }),
      ...careTeamRoutes({
        knex,
        careTeamsSchema: runtime.readSchema(careTeamsProjection.name),
        access,
        accessLog,
      }),
      ...documentsRoutes({
        store,
        knex,
        documentsSchema,
        portalAccountsSchema: runtime.readSchema(portalAccountsProjection.name),
        blobs,
        access,
        accessLog,
        clock,
        seal: new TotpSecretSeal(secrets.portalTotpSealKey),
      }),
      ...generatedDocumentsRoutes({
        store,
        blobs,
        clock,
        access,
        accessLog,
        sources: {
          knex,
          store,
          schemas: {
            serviceUsers: runtime.readSchema(serviceUsersProjection.name),
            stayContracts: runtime.readSchema(stayContractsProjection.name),
            freedomOfMovement: runtime.readSchema(freedomOfMovementProjection.name),
            trustedPersons: runtime.readSchema(trustedPersonsProjection.name),
            personalisedProjects: runtime.readSchema(personalisedProjectsProjection.name),
            summarySheets: runtime.readSchema(summarySheetsProjection.name),
          },
          facilities,
        },
      }),
      ...dmpRoutes({
        store,
        dmp: dmpService.dmp,
        cda: cdaSources,
        access,
        accessLog,
        clock,
      }),
      ...cdaRoutes({
        sources: cdaSources,
        access,
        accessLog,
      }),
      ...mssanteRoutes({
        store,
        knex,
        schemas: {
          secureMessaging: secureMessagingSchema,
          serviceUsers: runtime.readSchema(serviceUsersProjection.name),
          directory: runtime.readSchema(directoryProjection.name),
          documents: documentsSchema,
        },
        blobs,
        access,
        accessLog,
        cda: cdaSources,
        mailbox: mssanteMailbox,
        inbox: mssanteInbox,
        clock,
      }),
      ...retentionRoutes({
        store,
        knex,
        retentionSchema,
        access,
        accessLog,
        exportSources,
        runEndOfRetention: endOfRetention,
        retentionPolicyOf,
        facilityNames,
        clock,
      }),
      ...retentionPolicyRoutes({
        store,
        knex,
        retentionSchema,
        access,
        instanceDefault: config.retentionPolicy,
        clock,
      }),
      ...reportingRoutes({ knex, outboxSchema: runtime.readSchema(REPORTING_OUTBOX), access }),
      ...reportsRoutes({ knex, outboxSchema: runtime.readSchema(REPORTING_OUTBOX), access, facilityNames, clock }),
      ...agendaFeatureRoutes({
        store,
        knex,
        agendasSchema: runtime.readSchema(agendasProjection.name),
        habilitationsSchema: runtime.readSchema(habilitationsProjection.name),
        accompanimentExitsSchema,
        access,
        accessLog,
        clock,
      }),
    ],
  });

  const workers = new AbortController();
  // behind a load balancer, `dui projections run` processes may do this instead (DUI_PROJECTION_WORKER=false)
  const following = config.projectionWorker ? runtime.run(workers.signal) : Promise.resolve();
  // where Redis is configured, the reporting events also go to its streams
  const relay = redis
    ? await reportingRelay({
        knex,
        outboxSchema: runtime.readSchema(REPORTING_OUTBOX),
        schema: config.schema,
        redis,
        leases: new RedisLeaseManager(redis, { prefix: inRedis.leases }),
        streamPrefix: inRedis.reportingStreams,
        onError: (error) => logger.error({ err: error }, 'reporting relay failed; retrying quietly until it works'),
        onRecovered: () => logger.info('reporting relay working again'),
      })
    : undefined;
  const retentionSchedule = new RetentionSchedule({
    everyMs: config.retentionJobEveryMs,
    run: () => endOfRetention({}),
    onRun: (run) => {
      if (run.archived.length + run.destroyed.length + run.failed.length === 0) return;
      logger.info(
        { archived: run.archived.length, destroyed: run.destroyed.length, failed: run.failed.length },
        'end-of-retention run',
      );
    },
    onError: (error) => logger.error({ err: error }, 'end-of-retention run failed'),
  });
  retentionSchedule.start();
  mssanteInbox?.start();
  const running = await startHttpServer(app, {
    port: pscStandIn?.port ?? config.port,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    logger,
    handleSignals: options.handleSignals,
    async onShutdown() {
      await teleservice.close();
      await annuaire.close();
      await dmpService.close();
      await mssanteInbox?.stop();
      await mssanteMailbox?.close();
      await retentionSchedule.stop();
      await relay?.stop();
      workers.abort();
      await following;
      await runtime.close();
      await opened.close();
      await notifier.close?.();
      await pscStandIn?.stop();
      redis?.disconnect();
    },
  });
  return {
    url: running.url,
    close: () => running.close(),
    demo,
    devLogin,
    proSanteConnectStandIn: pscStandIn !== undefined,
    store,
    knex,
    runtime,
    blobs,
    sessionStore,
  };
}

/** Pro Santé Connect and the organisation's own provider, as configured. */
function loginProviders(config: ServerConfig): OidcProviderSettings[] {
  // plain HTTP only to a provider on this machine (a local stand-in), never in production
  const insecure = (issuer: string) => config.mode !== 'production' && issuer.startsWith('http:');
  const registration = (oidc: OidcConfig) => ({
    ...oidc,
    issuer: new URL(oidc.issuer),
    redirectUri: new URL(oidc.redirectUri),
    allowInsecureRequests: insecure(oidc.issuer),
  });
  const providers: OidcProviderSettings[] = [];
  if (config.oidc) providers.push(proSanteConnectProfile(registration(config.oidc)));
  if (config.organisationOidc) {
    const { id, requiredAcr, ...oidc } = config.organisationOidc;
    providers.push(genericOidcProfile({ ...registration(oidc), id, ...(requiredAcr ? { requiredAcr } : {}) }));
  }
  return providers;
}

async function postgresIdempotencyStore(knex: Parameters<typeof migrateIdempotencyStore>[0], schema: string) {
  await migrateIdempotencyStore(knex, { schema });
  return new PostgresIdempotencyStore(knex, { schema });
}
