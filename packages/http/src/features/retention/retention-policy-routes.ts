import {
  MAX_INTERMEDIATE_ARCHIVE_YEARS,
  organisationRetentionPolicyDecider,
  type Principal,
  type RetentionPolicy,
  retentionPolicyStreamId,
  retentionRuleOf,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import { recordsDue } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { organisationParams } from '../route-parameters.js';
import { organisationRetentionPolicy } from './organisation-retention-policy.js';

const TAG = 'Archives et conservation';

export interface RetentionPolicyDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the `record_retention` projection. */
  retentionSchema: string;
  access: ProfessionalAccess;
  /** The instance's default (`DUI_SOCIAL_ARCHIVE_YEARS`), until an organisation decides its own. */
  instanceDefault: RetentionPolicy;
  clock: () => Date;
}

const decision = z.object({
  socialIntermediateArchiveYears: z.int(),
  decidedOn: z.string(),
  decidedBy: z.string(),
  motive: z.string(),
  destructionsBroughtForward: z.int().optional(),
});

/**
 * The keeping of social and administrative data the organisation decided, as its register of
 * processing says: read by its directors and archivists, decided by a director, every change kept
 * with its author, day and motive. The end-of-retention job follows it from its next run.
 */
export function retentionPolicyRoutes(deps: RetentionPolicyDependencies): RouteDefinition[] {
  const { store, knex, retentionSchema, access, instanceDefault, clock } = deps;
  const holdsAnyOf = (principal: Principal, roles: readonly string[]) =>
    principal.roles.some((grant) => roles.includes(grant.role));
  const requireReader = async (context: RequestContext, organisationId: string) => {
    const principal = await access.principal(context, organisationId);
    if (!holdsAnyOf(principal, ['director', 'archivist'])) {
      throw new HttpProblem('forbidden', 'La politique de conservation se consulte par la direction ou l’archiviste.');
    }
  };
  /** The records whose destruction the job would carry out today under this policy. */
  const destructionsDueToday = async (organisationId: string, today: string, policy: RetentionPolicy) =>
    (await recordsDue(knex, retentionSchema, { organisationId, today, policyOf: () => policy }))
      .filter((record) => record.destructionDue)
      .map((record) => record.serviceUserId);
  /** What a proposed policy changes today: the destructions due in force and proposed, and those it alone brings forward. */
  const impactOf = async (organisationId: string, proposed: RetentionPolicy) => {
    const today = parisDay.format(clock());
    const { inForce } = await organisationRetentionPolicy(store, organisationId, instanceDefault);
    const [dueNow, dueProposed] = await Promise.all([
      destructionsDueToday(organisationId, today, inForce),
      destructionsDueToday(organisationId, today, proposed),
    ]);
    const alreadyDue = new Set(dueNow);
    return {
      today,
      inForce: { ...inForce, destructionsDue: dueNow.length },
      proposed: { ...proposed, destructionsDue: dueProposed.length },
      broughtForward: dueProposed.filter((serviceUserId) => !alreadyDue.has(serviceUserId)),
    };
  };

  return [
    defineQuery({
      path: '/organisations/:organisationId/retention-policy',
      summary:
        'La durée de conservation des données sociales que l’organisme a décidée, et l’historique de ses décisions',
      tags: [TAG],
      params: organisationParams,
      response: z.object({
        socialIntermediateArchiveYears: z.int(),
        source: z.enum(['organisation', 'instance']),
        rules: z.object({ medical: z.string(), socialAndAdministrative: z.string() }),
        decisions: z.array(decision),
      }),
      problems: ['forbidden'],
      async handler({ params, context }) {
        await requireReader(context, params.organisationId);
        const policy = await organisationRetentionPolicy(store, params.organisationId, instanceDefault);
        return {
          body: {
            socialIntermediateArchiveYears: policy.inForce.socialIntermediateArchiveYears,
            source: policy.source,
            rules: {
              medical: retentionRuleOf('medical', policy.inForce).frenchLabel,
              socialAndAdministrative: retentionRuleOf('socialAndAdministrative', policy.inForce).frenchLabel,
            },
            decisions: policy.decisions,
          },
        };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/retention-policy/impact',
      summary:
        'Avant de décider : les dossiers dont la destruction serait échue aujourd’hui avec cette durée, et avec celle en vigueur',
      tags: [TAG],
      params: organisationParams,
      query: z.object({
        socialIntermediateArchiveYears: z.coerce.number().int().min(0).max(MAX_INTERMEDIATE_ARCHIVE_YEARS),
      }),
      response: z.object({
        today: z.string(),
        inForce: z.object({ socialIntermediateArchiveYears: z.int(), destructionsDue: z.int() }),
        proposed: z.object({ socialIntermediateArchiveYears: z.int(), destructionsDue: z.int() }),
        /** The usagers (ids only) whose record the proposed policy alone would destroy at the next run. */
        broughtForward: z.array(z.string()),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        await requireReader(context, params.organisationId);
        const impact = await impactOf(params.organisationId, {
          socialIntermediateArchiveYears: query.socialIntermediateArchiveYears,
        });
        return { body: impact };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/retention-policy',
      summary:
        'Décider la durée d’archivage intermédiaire des données sociales de l’organisme (registre des traitements)',
      description:
        'Applicable à tous les dossiers de l’organisme dès le prochain passage du traitement de fin de conservation : ' +
        'raccourcie, elle peut rendre des destructions immédiatement échues (un gel juridique les suspend toujours) : ' +
        'la décision est alors refusée tant que son auteur n’en confirme pas le nombre (`confirmedDestructions`), ' +
        'celui que donne son impact.',
      tags: [TAG],
      params: organisationParams,
      body: z.object({
        socialIntermediateArchiveYears: z.int().min(0).max(MAX_INTERMEDIATE_ARCHIVE_YEARS),
        motive: z.string().trim().min(1).max(1_000),
        /** The destructions this decision brings forward today, as its impact told them: required when there are any. */
        confirmedDestructions: z.int().min(0).optional(),
      }),
      response: z.object({ revision: z.int(), destructionsBroughtForward: z.int() }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        if (!holdsAnyOf(principal, ['director'])) {
          throw new HttpProblem('forbidden', 'La politique de conservation de l’organisme se décide par la direction.');
        }
        const { today, broughtForward } = await impactOf(params.organisationId, {
          socialIntermediateArchiveYears: body.socialIntermediateArchiveYears,
        });
        const { revision } = await professionalCommand(store, access, organisationRetentionPolicyDecider, {
          principal,
          context,
          streamId: retentionPolicyStreamId(params.organisationId),
          command: {
            type: 'SetRetentionPolicy',
            today,
            socialIntermediateArchiveYears: body.socialIntermediateArchiveYears,
            decidedOn: today,
            decidedBy: principal.professionalId,
            motive: body.motive,
            destructionsBroughtForward: broughtForward.length,
            confirmedDestructions: body.confirmedDestructions,
          },
          where: {},
        });
        return { body: { revision, destructionsBroughtForward: broughtForward.length }, revision };
      },
    }),
  ];
}
