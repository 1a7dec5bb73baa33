import {
  ACCESS_REFUSAL_MESSAGES,
  type AccessAction,
  decideAccess,
  type Principal,
  type ProtectedRecordPart,
  type Role,
} from '@dui-pds/domain';
import type { CommandMetadata } from '@dui-pds/eventstore';
import { habilitationsOf } from '@dui-pds/projections';
import type { Knex } from 'knex';
import type { AuthenticatedProfessional } from '../auth/index.js';
import { HttpProblem } from '../server/index.js';
import type { RequestContext } from '../server/request-context.js';
import {
  archivedRecordReadProblem,
  archivedRecordWriteProblem,
  type ClosedRecordsLookup,
  destroyedRecordProblem,
  noClosedRecords,
} from './closed-records.js';

/**
 * Who is asking, with what rights, in which organisme gestionnaire: the principal of a request,
 * built from the authenticated professional and the habilitations read model, and the checks
 * every route makes with the domain's policy (DESIGN.md, Access control and traceability).
 */
export class ProfessionalAccess {
  constructor(
    private readonly knex: Knex,
    private readonly habilitationsSchema: string,
    private readonly clock: () => Date,
    /** Which of these usagers' records are archived or destroyed; none when the deployment does not archive. */
    private readonly closedAmong: ClosedRecordsLookup = noClosedRecords,
  ) {}

  /**
   * The caller as a principal of `organisationId`; 401 without a session, 403 with no habilitation
   * there. A request naming a usager whose record is archived (in its path, query or body) is
   * refused here, for every feature at once: an archived record is read-only and open only to the
   * archivist, through the archive's own routes, which pass `{ archivedRecords: 'open' }`.
   */
  async principal(
    context: RequestContext,
    organisationId: string,
    options: { archivedRecords?: 'refused' | 'open' } = {},
  ): Promise<Principal> {
    const professional = context.response.locals.professional as AuthenticatedProfessional | undefined;
    if (!professional) throw new HttpProblem('unauthenticated', 'Connectez-vous pour accéder au dossier.');
    // Both read at once, a round trip saved on every request about a usager; the closed records
    // are only looked at once the habilitations allow it, so a refusal says nothing of them.
    const named = options.archivedRecords === 'open' ? [] : serviceUsersNamedIn(context);
    const closed = named.length === 0 ? Promise.resolve(new Map()) : this.closedAmong(organisationId, named);
    // awaited only past the habilitations: a refusal there must not leave its failure unhandled
    closed.catch(() => undefined);
    const stored = await habilitationsOf(
      this.knex,
      this.habilitationsSchema,
      organisationId,
      professional.professionalId,
    );
    if (stored.roles.length === 0) {
      // the same answer whether the organisation exists or not: nothing leaks across tenants
      throw new HttpProblem('forbidden', 'Vous n’avez aucune habilitation dans cet organisme gestionnaire.');
    }
    refuseClosedRecords(context, await closed);
    return {
      organisationId,
      professionalId: professional.professionalId,
      roles: stored.roles.map(({ facilityId, role }) => ({ facilityId, role: role as Role })),
      careTeams: stored.careTeams,
      psychologicalNotesAllowedBy: stored.psychologicalNotesAllowedBy,
    };
  }

  /**
   * The rows of a list across usagers whose records are still open, in their order: a list leaves
   * archived and destroyed records out rather than failing (their reads would be refused). Rows
   * of no usager stay. One lookup for the whole list.
   */
  async openRecordsAmong<T>(
    organisationId: string,
    rows: readonly T[],
    serviceUserIdOf: (row: T) => string | null | undefined,
  ): Promise<T[]> {
    const named = [
      ...new Set(rows.map(serviceUserIdOf).filter((id): id is string => typeof id === 'string' && id.length > 0)),
    ];
    if (named.length === 0) return [...rows];
    const closed = await this.closedAmong(organisationId, named);
    if (closed.size === 0) return [...rows];
    return rows.filter((row) => {
      const serviceUserId = serviceUserIdOf(row);
      return !serviceUserId || !closed.has(serviceUserId);
    });
  }

  /** Which of these usagers' records are archived or destroyed (absent: open). */
  closedRecordsAmong(
    organisationId: string,
    serviceUserIds: readonly string[],
  ): Promise<ReadonlyMap<string, 'archived' | 'destroyed'>> {
    return this.closedAmong(organisationId, serviceUserIds);
  }

  /** 403 with the policy's French reason when the principal may not. */
  check(principal: Principal, action: AccessAction, part: ProtectedRecordPart): void {
    const decision = decideAccess(principal, action, part);
    if (!decision.allowed) {
      throw new HttpProblem('forbidden', ACCESS_REFUSAL_MESSAGES[decision.reason], {
        extensions: { reason: decision.reason },
      });
    }
  }

  /** The roles the principal acts in, in one ESSMS: what events and the access log record. */
  rolesIn(principal: Principal, facilityId: string | undefined): Role[] {
    return principal.roles.filter((grant) => grant.facilityId === facilityId).map((grant) => grant.role);
  }

  /** The envelope of the events a professional's command appends. */
  metadata(
    principal: Principal,
    context: RequestContext,
    where: { facilityId?: string; serviceUserId?: string },
  ): CommandMetadata {
    const roles = this.rolesIn(principal, where.facilityId);
    return {
      organisationId: principal.organisationId,
      facilityId: where.facilityId,
      actor: { kind: 'professional', id: principal.professionalId, role: roles.join(',') || 'aucun' },
      occurredAt: this.clock().toISOString(),
      correlationId: context.correlationId,
      serviceUserId: where.serviceUserId,
    };
  }

  /**
   * The command's id, from the `Idempotency-Key` the shell requires on every command: a retried
   * request appends nothing twice even if the shell's own replay store lost the first answer.
   */
  commandId(principal: Principal, context: RequestContext): string {
    return `${principal.professionalId}/${context.request.get('Idempotency-Key') ?? context.correlationId}`;
  }
}

/** Refuses a request naming an archived or destroyed record, as `principal` says. */
function refuseClosedRecords(context: RequestContext, closed: ReadonlyMap<string, 'archived' | 'destroyed'>): void {
  if (closed.size === 0) return;
  if ([...closed.values()].includes('destroyed')) throw destroyedRecordProblem();
  if (context.request.method === 'GET' || context.request.method === 'HEAD') throw archivedRecordReadProblem();
  throw archivedRecordWriteProblem();
}

/** The usagers a request names, wherever the route takes them from. */
function serviceUsersNamedIn(context: RequestContext): string[] {
  const { params, query, body } = context.request;
  const candidates = [
    params.serviceUserId,
    query.serviceUserId,
    typeof body === 'object' && body !== null ? (body as { serviceUserId?: unknown }).serviceUserId : undefined,
  ];
  return [...new Set(candidates.filter((value): value is string => typeof value === 'string' && value.length > 0))];
}
