import { randomUUID } from 'node:crypto';
import {
  FIRST_USAGE_PROFILE_YEAR,
  housingSchema,
  incomeSchema,
  injectionSchema,
  mainProductSchema,
  referralSchema,
  usagePopulationSchema,
  usageProfileDecider,
  usageProfileStreamId,
  useLevelSchema,
} from '@dui-pds/domain';
import { type EventStore, foldStream } from '@dui-pds/eventstore';
import { usageProfilesOf } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, serviceUserParams } from '../route-parameters.js';

const TAG = 'Profils d’usage (rapport d’activité CSAPA, RECAP)';
const year = z.int().min(FIRST_USAGE_PROFILE_YEAR).max(9999);
const profileSchema = z.object({
  profileId: z.uuid(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  year: z.int(),
  population: usagePopulationSchema,
  referral: referralSchema,
  housing: housingSchema,
  income: incomeSchema,
  mainProduct: mainProductSchema.nullable(),
  useLevel: useLevelSchema.nullable(),
  injection: injectionSchema.nullable(),
  recordedOn: z.string(),
  corrections: z.int(),
  revision: z.int(),
});

export interface UsageProfilesDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the usage_profiles projection. */
  usageProfilesSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * The usager's usage profile per ESSMS and year (what the CSAPA annual report and RECAP count):
 * recorded, recorded again to correct it, read back (each read traced).
 *
 * The whole profile is `social` data. Referral, housing and income are social facts; the main
 * product, use level and injection are what the CSAPA's care team, doctors and social workers
 * alike, records for the annual report at the first interviews, not a diagnosis: classing them
 * `medical` would keep the social workers who fill most of these forms out of them.
 */
export function usageProfilesRoutes(deps: UsageProfilesDependencies): RouteDefinition[] {
  const { store, knex, usageProfilesSchema, access, accessLog, clock } = deps;

  /** The current profile of the stream, if any: its id is kept when the profile is recorded again. */
  const currentProfileOf = async (streamId: string) => {
    return foldStream(store, usageProfileDecider, streamId);
  };

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/usage-profiles',
      summary: 'Enregistrer le profil d’usage de l’usager pour une année dans un ESSMS (il remplace le précédent)',
      description:
        'Un profil par usager, ESSMS et année : l’enregistrer de nouveau remplace le profil entier, sous le même ' +
        'identifiant, avec un motif facultatif. Pour l’entourage, le produit principal, le niveau d’usage et ' +
        'l’injection restent nuls. Réponse 201 au premier enregistrement, 200 ensuite.',
      tags: [TAG],
      status: 200,
      params: serviceUserParams,
      body: z.object({
        facilityId: identifier,
        year,
        population: usagePopulationSchema,
        referral: referralSchema,
        housing: housingSchema,
        income: incomeSchema,
        /** Null (or absent): none identified, and always for the entourage. */
        mainProduct: mainProductSchema.nullable().optional(),
        useLevel: useLevelSchema.nullable().optional(),
        injection: injectionSchema.nullable().optional(),
        reason: z.string().trim().min(1).max(1_000).optional(),
      }),
      response: z.object({ profileId: z.uuid(), year: z.int(), revision: z.int() }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'write', { organisationId: params.organisationId, ...where, sensitivity: 'social' });
        const streamId = usageProfileStreamId(params.organisationId, params.serviceUserId, body.facilityId, body.year);
        const current = await currentProfileOf(streamId);
        if (current.status === 'erased') throw new HttpProblem('not-found', 'Ce profil d’usage n’existe plus.');
        const profileId = current.status === 'recorded' ? current.profileId : randomUUID();
        const { revision } = await professionalCommand(store, access, usageProfileDecider, {
          principal,
          context,
          streamId,
          command: {
            type: 'RecordUsageProfile',
            profileId,
            serviceUserId: params.serviceUserId,
            facilityId: body.facilityId,
            year: body.year,
            population: body.population,
            referral: body.referral,
            housing: body.housing,
            income: body.income,
            mainProduct: body.mainProduct ?? null,
            useLevel: body.useLevel ?? null,
            injection: body.injection ?? null,
            ...(body.reason === undefined ? {} : { reason: body.reason }),
            today: parisDay.format(clock()),
          },
          where,
          expectedRevision,
        });
        return {
          status: current.status === 'none' ? 201 : 200,
          body: { profileId, year: body.year, revision },
          revision,
        };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/usage-profiles',
      summary: 'Les profils d’usage de l’usager dans un ESSMS, l’année la plus récente d’abord (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({
        facilityId: identifier,
        year: z.coerce.number().int().min(FIRST_USAGE_PROFILE_YEAR).max(9999).optional(),
      }),
      response: z.object({ profiles: z.array(profileSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const scope = { ...params, facilityId: query.facilityId };
        access.check(principal, 'read', { ...scope, sensitivity: 'social' });
        const profiles = (await usageProfilesOf(knex, usageProfilesSchema, scope)).filter(
          (profile) => query.year === undefined || profile.year === query.year,
        );
        await accessLog.recordReadBy(principal, context.correlationId, {
          serviceUserId: params.serviceUserId,
          facilityId: query.facilityId,
          resource: 'usage-profiles',
          sensitivities: ['social'],
          purpose: 'care',
        });
        return { body: { profiles } };
      },
    }),
  ];
}
