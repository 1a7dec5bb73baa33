import { randomInt } from 'node:crypto';
import { careCertificatePdf } from '@dui-pds/documents';
import {
  DomainRuleViolation,
  decideAccess,
  identityDocumentKindSchema,
  isTestOrDemoInsOid,
  type Principal,
  type ServiceUserIdentity,
  type ServiceUserIdentityCommand,
  serviceUserIdentityDecider,
  serviceUserStreamId,
  sexSchema,
  strictTraitsSchema,
} from '@dui-pds/domain';
import { type EventStore, foldStream } from '@dui-pds/eventstore';
import { findServiceUsers, type ServiceUserSummary, serviceUserIdentity } from '@dui-pds/projections';
import { type Insi, searchIns } from '@dui-pds/segur-adapters';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

const day = z.iso.date();
const reason = z.string().trim().min(1).max(1_000);
const usedName = z.string().trim().min(1).max(100);
const accepted = z.object({ serviceUserId: z.string(), revision: z.int() });
/** Letters and digits that cannot be misread for one another (no 0/O, 1/I). */
const PSEUDONYM_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

const identitySchema = z.object({
  serviceUserId: z.string(),
  facilityId: z.string(),
  anonymous: z.boolean(),
  pseudonym: z.string().nullable(),
  birthName: z.string().nullable(),
  birthFirstNames: z.array(z.string()),
  usedName: z.string().nullable(),
  usedFirstName: z.string().nullable(),
  postalAddress: z.string().nullable(),
  birthDate: z.string().nullable(),
  birthYear: z.int().nullable(),
  sex: sexSchema.nullable(),
  birthplaceCode: z.string().nullable(),
  identityStatus: z.enum(['PROV', 'RECUP', 'VALI', 'QUAL']).nullable(),
  ins: z.object({ value: z.string(), oid: z.string() }).nullable(),
  registeredAt: z.string(),
  revision: z.int(),
});

export interface ServiceUsersDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the service_users projection. */
  serviceUsersSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  insi: Insi;
  /** Whether INS with test and demo OIDs are accepted (never in production: `DUI_INS_OIDS_ALLOWED_TEST`). */
  testInsAllowed: boolean;
  /** The ESSMS's name and address, printed on the certificates of care. */
  facilities: Readonly<Record<string, { name: string; address?: string | undefined }>>;
  clock: () => Date;
}

/**
 * The usager's record, its identity part: registration (identified or anonymous), strict traits and
 * INS status through the INSi, identity document checks, lifting anonymity, named certificates of
 * care. Identity is administrative data: the secretariat and direction of the ESSMS keep it, the
 * care team reads it.
 */
