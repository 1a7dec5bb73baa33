import { type DestructionReport, destructionReportCsv, destructionReportPdf } from '@dui-pds/documents';
import {
  destructionReportStreamId,
  type Principal,
  type RecordDestroyed,
  type RecordRetentionCommand,
  type RetentionPolicy,
  type Role,
  recordRetentionDecider,
  recordRetentionStreamId,
  retentionRuleOf,
  retentionScheduleOf,
  retentionStatusOn,
} from '@dui-pds/domain';
import { type EventStore, isErased } from '@dui-pds/eventstore';
import {
  archivedRecordsOf,
  destructionsSuspended,
  type RecordRetentionView,
  recordRetentionOf,
  retentionFactsOf,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { buildRecordExport, type RecordExportSources } from '../record-export/record-export.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';
import type { RetentionRun } from './end-of-retention.js';

const TAG = 'Archives et conservation';
const motive = z.string().trim().min(1).max(1_000);
const accepted = z.object({ revision: z.int() });

export interface RetentionDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  retentionSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  /** What the archivist's export reads. */
  exportSources: RecordExportSources;
  /** Runs the end-of-retention job for one organisation now. */
  runEndOfRetention(scope: { organisationId: string }): Promise<RetentionRun>;
  /** The keeping of social data an organisation follows: its own decision, or the instance's default. */
  retentionPolicyOf(organisationId: string): Promise<RetentionPolicy>;
  /** FINESS → name, for the destruction report. */
  facilityNames: Readonly<Record<string, string>>;
  clock: () => Date;
}

/**
 * Archives and the end of retention (DOMAIN.md, Retention): the director archives a record on
 * decision or reopens it when the usager comes back; the director or the archivist places and
 * lifts legal holds; the archivist consults archived records (as an export, traced) and the
 * destruction report; the scheduled job can be run at once. An archived record is read-only and
 * closed to everyone else: `ProfessionalAccess` refuses it in every other route.
 */
