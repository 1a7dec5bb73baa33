import {
  decideAccess,
  type Principal,
  type SocialBenefitCommand,
  socialBenefitDecider,
  socialBenefitKindSchema,
  socialBenefitStreamId,
} from '@dui-pds/domain';
import { type EventStore, foldStream } from '@dui-pds/eventstore';
import { benefitsToWatch, deathsRecordedAmong } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import { refuseAfterDeath } from '../accompaniment-end.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

const day = z.iso.date();
const benefitParams = organisationParams.extend({ benefitId: z.uuid() });
const accepted = z.object({ benefitId: z.uuid(), revision: z.int() });

export interface SocialBenefitsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the social_benefits projection. */
  socialBenefitsSchema: string;
  /** The read schema of the accompaniment_exits projection: a usager's death ends the watch over their rights. */
  accompanimentExitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/** The usager's social benefits (social data) and those whose renewal is due or overdue. */
export function socialBenefitsRoutes(deps: SocialBenefitsDependencies): RouteDefinition[] {
  const { store, knex, socialBenefitsSchema, accompanimentExitsSchema, access, accessLog, clock } = deps;

  const decide = async (
    principal: Principal,
    context: Parameters<ProfessionalAccess['commandId']>[1],
    benefitId: string,
    command: SocialBenefitCommand,
    where: { facilityId: string; serviceUserId: string },
    expectedRevision?: number,
  ) => {
    access.check(principal, 'write', { organisationId: principal.organisationId, ...where, sensitivity: 'social' });
    if (command.type !== 'CloseSocialBenefit') {
      await refuseAfterDeath(
        knex,
        accompanimentExitsSchema,
        { organisationId: principal.organisationId, serviceUserId: where.serviceUserId },
        'ses droits ne s’ouvrent ni ne se renouvellent plus ; il ne reste qu’à les clore.',
      );
    }
    const { revision } = await professionalCommand(store, access, socialBenefitDecider, {
      principal,
      context,
      streamId: socialBenefitStreamId(principal.organisationId, benefitId),
      command,
      where,
      expectedRevision,
    });
    return { body: { benefitId, revision }, revision };
  };

  /** Whose benefit it is, and where: from its stream. */
  const benefitOf = async (organisationId: string, benefitId: string) => {
    const benefit = await foldStream(store, socialBenefitDecider, socialBenefitStreamId(organisationId, benefitId));
    if (benefit.status === 'none' || !benefit.serviceUserId || !benefit.facilityId) {
      throw new HttpProblem('not-found', 'Ce droit n’existe pas.');
    }
    return { serviceUserId: benefit.serviceUserId, facilityId: benefit.facilityId };
  };

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/social-benefits',
      summary: 'Enregistrer un droit social de l’usager (type, organisme, ouvert du … au …, délai de renouvellement)',
      tags: ['Droits sociaux'],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        benefitId: z.uuid(),
        facilityId: identifier,
        kind: socialBenefitKindSchema,
        organism: z.string().trim().min(1).max(200),
        openFrom: day,
        openTo: day,
        renewalLeadDays: z.int().min(0).max(365).optional(),
        documents: z.array(z.string().trim().min(1).max(500)).max(50).optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        const answer = await decide(
          principal,
          context,
          body.benefitId,
          {
            type: 'RecordSocialBenefit',
            ...body,
            serviceUserId: params.serviceUserId,
          },
          where,
        );
        return { ...answer, status: 201 };
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/social-benefits/:benefitId/renewals',
      summary: 'Enregistrer le renouvellement d’un droit (nouvelle date de fin)',
      tags: ['Droits sociaux'],
      params: benefitParams,
      body: z.object({ openTo: day }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = await benefitOf(params.organisationId, params.benefitId);
        return decide(
          principal,
          context,
          params.benefitId,
          { type: 'RenewSocialBenefit', benefitId: params.benefitId, openTo: body.openTo, at: clock().toISOString() },
          where,
          expectedRevision,
        );
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/social-benefits/:benefitId/closures',
      summary: 'Clore un droit, en disant pourquoi',
      tags: ['Droits sociaux'],
      params: benefitParams,
      body: z.object({ reason: z.string().trim().min(1).max(1_000) }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = await benefitOf(params.organisationId, params.benefitId);
        return decide(
          principal,
          context,
          params.benefitId,
          { type: 'CloseSocialBenefit', benefitId: params.benefitId, reason: body.reason, at: clock().toISOString() },
          where,
          expectedRevision,
        );
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/social-benefits-to-watch',
      summary: 'Les droits à renouveler ou échus d’un ESSMS, le plus proche de son échéance d’abord (lecture tracée)',
      tags: ['Droits sociaux'],
      params: organisationParams.extend({ facilityId: identifier }),
      query: z.object({ today: day.optional() }),
      response: z.object({
        benefits: z.array(
          z.object({
            benefitId: z.string(),
            serviceUserId: z.string(),
            kind: socialBenefitKindSchema,
            organism: z.string(),
            openFrom: z.string(),
            openTo: z.string(),
            renewalLeadDays: z.int(),
            warning: z.enum(['renewal-due', 'expired']),
            revision: z.int(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId } = params;
        const today = query.today ?? parisDay.format(clock());
        const readable = (serviceUserId: string) =>
          decideAccess(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity: 'social' }).allowed;
        const readableBenefits = (
          await benefitsToWatch(knex, socialBenefitsSchema, { organisationId, facilityId, today })
        ).filter((benefit) => readable(benefit.serviceUserId));
        // nobody renews the rights of a usager who died: they are closed, not watched
        const deceased = await deathsRecordedAmong(knex, accompanimentExitsSchema, {
          organisationId,
          serviceUserIds: [...new Set(readableBenefits.map((benefit) => benefit.serviceUserId))],
        });
        const benefits = await access.openRecordsAmong(
          organisationId,
          readableBenefits.filter((benefit) => !deceased.has(benefit.serviceUserId)),
          (benefit) => benefit.serviceUserId,
        );
        await accessLog.recordReads(
          [...new Set(benefits.map((benefit) => benefit.serviceUserId))].map((serviceUserId) => ({
            organisationId,
            professionalId: principal.professionalId,
            correlationId: context.correlationId,
            read: {
              serviceUserId,
              facilityId,
              roles: access.rolesIn(principal, facilityId),
              resource: 'social-benefits',
              sensitivities: ['social'],
              purpose: 'care',
            },
          })),
        );
        return { body: { benefits } };
      },
    }),
  ];
}
