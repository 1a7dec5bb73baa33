import { createHash, randomBytes } from 'node:crypto';
import { ACCESS_REFUSAL_MESSAGES, DomainRuleViolation, decideAccess, type Principal, type Role } from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import { habilitationsOf } from '@dui-pds/projections';
import type { Knex } from 'knex';
import type { AccessLog } from '../../app/access-log.js';
import { HttpProblem } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import type { ProfessionalAccess } from '../professional-access.js';

/**
 * What the agenda routes share: the read model, the checks made on other professionals (a
 * recipient, a participant, an organiser: their habilitations, read from the same model as the
 * caller's), and the trace of every usager shown.
 *
 * Everything here that names a usager is administrative data (ACCESS_MATRIX): who comes when,
 * where, to what. It is the organisation of the follow-up, which the secretariat books and the care
 * team keeps, as attendance and admission contacts are; the medical, social or psychological
 * content of an appointment is written elsewhere, in the record of its class, never in a title, an
 * item or an information.
 */
export interface AgendasDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the agendas projection. */
  agendasSchema: string;
  /** The read schema of the habilitations projection: recipients' and participants' rights. */
  habilitationsSchema: string;
  /** The read schema of the accompaniment_exits projection: nothing is planned past an exit. */
  accompanimentExitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

export const ADMINISTRATIVE = 'administrative' as const;

export function agendaAccess(deps: AgendasDependencies) {
  const { knex, habilitationsSchema, access, accessLog } = deps;

  /** Another professional of the organisation as a principal; undefined when they hold no role in it. */
  const colleague = async (organisationId: string, professionalId: string): Promise<Principal | undefined> => {
    const stored = await habilitationsOf(knex, habilitationsSchema, organisationId, professionalId);
    if (stored.roles.length === 0) return undefined;
    return {
      organisationId,
      professionalId,
      roles: stored.roles.map(({ facilityId, role }) => ({ facilityId, role: role as Role })),
      careTeams: stored.careTeams,
      psychologicalNotesAllowedBy: stored.psychologicalNotesAllowedBy,
    };
  };

  /** 422 unless every one of them holds a role in the organisation: nothing is sent or planned to nobody. */
  const requireColleagues = async (organisationId: string, professionalIds: readonly string[]) => {
    const found: Principal[] = [];
    for (const professionalId of new Set(professionalIds)) {
      const principal = await colleague(organisationId, professionalId);
      if (principal === undefined) {
        throw new DomainRuleViolation(
          'PROFESSIONAL_UNKNOWN',
          'Un des professionnels nommés n’a aucune habilitation dans cet organisme gestionnaire.',
        );
      }
      found.push(principal);
    }
    return found;
  };

  /** 403 unless the caller holds a role in the ESSMS. */
  const requireRoleIn = (principal: Principal, facilityId: string) => {
    if (!principal.roles.some((grant) => grant.facilityId === facilityId)) {
      throw new HttpProblem('forbidden', ACCESS_REFUSAL_MESSAGES.noRoleInFacility, {
        extensions: { reason: 'noRoleInFacility' },
      });
    }
  };

  const may = (principal: Principal, action: 'read' | 'write', facilityId: string, serviceUserId: string) =>
    decideAccess(principal, action, {
      organisationId: principal.organisationId,
      facilityId,
      serviceUserId,
      sensitivity: ADMINISTRATIVE,
    }).allowed;

  const check = (principal: Principal, action: 'read' | 'write', facilityId: string, serviceUserId: string) =>
    access.check(principal, action, {
      organisationId: principal.organisationId,
      facilityId,
      serviceUserId,
      sensitivity: ADMINISTRATIVE,
    });

  /**
   * The usagers among these whose records are open: an archived or destroyed record is shown to no
   * one here (its usager is counted or withheld as one the reader may not read). One lookup.
   */
  const openAmong = async (organisationId: string, serviceUserIds: Iterable<string>): Promise<Set<string>> =>
    new Set(await access.openRecordsAmong(organisationId, [...serviceUserIds], (serviceUserId) => serviceUserId));

  /** One access-log entry per usager (and ESSMS) shown, before the answer leaves. */
  const trace = async (
    principal: Principal,
    context: RequestContext,
    shown: Iterable<{ serviceUserId: string; facilityId: string }>,
    resource: string,
  ) => {
    const reads = new Map<string, { serviceUserId: string; facilityId: string }>();
    for (const { serviceUserId, facilityId } of shown) {
      reads.set(JSON.stringify([serviceUserId, facilityId]), { serviceUserId, facilityId });
    }
    await accessLog.recordReadsBy(
      principal,
      context.correlationId,
      [...reads.values()].map(({ serviceUserId, facilityId }) => ({
        serviceUserId,
        facilityId,
        resource,
        sensitivities: [ADMINISTRATIVE],
        purpose: 'care',
      })),
    );
  };

  return { colleague, requireColleagues, requireRoleIn, may, check, openAmong, trace };
}

export type AgendaAccess = ReturnType<typeof agendaAccess>;

/**
 * The secret of an ICS feed: 256 random bits, URL-safe. It is the credential of the feed's URL,
 * shown once; only its hash is kept.
 */
export function newFeedSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function feedSecretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The public origin the request came to (behind `TRUST_PROXY`, the proxy's), for the URLs answered. */
export function originOf(context: RequestContext): string {
  return `${context.request.protocol}://${context.request.get('host') ?? 'localhost'}`;
}