export function retentionRoutes(deps: RetentionDependencies): RouteDefinition[] {
  const { store, knex, retentionSchema, access, accessLog, clock, retentionPolicyOf } = deps;
  const today = () => parisDay.format(clock());

  /** The director of the ESSMS (or, where allowed, its archivist); 403 otherwise. */
  const requireRole = (principal: Principal, facilityId: string, roles: readonly Role[], what: string) => {
    const held = principal.roles.some((grant) => grant.facilityId === facilityId && roles.includes(grant.role));
    if (!held) throw new HttpProblem('forbidden', `${what} relève de ${roleNames(roles)} de l’établissement.`);
  };

  const retentionOf = async (organisationId: string, serviceUserId: string): Promise<RecordRetentionView> => {
    const view = await recordRetentionOf(knex, retentionSchema, organisationId, serviceUserId);
    if (!view) throw new HttpProblem('not-found', 'Aucun dossier connu pour cet usager.');
    return view;
  };

  /** A director (or archivist) decides for the records their ESSMS holds, not the organisation's others. */
  const recordIn = async (organisationId: string, serviceUserId: string, facilityId: string) => {
    const view = await retentionOf(organisationId, serviceUserId);
    if (!view.facilityIds.includes(facilityId)) {
      throw new HttpProblem('not-found', 'Aucun dossier de cet usager dans cet établissement.');
    }
    return view;
  };

  const decide = async (
    principal: Principal,
    context: RequestContext,
    where: { facilityId: string; serviceUserId: string },
    command: RecordRetentionCommand,
  ) => {
    const { revision } = await professionalCommand(store, access, recordRetentionDecider, {
      principal,
      context,
      streamId: recordRetentionStreamId(principal.organisationId, where.serviceUserId),
      command,
      where,
    });
    return { body: { revision }, revision };
  };

  /** The destructions of the period, from the report's stream, and those a legal hold suspends today. */
  const destructionReportOf = async (
    organisationId: string,
    period: { from: string; to: string },
  ): Promise<DestructionReport> => {
    const retentionPolicy = await retentionPolicyOf(organisationId);
    const destroyed = (await store.readStream(destructionReportStreamId(organisationId)))
      .filter((event) => event.type === 'RecordDestroyed' && !isErased(event.data))
      .map((event) => event.data as RecordDestroyed)
      .filter((entry) => {
        const day = parisDay.format(new Date(entry.destroyedAt));
        return period.from <= day && day <= period.to;
      })
      .map((entry) => ({
        ...entry,
        rule: {
          dataClass: entry.rule.dataClass === 'medical' ? ('medical' as const) : ('social' as const),
          legalSource: entry.rule.legalSource,
          frenchLabel: retentionRuleOf(entry.rule.dataClass, retentionPolicy).frenchLabel,
        },
      }));
    const suspended = (
      await destructionsSuspended(knex, retentionSchema, { organisationId, today: today(), policy: retentionPolicy })
    ).map((record) => ({
      serviceUserId: record.serviceUserId,
      destructionDueOn: record.schedule.destructionDueOn,
      activeLegalHolds: record.activeLegalHolds,
    }));
    return { organisation: { id: organisationId }, period, generatedAt: clock().toISOString(), destroyed, suspended };
  };

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/archiving',
      summary: 'Archiver le dossier sur décision de la direction : il devient en lecture seule, réservé à l’archiviste',
      tags: [TAG],
      params: serviceUserParams,
      body: z.object({ facilityId: identifier, motive }),
      response: accepted,
      problems: ['forbidden', 'record-archived', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        requireRole(principal, body.facilityId, ['director'], 'L’archivage d’un dossier');
        await recordIn(params.organisationId, params.serviceUserId, body.facilityId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        return decide(principal, context, where, {
          type: 'ArchiveRecord',
          today: today(),
          serviceUserId: params.serviceUserId,
          archivedOn: today(),
          reason: 'decision',
          motive: body.motive,
          decidedBy: principal.professionalId,
        });
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/reopening',
      summary: 'Rouvrir un dossier archivé (l’usager revient) : il redevient consultable et modifiable par l’équipe',
      tags: [TAG],
      params: serviceUserParams,
      body: z.object({ facilityId: identifier, motive }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId, { archivedRecords: 'open' });
        requireRole(principal, body.facilityId, ['director'], 'La réouverture d’un dossier');
        await recordIn(params.organisationId, params.serviceUserId, body.facilityId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        return decide(principal, context, where, {
          type: 'ReopenRecord',
          today: today(),
          reopenedOn: today(),
          motive: body.motive,
          decidedBy: principal.professionalId,
        });
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/legal-holds',
      summary: 'Placer un gel juridique sur le dossier (contentieux, réquisition) : sa destruction est suspendue',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({ facilityId: identifier, holdId: z.uuid(), motive }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId, { archivedRecords: 'open' });
        requireRole(principal, body.facilityId, ['director', 'archivist'], 'Un gel juridique');
        await recordIn(params.organisationId, params.serviceUserId, body.facilityId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        const answer = await decide(principal, context, where, {
          type: 'PlaceLegalHold',
          today: today(),
          holdId: body.holdId,
          placedOn: today(),
          motive: body.motive,
          placedBy: principal.professionalId,
        });
        return { ...answer, status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/legal-holds/:holdId/lifting',
      summary: 'Lever un gel juridique : la destruction reprend son cours à la prochaine échéance',
      tags: [TAG],
      params: serviceUserParams.extend({ holdId: z.uuid() }),
      body: z.object({ facilityId: identifier }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId, { archivedRecords: 'open' });
        requireRole(principal, body.facilityId, ['director', 'archivist'], 'La levée d’un gel juridique');
        await recordIn(params.organisationId, params.serviceUserId, body.facilityId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        return decide(principal, context, where, {
          type: 'LiftLegalHold',
          today: today(),
          holdId: params.holdId,
          liftedOn: today(),
          liftedBy: principal.professionalId,
        });
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/retention',
      summary: 'Les échéances de conservation du dossier : archivage, destruction, règle, gels juridiques',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier }),
      response: retentionView,
      problems: ['forbidden', 'not-found'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId, { archivedRecords: 'open' });
        requireRole(
          principal,
          query.facilityId,
          ['director', 'archivist'],
          'La consultation des échéances de conservation',
        );
        const view = await recordIn(params.organisationId, params.serviceUserId, query.facilityId);
        return { body: describe(view, today(), await retentionPolicyOf(params.organisationId)) };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/archives',
      summary: 'Les dossiers archivés de l’établissement, pour l’archiviste',
      tags: [TAG],
      params: organisationParams.extend({ facilityId: identifier }),
      response: z.object({ records: z.array(retentionView) }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        requireRole(principal, params.facilityId, ['archivist'], 'La consultation des archives');
        const records = await archivedRecordsOf(knex, retentionSchema, params);
        const policy = await retentionPolicyOf(params.organisationId);
        return { body: { records: records.map((view) => describe(view, today(), policy)) } };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/archives/:serviceUserId/export',
      summary: 'Le dossier archivé d’un usager en archive ZIP, pour répondre à une demande d’accès (lecture tracée)',
      tags: [TAG],
      params: organisationParams.extend({ facilityId: identifier, serviceUserId: identifier }),
      produces: 'application/zip',
      response: z.custom<Buffer>(),
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId, { archivedRecords: 'open' });
        const { organisationId, facilityId, serviceUserId } = params;
        requireRole(principal, facilityId, ['archivist'], 'La consultation des archives');
        const view = await retentionOf(organisationId, serviceUserId);
        if (!view.facilityIds.includes(facilityId) || view.archivedOn === undefined || view.destroyedAt !== undefined) {
          throw new HttpProblem('not-found', 'Aucun dossier archivé de cet usager dans cet établissement.');
        }
        // the one read of an archived record: the archivist's, traced in the usager's access log
        await accessLog.recordReadBy(
          principal,
          context.correlationId,
          {
            serviceUserId,
            facilityId,
            resource: 'archive-export',
            sensitivities: ['administrative', 'social', 'medical', 'psychological'],
            purpose: 'archives',
          },
          { archivedRecords: 'open' },
        );
        const exported = await buildRecordExport(
          deps.exportSources,
          { organisationId, serviceUserId, requester: { kind: 'archivist', professionalId: principal.professionalId } },
          clock(),
        );
        return {
          body: Buffer.from(exported.zip),
          headers: { 'Content-Disposition': `attachment; filename="${exported.fileName}"` },
        };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/retention-runs',
      summary:
        'Exécuter maintenant le traitement de fin de conservation de l’organisme (archivages et destructions échus)',
      tags: [TAG],
      params: organisationParams,
      body: z.object({}),
      response: z.object({
        today: z.string(),
        archived: z.array(z.string()),
        destroyed: z.array(destroyedRecordView),
        failed: z.array(z.object({ serviceUserId: z.string(), reason: z.string() })),
      }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const allowed = principal.roles.some((grant) => grant.role === 'director' || grant.role === 'archivist');
        if (!allowed) {
          throw new HttpProblem(
            'forbidden',
            'Le traitement de fin de conservation relève de la direction ou de l’archiviste.',
          );
        }
        return { body: await deps.runEndOfRetention({ organisationId: params.organisationId }) };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/destruction-report',
      summary:
        'Le rapport de destruction des dossiers arrivés au terme de leur conservation, pour le DPO (JSON, CSV ou PDF)',
      tags: [TAG],
      params: organisationParams,
      query: z.object({
        from: z.iso.date().optional(),
        to: z.iso.date().optional(),
        format: z.enum(['json', 'csv', 'pdf']).optional(),
      }),
      produces: 'application/pdf',
      response: z.union([
        z.object({
          from: z.string(),
          to: z.string(),
          destroyed: z.array(destroyedRecordView),
          suspended: z.array(
            z.object({ serviceUserId: z.string(), destructionDueOn: z.string(), activeLegalHolds: z.int() }),
          ),
        }),
        z.custom<Buffer>(),
      ]),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const allowed = principal.roles.some((grant) => grant.role === 'director' || grant.role === 'archivist');
        if (!allowed)
          throw new HttpProblem('forbidden', 'Le rapport de destruction relève de la direction ou de l’archiviste.');
        const to = query.to ?? today();
        const from = query.from ?? `${to.slice(0, 4)}-01-01`;
        const report = await destructionReportOf(params.organisationId, { from, to });
        if (query.format === 'csv') {
          return {
            body: Buffer.from(destructionReportCsv(report), 'utf8'),
            headers: {
              'Content-Type': 'text/csv; charset=utf-8',
              'Content-Disposition': `attachment; filename="rapport-de-destruction-${from}-${to}.csv"`,
            },
          };
        }
        if (query.format === 'pdf') {
          return {
            body: await destructionReportPdf(report, deps.facilityNames),
            headers: {
              'Content-Type': 'application/pdf',
              'Content-Disposition': `inline; filename="rapport-de-destruction-${from}-${to}.pdf"`,
            },
          };
        }
        const destroyed = report.destroyed.map((line) => ({ ...line, facilityIds: [...line.facilityIds] }));
        return { body: { from, to, destroyed, suspended: [...report.suspended] } };
      },
    }),
  ];
}

/** A line of the destruction report: ids, days, the rule and counts, never a name. */
const destroyedRecordView = z.object({
  serviceUserId: z.string(),
  facilityIds: z.array(z.string()),
  destroyedAt: z.string(),
  lastContactOn: z.string(),
  lastStayEndedOn: z.string().nullish(),
  holdsMedicalData: z.boolean(),
  destructionDueOn: z.string(),
  rule: z.object({ dataClass: z.string(), legalSource: z.string(), frenchLabel: z.string().optional() }),
  documentsPurged: z.int(),
  blobsPurged: z.int(),
  readModelRowsPurged: z.int(),
});

const retentionView = z.object({
  serviceUserId: z.string(),
  facilityIds: z.array(z.string()),
  lastContactOn: z.string().nullable(),
  lastStayEndedOn: z.string().nullable(),
  holdsMedicalData: z.boolean(),
  archivedOn: z.string().nullable(),
  archiveReason: z.string().nullable(),
  activeLegalHolds: z.int(),
  destroyedAt: z.string().nullable(),
  archiveDueOn: z.string().nullable(),
  destructionDueOn: z.string().nullable(),
  rule: z.object({ dataClass: z.string(), legalSource: z.string(), frenchLabel: z.string() }).nullable(),
  status: z.string(),
});

function describe(view: RecordRetentionView, today: string, policy: RetentionPolicy): z.infer<typeof retentionView> {
  const facts = retentionFactsOf(view);
  const schedule = facts ? retentionScheduleOf(facts, policy) : undefined;
  return {
    serviceUserId: view.serviceUserId,
    facilityIds: view.facilityIds,
    lastContactOn: view.lastContactOn ?? null,
    lastStayEndedOn: view.lastStayEndedOn ?? null,
    holdsMedicalData: view.holdsMedicalData,
    archivedOn: view.archivedOn ?? null,
    archiveReason: view.archiveReason ?? null,
    activeLegalHolds: view.activeLegalHolds,
    destroyedAt: view.destroyedAt ?? null,
    archiveDueOn: schedule?.archiveDueOn ?? null,
    destructionDueOn: schedule?.destructionDueOn ?? null,
    rule: schedule?.rule ?? null,
    status: facts && schedule ? retentionStatusOn(schedule, facts, today) : 'active',
  };
}

const ROLE_NAMES: Partial<Record<Role, string>> = { director: 'la direction', archivist: 'l’archiviste' };

function roleNames(roles: readonly Role[]): string {
  return roles.map((role) => ROLE_NAMES[role] ?? role).join(' ou de ');
}
