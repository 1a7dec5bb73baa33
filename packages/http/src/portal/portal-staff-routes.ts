import {
  invitationExpiry,
  type PortalAccountCommand,
  type Principal,
  portalAccountDecider,
  portalAccountStreamId,
  portalHolderSchema,
  portalLoginSchema,
} from '@dui-pds/domain';
import { type EventStore, foldStream, handleCommand } from '@dui-pds/eventstore';
import { portalAccountByLogin, portalAccountsOf } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../app/access-log.js';
import { refuseAfterDeath } from '../features/accompaniment-end.js';
import type { ProfessionalAccess } from '../features/professional-access.js';
import { identifier, organisationParams, serviceUserParams } from '../features/route-parameters.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../server/index.js';
import { invitationDigestOf, newInvitationToken } from './portal-credentials.js';

export interface PortalStaffDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  portalAccountsSchema: string;
  /** The read schema of the accompaniment_exits projection: no one is invited to a deceased usager's record. */
  accompanimentExitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

const TAG = 'Portail usager';

/**
 * Staff's side of the usager portal: invite the usager, or their personne de confiance, for a
 * record (the answer carries the one-time invitation link to hand over: it is shown once and only
 * its digest is recorded), list the accounts of a usager, and close one. Administrative part of
 * the record: the secretariat and the team invite.
 */
export function portalStaffRoutes(deps: PortalStaffDependencies): RouteDefinition[] {
  const { store, knex, portalAccountsSchema, accompanimentExitsSchema, access, accessLog, clock } = deps;

  const decide = async (
    principal: Principal,
    context: Parameters<ProfessionalAccess['commandId']>[1],
    accountId: string,
    command: PortalAccountCommand,
    where: { facilityId: string; serviceUserId: string },
    expectedRevision?: number,
  ) => {
    access.check(principal, 'write', {
      organisationId: principal.organisationId,
      ...where,
      sensitivity: 'administrative',
    });
    const result = await handleCommand(store, portalAccountDecider, {
      streamId: portalAccountStreamId(principal.organisationId, accountId),
      commandId: access.commandId(principal, context),
      command,
      metadata: access.metadata(principal, context, where),
      ...(expectedRevision === undefined ? {} : { expectedRevision }),
    });
    return result.nextExpectedRevision as number;
  };

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/portal-invitations',
      summary:
        'Inviter l’usager, ou sa personne de confiance, sur le portail usager (répond le lien d’invitation à usage unique, valable 72 heures)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        accountId: z.uuid(),
        facilityId: identifier,
        login: portalLoginSchema,
        holder: portalHolderSchema,
        trustedPersonId: identifier.optional(),
      }),
      response: z.object({
        accountId: z.uuid(),
        login: z.string(),
        invitationPath: z.string(),
        expiresAt: z.string(),
        revision: z.int(),
      }),
      problems: ['forbidden', 'conflict', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'write', {
          organisationId: principal.organisationId,
          ...where,
          sensitivity: 'administrative',
        });
        // the portal is closed to the record of a usager who died (ADR 0012's addendum)
        await refuseAfterDeath(
          knex,
          accompanimentExitsSchema,
          { organisationId: principal.organisationId, serviceUserId: params.serviceUserId },
          'son dossier ne s’ouvre plus sur le portail, ni à lui, ni à sa personne de confiance.',
        );
        const taken = await portalAccountByLogin(knex, portalAccountsSchema, body.login);
        if (taken !== undefined && taken.accountId !== body.accountId) {
          throw new HttpProblem('conflict', 'Cet identifiant est déjà pris : choisissez-en un autre.');
        }
        const token = newInvitationToken();
        const at = clock().toISOString();
        const expiresAt = invitationExpiry(at);
        const revision = await decide(
          principal,
          context,
          body.accountId,
          {
            type: 'InvitePortalAccount',
            accountId: body.accountId,
            login: body.login,
            serviceUserId: params.serviceUserId,
            facilityId: body.facilityId,
            holder: body.holder,
            ...(body.trustedPersonId === undefined ? {} : { trustedPersonId: body.trustedPersonId }),
            invitationDigest: invitationDigestOf(token),
            expiresAt,
            invitedBy: principal.professionalId,
            at,
          },
          where,
        );
        return {
          status: 201,
          revision,
          body: {
            accountId: body.accountId,
            login: body.login,
            invitationPath: `/portail/invitation/${body.accountId}?jeton=${token}`,
            expiresAt,
            revision,
          },
        };
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/portal-accounts/:accountId/revocations',
      summary: 'Fermer un compte du portail usager, en disant pourquoi (la session ouverte cesse aussitôt)',
      tags: [TAG],
      params: organisationParams.extend({ accountId: z.uuid() }),
      body: z.object({ reason: z.string().trim().min(1).max(1_000) }),
      response: z.object({ accountId: z.uuid(), revision: z.int() }),
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const account = await foldStream(
          store,
          portalAccountDecider,
          portalAccountStreamId(params.organisationId, params.accountId),
        );
        if (account.status === 'none' || !account.serviceUserId || !account.facilityId) {
          throw new HttpProblem('not-found', 'Ce compte du portail n’existe pas.');
        }
        const revision = await decide(
          principal,
          context,
          params.accountId,
          {
            type: 'RevokePortalAccount',
            accountId: params.accountId,
            reason: body.reason,
            revokedBy: principal.professionalId,
            at: clock().toISOString(),
          },
          { facilityId: account.facilityId, serviceUserId: account.serviceUserId },
          expectedRevision,
        );
        return { body: { accountId: params.accountId, revision }, revision };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/usagers/:serviceUserId/portal-accounts',
      summary:
        'Les comptes du portail ouverts pour un usager (le sien, ceux de ses personnes de confiance) (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams.extend({ facilityId: identifier }),
      response: z.object({
        accounts: z.array(
          z.object({
            accountId: z.string(),
            login: z.string(),
            holder: portalHolderSchema,
            trustedPersonId: z.string().nullable(),
            status: z.enum(['invited', 'active', 'revoked']),
            invitedAt: z.string(),
            invitationExpiresAt: z.string(),
            revokedAt: z.string().nullable(),
            revision: z.int(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId, serviceUserId } = params;
        access.check(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity: 'administrative' });
        const accounts = (await portalAccountsOf(knex, portalAccountsSchema, { organisationId, serviceUserId })).filter(
          (account) => account.facilityId === facilityId,
        );
        await accessLog.recordRead({
          organisationId,
          professionalId: principal.professionalId,
          correlationId: context.correlationId,
          read: {
            serviceUserId,
            facilityId,
            roles: access.rolesIn(principal, facilityId),
            resource: 'portal-accounts',
            sensitivities: ['administrative'],
            purpose: 'care',
          },
        });
        return {
          body: {
            accounts: accounts.map(({ organisationId: _, serviceUserId: __, facilityId: ___, ...account }) => account),
          },
        };
      },
    }),
  ];
}
