import {
  type ContactDetails,
  contactEmailSchema,
  contactPhoneSchema,
  cosignatureMethodSchema,
  DomainRuleViolation,
  MAX_DIRECTORY_NAME_LENGTH,
  offerAnswerSchema,
  type Principal,
  revocationMethodSchema,
  type SensitivityClass,
  type TrustedPersonCommand,
  trustedPersonDecider,
  trustedPersonScopeSchema,
  trustedPersonsStreamId,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import {
  serviceUserIdentity,
  trustedPersonOffersOf,
  trustedPersonsOf,
  trustedPersonsRevision,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { requireDirectorOf } from '../director-signature.js';
import { directoryEntryOfUsager } from '../directory/directory-partners.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, serviceUserParams } from '../route-parameters.js';

const TAG = 'Personne de confiance';
/**
 * Who the usager trusts, their family ties and whether that person may consult the record: social
 * data, kept by the care team (the director reads it, and signs the attestation on paper).
 */
const SENSITIVITY: SensitivityClass = 'social';
const day = z.iso.date();
const designationParams = serviceUserParams.extend({ trustedPersonId: z.uuid() });
const accepted = z.object({ revision: z.int() });
const contactBody = z.strictObject({
  phone: contactPhoneSchema.optional(),
  email: contactEmailSchema.optional(),
  postalAddress: z.string().trim().min(1).max(500).optional(),
});
const contactView = z.object({
  phone: z.string().optional(),
  email: z.string().optional(),
  postalAddress: z.string().optional(),
});
const designationView = z.object({
  trustedPersonId: z.string(),
  facilityId: z.string(),
  name: z.string(),
  relationship: z.string().nullable(),
  entryId: z.string().nullable(),
  contact: contactView,
  scope: z.array(trustedPersonScopeSchema),
  status: z.enum(['designated', 'revoked']),
  designatedOn: z.string(),
  cosignedOn: z.string().optional(),
  cosignedHow: cosignatureMethodSchema.optional(),
  attestationOn: z.string().optional(),
  attestationSignedBy: z.string().optional(),
  revokedOn: z.string().optional(),
  revokedHow: revocationMethodSchema.optional(),
  revocationDetails: z.string().optional(),
  consultationAllowedByUsager: z.boolean(),
  mayConsultRecord: z.boolean(),
});

export interface TrustedPersonsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schemas of the trusted_persons, directory, service_users and habilitations projections. */
  trustedPersonsSchema: string;
  directorySchema: string;
  serviceUsersSchema: string;
  habilitationsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * The personne de confiance (L.311-5-1 CASF, L.1111-6 CSP): the offer made at each admission, the
 * designation, its co-signature, the attestation signed by the director, the usager's allowance to
 * consult the record through the portal, the revocation. The designation is the usager's in the
 * organisation, not one ESSMS': each command says in which ESSMS it is recorded, and whoever may
 * write (or read) the usager's social data there may record (or read) it.
 */
export function trustedPersonsRoutes(deps: TrustedPersonsDependencies): RouteDefinition[] {
  const { store, knex, trustedPersonsSchema, directorySchema, serviceUsersSchema, habilitationsSchema } = deps;
  const { access, accessLog, clock } = deps;

  const decide = async (
    principal: Principal,
    context: RequestContext,
    where: { facilityId: string; serviceUserId: string },
    command: TrustedPersonCommand,
    expectedRevision?: number,
  ) => {
    access.check(principal, 'write', { organisationId: principal.organisationId, ...where, sensitivity: SENSITIVITY });
    const { revision } = await professionalCommand(store, access, trustedPersonDecider, {
      principal,
      context,
      streamId: trustedPersonsStreamId(principal.organisationId, where.serviceUserId),
      command,
      where,
      expectedRevision,
    });
    return { body: { revision }, revision };
  };

  /** Whether the usager is of age on `on`, from their birth date; unknown (anonymous, no date) is not refused. */
  const usagerIsAdult = async (organisationId: string, serviceUserId: string, on: string) => {
    const identity = await serviceUserIdentity(knex, serviceUsersSchema, { organisationId, serviceUserId });
    if (identity?.birthDate)
      return `${Number(identity.birthDate.slice(0, 4)) + 18}${identity.birthDate.slice(4)}` <= on;
    if (identity?.birthYear) {
      const adultYear = identity.birthYear + 18;
      const year = Number(on.slice(0, 4));
      return year > adultYear ? true : year < adultYear ? false : undefined;
    }
    return undefined;
  };

  const today = () => parisDay.format(clock());

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/trusted-person-offers',
      summary: 'Enregistrer la proposition de désigner une personne de confiance, faite à l’admission, et la réponse',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        offerId: z.uuid(),
        facilityId: identifier,
        offeredOn: day.optional(),
        answer: offerAnswerSchema,
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const offeredOn = body.offeredOn ?? today();
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        const adult = await usagerIsAdult(params.organisationId, params.serviceUserId, offeredOn);
        const command: TrustedPersonCommand = {
          type: 'RecordTrustedPersonOffer',
          today: today(),
          ...(adult === undefined ? {} : { usagerIsAdult: adult }),
          offerId: body.offerId,
          serviceUserId: params.serviceUserId,
          facilityId: body.facilityId,
          offeredOn,
          answer: body.answer,
        };
        return { ...(await decide(principal, context, where, command, expectedRevision)), status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/trusted-persons',
      summary:
        'Enregistrer la désignation d’une personne de confiance (une fiche de l’annuaire ou une personne et ses coordonnées ; CASF et/ou CSP)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        trustedPersonId: z.uuid(),
        facilityId: identifier,
        person: z.strictObject({
          /** An entry of the usager's directory: its name and contact by default. */
          entryId: z.uuid().optional(),
          name: z.string().trim().min(1).max(MAX_DIRECTORY_NAME_LENGTH).optional(),
          relationship: z.string().trim().min(1).max(200).optional(),
          contact: contactBody.optional(),
        }),
        scope: z.array(trustedPersonScopeSchema).min(1).max(2),
        designatedOn: day.optional(),
        mayConsultRecord: z.boolean().optional(),
      }),
      response: accepted.extend({ trustedPersonId: z.uuid() }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'write', { organisationId: params.organisationId, ...where, sensitivity: SENSITIVITY });
        const designatedOn = body.designatedOn ?? today();
        const { entryId, ...given } = body.person;
        let person: { entryId?: string; name: string; relationship?: string; contact?: ContactDetails } = {
          ...given,
          name: given.name ?? '',
        };
        if (entryId !== undefined) {
          const entry = await directoryEntryOfUsager(knex, directorySchema, {
            organisationId: params.organisationId,
            ...where,
            entryId,
          });
          if (entry.status === 'removed' || entry.kind === 'structure') {
            throw new DomainRuleViolation(
              'TRUSTED_PERSON_ENTRY_NOT_A_PERSON',
              'La personne de confiance est une personne de l’annuaire de l’usager (un proche, un professionnel), pas une structure ni une fiche retirée.',
              { entryId },
            );
          }
          person = {
            entryId,
            name: given.name ?? entry.name,
            ...(given.relationship === undefined
              ? entry.roleDetails === null
                ? {}
                : { relationship: entry.roleDetails }
              : { relationship: given.relationship }),
            contact: given.contact ?? entry.contact,
          };
        }
        const adult = await usagerIsAdult(params.organisationId, params.serviceUserId, designatedOn);
        const answer = await decide(
          principal,
          context,
          where,
          {
            type: 'DesignateTrustedPerson',
            today: today(),
            ...(adult === undefined ? {} : { usagerIsAdult: adult }),
            trustedPersonId: body.trustedPersonId,
            serviceUserId: params.serviceUserId,
            facilityId: body.facilityId,
            person,
            scope: body.scope,
            designatedOn,
            ...(body.mayConsultRecord === undefined ? {} : { mayConsultRecord: body.mayConsultRecord }),
          },
          expectedRevision,
        );
        return { ...answer, body: { ...answer.body, trustedPersonId: body.trustedPersonId }, status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/trusted-persons/:trustedPersonId/cosignatures',
      summary: 'Enregistrer la cosignature de la désignation par la personne de confiance (date, comment)',
      tags: [TAG],
      params: designationParams,
      body: z.object({ facilityId: identifier, cosignedOn: day.optional(), how: cosignatureMethodSchema }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return decide(
          principal,
          context,
          { facilityId: body.facilityId, serviceUserId: params.serviceUserId },
          {
            type: 'RecordTrustedPersonCosignature',
            today: today(),
            trustedPersonId: params.trustedPersonId,
            cosignedOn: body.cosignedOn ?? today(),
            how: body.how,
          },
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/trusted-persons/:trustedPersonId/attestations',
      summary: 'Enregistrer l’attestation datée, signée par le directeur de l’ESSMS et la personne',
      tags: [TAG],
      params: designationParams,
      body: z.object({ facilityId: identifier, attestedOn: day.optional(), directorId: identifier }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        await requireDirectorOf(
          knex,
          habilitationsSchema,
          { organisationId: params.organisationId, facilityId: body.facilityId, directorId: body.directorId },
          {
            code: 'ATTESTATION_NOT_SIGNED_BY_DIRECTOR',
            message: 'L’attestation est signée par le directeur de l’ESSMS : ce professionnel n’y a pas ce rôle.',
          },
        );
        return decide(
          principal,
          context,
          { facilityId: body.facilityId, serviceUserId: params.serviceUserId },
          {
            type: 'RecordTrustedPersonAttestation',
            today: today(),
            trustedPersonId: params.trustedPersonId,
            attestedOn: body.attestedOn ?? today(),
            directorId: body.directorId,
          },
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/trusted-persons/:trustedPersonId/record-consultation',
      summary:
        'Enregistrer que l’usager autorise (ou n’autorise plus) sa personne de confiance à consulter son dossier par le portail',
      tags: [TAG],
      params: designationParams,
      body: z.object({ facilityId: identifier, mayConsultRecord: z.boolean() }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return decide(
          principal,
          context,
          { facilityId: body.facilityId, serviceUserId: params.serviceUserId },
          {
            type: 'SetTrustedPersonRecordConsultation',
            today: today(),
            trustedPersonId: params.trustedPersonId,
            mayConsultRecord: body.mayConsultRecord,
          },
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/trusted-persons/:trustedPersonId/revocations',
      summary: 'Enregistrer la révocation de la désignation par l’usager (date, par écrit ou oralement)',
      tags: [TAG],
      params: designationParams,
      body: z.object({
        facilityId: identifier,
        revokedOn: day.optional(),
        how: revocationMethodSchema,
        details: z.string().trim().min(1).max(500).optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        return decide(
          principal,
          context,
          { facilityId: body.facilityId, serviceUserId: params.serviceUserId },
          {
            type: 'RevokeTrustedPerson',
            today: today(),
            trustedPersonId: params.trustedPersonId,
            revokedOn: body.revokedOn ?? today(),
            how: body.how,
            ...(body.details === undefined ? {} : { details: body.details }),
          },
          expectedRevision,
        );
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/trusted-persons',
      summary:
        'La personne de confiance de l’usager : la désignation en cours, les révoquées, les propositions faites (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier }),
      response: z.object({
        designations: z.array(designationView),
        offers: z.array(
          z.object({ offerId: z.string(), facilityId: z.string(), offeredOn: z.string(), answer: offerAnswerSchema }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { organisationId: params.organisationId, serviceUserId: params.serviceUserId };
        access.check(principal, 'read', { ...where, facilityId: query.facilityId, sensitivity: SENSITIVITY });
        const [designations, offers, revision] = await Promise.all([
          trustedPersonsOf(knex, trustedPersonsSchema, where),
          trustedPersonOffersOf(knex, trustedPersonsSchema, where),
          trustedPersonsRevision(knex, trustedPersonsSchema, where),
        ]);
        await accessLog.recordRead({
          organisationId: params.organisationId,
          professionalId: principal.professionalId,
          correlationId: context.correlationId,
          read: {
            serviceUserId: params.serviceUserId,
            facilityId: query.facilityId,
            roles: access.rolesIn(principal, query.facilityId),
            resource: 'trusted-persons',
            sensitivities: [SENSITIVITY],
            purpose: 'care',
          },
        });
        if (revision < 0) return { body: { designations, offers } };
        return { body: { designations, offers }, revision };
      },
    }),
  ];
}