export function serviceUsersRoutes(deps: ServiceUsersDependencies): RouteDefinition[] {
  const { store, knex, serviceUsersSchema, access, accessLog, insi, testInsAllowed, clock } = deps;

  const decide = async (
    principal: Principal,
    context: RequestContext,
    serviceUserId: string,
    command: ServiceUserIdentityCommand,
    facilityId: string,
    expectedRevision?: number,
  ) => {
    access.check(principal, 'write', {
      organisationId: principal.organisationId,
      facilityId,
      serviceUserId,
      sensitivity: 'administrative',
    });
    const { revision } = await professionalCommand(store, access, serviceUserIdentityDecider, {
      principal,
      context,
      streamId: serviceUserStreamId(principal.organisationId, serviceUserId),
      command,
      where: { facilityId, serviceUserId },
      expectedRevision,
    });
    return { body: { serviceUserId, revision }, revision };
  };

  /** The record as its stream holds it; 404 when the organisation has none by that id. */
  const recordOf = async (organisationId: string, serviceUserId: string) => {
    const record: ServiceUserIdentity = await foldStream(
      store,
      serviceUserIdentityDecider,
      serviceUserStreamId(organisationId, serviceUserId),
    );
    if (record.kind === 'none') throw new HttpProblem('not-found', 'Cet usager n’existe pas.');
    return record;
  };

  /** An identified record with its traits, checked before any INSi call: an anonymous one never reaches it. */
  const traitsBeforeInsi = async (principal: Principal, serviceUserId: string) => {
    const record = await recordOf(principal.organisationId, serviceUserId);
    access.check(principal, 'write', {
      organisationId: principal.organisationId,
      facilityId: record.facilityId,
      serviceUserId,
      sensitivity: 'administrative',
    });
    if (record.kind === 'anonymous') {
      throw new DomainRuleViolation(
        'ANONYMOUS_RECORD',
        'Le dossier est anonyme : aucun appel au téléservice INSi n’est fait pour lui.',
      );
    }
    if (record.traits === undefined) {
      throw new DomainRuleViolation('SERVICE_USER_ERASED', 'Ce dossier concerne une personne oubliée.');
    }
    return { record, traits: record.traits };
  };

  const callInsi = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch {
      // the port's error may quote the traits sent: it is not passed on, nor logged
      throw new HttpProblem('service-unavailable', 'Le téléservice INSi ne répond pas : réessayez plus tard.', {
        headers: { 'Retry-After': '30' },
      });
    }
  };

  const refuseTestOid = (oid: string) => {
    if (!testInsAllowed && isTestOrDemoInsOid(oid)) {
      throw new DomainRuleViolation(
        'TEST_INS_IN_PRODUCTION',
        'L’INSi a renvoyé un INS de test ou de démonstration : il est refusé en production.',
      );
    }
  };

  const identityRead = (identity: ServiceUserSummary) => ({
    serviceUserId: identity.serviceUserId,
    facilityId: identity.facilityId,
    resource: 'identity',
    sensitivities: ['administrative' as const],
    purpose: 'care' as const,
  });
  const traceRead = (principal: Principal, context: RequestContext, identity: ServiceUserSummary) =>
    accessLog.recordReadBy(principal, context.correlationId, identityRead(identity));

  const withRecord = (
    path: string,
    summary: string,
    body: z.ZodObject,
    command: (input: {
      body: Record<string, unknown>;
      principal: Principal;
      record: ServiceUserIdentity;
    }) => ServiceUserIdentityCommand,
  ) =>
    defineCommand({
      path: `/organisations/:organisationId/usagers/:serviceUserId/${path}`,
      summary,
      tags: ['Identité de l’usager'],
      params: serviceUserParams,
      body,
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body: input, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const record = await recordOf(params.organisationId, params.serviceUserId);
        return decide(
          principal,
          context,
          params.serviceUserId,
          command({ body: input as Record<string, unknown>, principal, record }),
          record.facilityId,
          expectedRevision,
        );
      },
    });

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers',
      summary: 'Enregistrer un usager avec ses traits stricts d’identité (identité provisoire)',
      tags: ['Identité de l’usager'],
      status: 201,
      params: organisationParams,
      body: z.object({
        serviceUserId: identifier,
        facilityId: identifier,
        traits: strictTraitsSchema,
        usedName: usedName.optional(),
        usedFirstName: usedName.optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const answer = await decide(
          principal,
          context,
          body.serviceUserId,
          { type: 'RegisterServiceUser', ...body, registeredAt: clock().toISOString() },
          body.facilityId,
        );
        return { ...answer, status: 201 };
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/anonymous-usagers',
      summary: 'Enregistrer un usager anonyme, à sa demande (numéro pseudonyme, sans INS)',
      tags: ['Identité de l’usager'],
      status: 201,
      params: organisationParams,
      body: z.object({
        serviceUserId: identifier,
        facilityId: identifier,
        sex: sexSchema.optional(),
        birthYear: z.int().min(1900).max(2100).optional(),
      }),
      response: accepted.extend({ pseudonym: z.string() }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const pseudonym = newPseudonym();
        const answer = await decide(
          principal,
          context,
          body.serviceUserId,
          { type: 'RegisterAnonymousServiceUser', ...body, pseudonym, registeredAt: clock().toISOString() },
          body.facilityId,
        );
        // a retried request replays the first answer (idempotency), so the pseudonym said is the one kept
        const kept = await recordOf(params.organisationId, body.serviceUserId);
        return {
          ...answer,
          body: { ...answer.body, pseudonym: kept.kind === 'anonymous' ? kept.pseudonym : pseudonym },
          status: 201,
        };
      },
    }),
    withRecord(
      'identity-corrections',
      'Corriger les traits stricts d’une identité qui ne vient pas de l’INSi, en disant pourquoi',
      z.object({ traits: strictTraitsSchema, reason }),
      ({ body }) => ({
        type: 'CorrectIdentityTraits',
        traits: body.traits as z.infer<typeof strictTraitsSchema>,
        reason: body.reason as string,
        at: clock().toISOString(),
      }),
    ),
    withRecord(
      'used-names',
      'Changer le nom et le prénom utilisés',
      z.object({ usedName: usedName.optional(), usedFirstName: usedName.optional() }),
      ({ body }) => ({
        type: 'ChangeUsedNames',
        ...(body.usedName === undefined ? {} : { usedName: body.usedName as string }),
        ...(body.usedFirstName === undefined ? {} : { usedFirstName: body.usedFirstName as string }),
        at: clock().toISOString(),
      }),
    ),
    withRecord(
      'postal-addresses',
      'Enregistrer l’adresse postale de l’usager (domicile, ou adresse de domiciliation)',
      z.object({ postalAddress: z.string().trim().min(1).max(300) }),
      ({ body }) => ({
        type: 'ChangePostalAddress',
        postalAddress: body.postalAddress as string,
        at: clock().toISOString(),
      }),
    ),
    withRecord(
      'identity-document-checks',
      'Enregistrer la vérification d’une pièce d’identité (identité validée ou qualifiée)',
      z.object({
        checkId: z.uuid(),
        kind: identityDocumentKindSchema,
        expiresOn: day.optional(),
        checkedOn: day.optional(),
        outcome: z.enum(['consistent', 'inconsistent']),
        comment: z.string().trim().max(1_000).optional(),
      }),
      ({ body, principal }) => ({
        type: 'RecordIdentityDocumentCheck',
        checkId: body.checkId as string,
        kind: body.kind as z.infer<typeof identityDocumentKindSchema>,
        ...(body.expiresOn === undefined ? {} : { expiresOn: body.expiresOn as string }),
        checkedOn: (body.checkedOn as string | undefined) ?? parisDay.format(clock()),
        checkedBy: principal.professionalId,
        outcome: body.outcome as 'consistent' | 'inconsistent',
        ...(body.comment ? { comment: body.comment as string } : {}),
      }),
    ),
    withRecord(
      'anonymity-lifts',
      'Lever l’anonymat, à la demande de la personne et pour un motif tracé',
      z.object({
        reason,
        traits: strictTraitsSchema,
        usedName: usedName.optional(),
        usedFirstName: usedName.optional(),
      }),
      ({ body, principal }) => ({
        type: 'LiftAnonymity',
        reason: body.reason as string,
        traits: body.traits as z.infer<typeof strictTraitsSchema>,
        ...(body.usedName === undefined ? {} : { usedName: body.usedName as string }),
        ...(body.usedFirstName === undefined ? {} : { usedFirstName: body.usedFirstName as string }),
        liftedBy: principal.professionalId,
        at: clock().toISOString(),
      }),
    ),
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/ins-searches',
      summary:
        'Rechercher l’INS de l’usager au téléservice INSi à partir de ses traits (jamais pour un dossier anonyme)',
      tags: ['Identité de l’usager'],
      params: serviceUserParams,
      body: z.object({}),
      response: accepted.extend({ identityStatus: z.enum(['PROV', 'RECUP', 'VALI', 'QUAL']) }),
      problems: ['forbidden', 'not-found', 'domain-rule-violated', 'service-unavailable'],
      async handler({ params, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { record, traits } = await traitsBeforeInsi(principal, params.serviceUserId);
        const answer = await callInsi(() => searchIns(insi, traits));
        if (answer.outcome === 'not-found') {
          throw new DomainRuleViolation('INSI_NO_IDENTITY', 'L’INSi ne connaît aucune identité pour ces traits.');
        }
        if (answer.outcome === 'several') {
          throw new DomainRuleViolation(
            'INSI_SEVERAL_IDENTITIES',
            'L’INSi renvoie plusieurs identités, même avec tous les prénoms et le lieu de naissance : vérifiez les traits.',
          );
        }
        refuseTestOid(answer.ins.oid);
        const recorded = await decide(
          principal,
          context,
          params.serviceUserId,
          {
            type: 'RecordInsRetrieved',
            ins: answer.ins,
            traits: answer.traits,
            operation: 'search',
            at: clock().toISOString(),
          },
          record.facilityId,
          expectedRevision,
        );
        return {
          ...recorded,
          body: { ...recorded.body, identityStatus: await statusOf(params.organisationId, params.serviceUserId) },
        };
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/ins-verifications',
      summary: 'Vérifier l’INS de l’usager auprès du téléservice INSi',
      tags: ['Identité de l’usager'],
      params: serviceUserParams,
      body: z.object({}),
      response: accepted.extend({ identityStatus: z.enum(['PROV', 'RECUP', 'VALI', 'QUAL']) }),
      problems: ['forbidden', 'not-found', 'domain-rule-violated', 'service-unavailable'],
      async handler({ params, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { record, traits } = await traitsBeforeInsi(principal, params.serviceUserId);
        if (record.kind !== 'identified' || record.ins === undefined) {
          throw new DomainRuleViolation(
            'NO_INS_TO_VERIFY',
            'Aucun INS n’est encore enregistré : recherchez-le d’abord.',
          );
        }
        const { ins } = record;
        // a test INS held from before (a test deployment's data) is not re-confirmed in production either
        refuseTestOid(ins.oid);
        const answer = await callInsi(() => insi.verify(ins, traits));
        if (answer.outcome === 'not-confirmed') {
          throw new DomainRuleViolation(
            'INS_NOT_CONFIRMED',
            'L’INSi ne confirme pas cet INS avec ces traits : l’identité est à vérifier.',
          );
        }
        const recorded = await decide(
          principal,
          context,
          params.serviceUserId,
          {
            type: 'RecordInsRetrieved',
            ins,
            traits: answer.traits,
            operation: 'verification',
            at: clock().toISOString(),
          },
          record.facilityId,
          expectedRevision,
        );
        return {
          ...recorded,
          body: { ...recorded.body, identityStatus: await statusOf(params.organisationId, params.serviceUserId) },
        };
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/care-certificates',
      summary:
        'Délivrer un certificat nominatif de prise en charge, en texte et en PDF à remettre (le nom n’est pas conservé au dossier)',
      tags: ['Identité de l’usager'],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        certificateId: z.uuid(),
        nameOnCertificate: z.string().trim().min(1).max(200),
        periodFrom: day,
        periodTo: day,
        purpose: reason,
      }),
      response: accepted.extend({
        certificate: z.object({ title: z.string(), text: z.string(), pdfBase64: z.string() }),
      }),
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const record = await recordOf(params.organisationId, params.serviceUserId);
        const issuedOn = parisDay.format(clock());
        const answer = await decide(
          principal,
          context,
          params.serviceUserId,
          {
            type: 'IssueCareCertificate',
            certificateId: body.certificateId,
            issuedOn,
            periodFrom: body.periodFrom,
            periodTo: body.periodTo,
            purpose: body.purpose,
            issuedBy: principal.professionalId,
          },
          record.facilityId,
          expectedRevision,
        );
        const facility = deps.facilities[record.facilityId];
        const pdf = await careCertificatePdf(
          { ...body, issuedOn, issuedBy: principal.professionalId },
          {
            establishment: {
              facilityId: record.facilityId,
              name: facility?.name ?? `ESSMS ${record.facilityId}`,
              ...(facility?.address === undefined ? {} : { address: facility.address }),
            },
            printedAt: clock(),
            printedBy: principal.professionalId,
          },
        );
        return {
          ...answer,
          status: 201,
          body: {
            ...answer.body,
            certificate: {
              ...careCertificate({ ...body, issuedOn, facilityId: record.facilityId }),
              pdfBase64: pdf.toString('base64'),
            },
          },
        };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId',
      summary: 'L’identité de l’usager : traits affichés, statut de l’identité, INS si qualifiée (lecture tracée)',
      tags: ['Identité de l’usager'],
      params: serviceUserParams,
      response: identitySchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const identity = await serviceUserIdentity(knex, serviceUsersSchema, params);
        if (!identity) throw new HttpProblem('not-found', 'Cet usager n’existe pas.');
        access.check(principal, 'read', {
          organisationId: params.organisationId,
          facilityId: identity.facilityId,
          serviceUserId: params.serviceUserId,
          sensitivity: 'administrative',
        });
        await traceRead(principal, context, identity);
        return { body: identity, revision: identity.revision };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/usagers',
      summary: 'Rechercher un usager de l’ESSMS par le début de son nom (et sa date de naissance) ou son pseudonyme',
      tags: ['Identité de l’usager'],
      params: organisationParams.extend({ facilityId: identifier }),
      query: z.object({ name: z.string().trim().min(2).max(100), birthDate: day.optional() }),
      response: z.object({ usagers: z.array(identitySchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const found = await findServiceUsers(knex, serviceUsersSchema, { ...params, ...query });
        const readable = await access.openRecordsAmong(
          params.organisationId,
          found.filter(
            (identity) =>
              decideAccess(principal, 'read', {
                organisationId: params.organisationId,
                facilityId: identity.facilityId,
                serviceUserId: identity.serviceUserId,
                sensitivity: 'administrative',
              }).allowed,
          ),
          (identity) => identity.serviceUserId,
        );
        await accessLog.recordReadsBy(principal, context.correlationId, readable.map(identityRead));
        return { body: { usagers: readable } };
      },
    }),
  ];

  async function statusOf(organisationId: string, serviceUserId: string) {
    const record = await recordOf(organisationId, serviceUserId);
    return record.kind === 'identified' ? record.status : 'PROV';
  }
}

function newPseudonym(): string {
  let suffix = '';
  for (let index = 0; index < 10; index += 1) suffix += PSEUDONYM_ALPHABET[randomInt(PSEUDONYM_ALPHABET.length)];
  return `ANO-${suffix}`;
}

/** The text of a named certificate of care (the PDF comes with the documents). */
function careCertificate(details: {
  nameOnCertificate: string;
  periodFrom: string;
  periodTo: string;
  purpose: string;
  issuedOn: string;
  facilityId: string;
}) {
  const frenchDay = (isoDay: string) => isoDay.split('-').reverse().join('/');
  return {
    title: 'Certificat de prise en charge',
    text:
      `Je soussigné(e), pour l’établissement FINESS ${details.facilityId}, certifie que ` +
      `${details.nameOnCertificate} a été pris(e) en charge du ${frenchDay(details.periodFrom)} au ` +
      `${frenchDay(details.periodTo)}. Objet : ${details.purpose}. Fait le ${frenchDay(details.issuedOn)}, ` +
      'pour servir et valoir ce que de droit.',
  };
}
