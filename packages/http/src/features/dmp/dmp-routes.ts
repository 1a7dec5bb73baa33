import {
  DMP_AUTHORISATION_LABELS,
  type DmpIdentity,
  DomainRuleViolation,
  dmpAuthorisationSchema,
  dmpMaskingSchema,
  dmpOppositionInForce,
  foldEvents,
  type Principal,
  type ServiceUserDmp,
  type ServiceUserDmpCommand,
  type ServiceUserDmpEvent,
  type ServiceUserIdentity,
  serviceUserDmpDecider,
  serviceUserDmpStreamId,
  serviceUserIdentityDecider,
  serviceUserStreamId,
} from '@dui-pds/domain';
import { type EventStore, foldStream, handleCommand } from '@dui-pds/eventstore';
import { documentById } from '@dui-pds/projections';
import {
  type Dmp,
  type DmpActor,
  type DmpPatient,
  DmpRefused,
  DmpUnavailable,
  dmpSubmissionOf,
} from '@dui-pds/segur-adapters';
import type { Knex } from 'knex';
import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import type { AuthenticatedProfessional } from '../../auth/professional-identity.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { type CdaSources, cdaOfStoredDocument } from '../cda/cda-of-stored-document.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams } from '../route-parameters.js';
import { dmpActorOf } from './dmp-actor.js';

const TAG = 'DMP';
const BASE = '/organisations/:organisationId/facilities/:facilityId/usagers/:serviceUserId/dmp';
/** The namespace of submission ids derived from command ids (UUID v5): never change it. */
const SUBMISSION_ID_NAMESPACE = '8c2d7a41-5e3b-4f9c-a1d6-0b7e92c4f358';
/** What the DMP holds is health data: reading it is a clinician's (the medical class). */
const DMP_CONTENT_SENSITIVITY = 'medical' as const;

const usagerParams = organisationParams.extend({ facilityId: identifier, serviceUserId: identifier });
const day = z.iso.date();
const masked = z
  .object({
    fromProfessionals: z.boolean().optional(),
    fromPatient: z.boolean().optional(),
    fromLegalRepresentatives: z.boolean().optional(),
  })
  .optional();
const versionNumber = z.int().min(1).max(999_999);

const oppositionView = z.object({
  facilityId: z.string(),
  expressedOn: z.string(),
  reason: z.string().optional(),
  recordedBy: z.string(),
  recordedAt: z.string(),
  withdrawal: z
    .object({ facilityId: z.string(), withdrawnOn: z.string(), recordedBy: z.string(), recordedAt: z.string() })
    .optional(),
});
const submissionView = z.object({
  submissionId: z.string(),
  facilityId: z.string(),
  documentId: z.string(),
  version: z.int(),
  masking: dmpMaskingSchema,
  requestedBy: z.string(),
  requestedAt: z.string(),
  replaces: z.object({ submissionId: z.string(), entryUuid: z.string() }).optional(),
  status: z.enum(['requested', 'accepted', 'refused', 'replaced']),
  accepted: z.object({ entryUuid: z.string(), uniqueId: z.string(), acceptedAt: z.string() }).optional(),
  refusal: z.object({ code: z.string(), label: z.string(), refusedAt: z.string() }).optional(),
  replacement: z.object({ replacedBy: z.string(), replacedAt: z.string() }).optional(),
});
const accessCheckView = z.object({
  facilityId: z.string(),
  checkedBy: z.string(),
  checkedAt: z.string(),
  dmpExists: z.boolean(),
  authorisation: dmpAuthorisationSchema,
  authorisationLabel: z.string(),
});
const recordView = z.object({
  opposed: z.boolean(),
  oppositions: z.array(oppositionView),
  lastAccessCheck: accessCheckView.nullable(),
  submissions: z.array(submissionView),
});
const accepted = z.object({ revision: z.int() });
const submitted = z.object({ submission: submissionView, revision: z.int() });
const documentSummary = z.object({
  entryUuid: z.string(),
  uniqueId: z.string(),
  repositoryId: z.string(),
  title: z.string(),
  typeCode: z.object({ code: z.string(), codingScheme: z.string(), displayName: z.string() }).nullable(),
  mimeType: z.string(),
  creationTime: z.string().nullable(),
  status: z.enum(['approved', 'deprecated']),
  confidentialityCodes: z.array(z.string()),
  size: z.int().nullable(),
});

export interface DmpRoutesDependencies {
  store: EventStore<Knex.Transaction>;
  dmp: Dmp;
  /** Where a stored document's CDA is drawn from. */
  cda: CdaSources;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * A usager's DMP from their record: the opposition to its being fed (recorded and withdrawn by the
 * staff, R.1111-47 CSP), the test of its existence and of the structure's authorisation (TD0.2),
 * the feed of a stored document as CDA (TD2.1) and its replacement (RPLC), the search and the
 * retrieval of what it holds (TD3.1, TD3.2), and each submission's state.
 *
 * Who may do what follows the record's policy: the opposition and the test of existence are
 * administrative (those who keep the usager's identity up to date); a document is sent by whoever
 * may write it (its own class, as for sharing it); what the DMP holds is read by clinicians (the
 * medical class). Each call names the professional in the VIHF by the profession their role in
 * the ESSMS gives. Nothing leaves for an anonymous usager, nor for an identity not qualified, nor
 * while the usager is opposed: the decider refuses before anything is built or sent. A DMP that
 * does not answer is a 503; a refusal is recorded on the submission, with the DMP's code.
 */
export function dmpRoutes(deps: DmpRoutesDependencies): RouteDefinition[] {
  const { store, dmp, cda, access, accessLog, clock } = deps;

  const stateOf = async (organisationId: string, serviceUserId: string) => {
    const events = await store.readStream(serviceUserDmpStreamId(organisationId, serviceUserId));
    const state = foldEvents(
      serviceUserDmpDecider,
      events.map((event) => ({ type: event.type, data: event.data }) as ServiceUserDmpEvent),
    );
    return { state, events, revision: events.at(-1)?.streamRevision };
  };

  /** The usager's identity as the DMP sees it, and their INS when qualified; 404 when there is no such usager. */
  const identityOf = async (organisationId: string, serviceUserId: string) => {
    const record: ServiceUserIdentity = await foldStream(
      store,
      serviceUserIdentityDecider,
      serviceUserStreamId(organisationId, serviceUserId),
    );
    if (record.kind === 'none')
      throw new HttpProblem('not-found', 'Aucun usager de cet organisme sous cet identifiant.');
    if (record.kind === 'anonymous') return { identity: 'anonymous' as DmpIdentity, patient: undefined };
    if (record.status !== 'QUAL' || record.ins === undefined) {
      return { identity: 'notQualified' as DmpIdentity, patient: undefined };
    }
    return { identity: 'qualified' as DmpIdentity, patient: { ins: record.ins } as DmpPatient };
  };

  const actorOf = (principal: Principal, context: RequestContext, facilityId: string): DmpActor => {
    const professional = context.response.locals.professional as AuthenticatedProfessional | undefined;
    const actor = dmpActorOf(principal, professional, facilityId);
    if (actor === undefined) {
      throw new HttpProblem('forbidden', 'Votre fonction dans cet établissement ne vous permet pas d’agir sur le DMP.');
    }
    return actor;
  };

  const partOf = (
    params: { organisationId: string; facilityId: string; serviceUserId: string },
    sensitivity: 'administrative' | 'social' | 'medical' | 'psychological',
  ) => ({
    organisationId: params.organisationId,
    facilityId: params.facilityId,
    serviceUserId: params.serviceUserId,
    sensitivity,
  });

  /** Decides on the current state without appending: a refusal comes before anything is built or sent. */
  const refuseEarly = async (
    principal: Principal,
    context: RequestContext,
    serviceUserId: string,
    command: ServiceUserDmpCommand,
  ) => {
    const { state, events } = await stateOf(principal.organisationId, serviceUserId);
    // a retried request whose command was appended goes on to the DMP call it did not finish
    if (events.some((event) => event.metadata.causationId === access.commandId(principal, context))) return;
    serviceUserDmpDecider.decide(command, state);
  };

  const command = (
    principal: Principal,
    context: RequestContext,
    where: { facilityId: string; serviceUserId: string },
    decided: ServiceUserDmpCommand,
    expectedRevision?: number,
  ) =>
    professionalCommand(store, access, serviceUserDmpDecider, {
      principal,
      context,
      streamId: serviceUserDmpStreamId(principal.organisationId, where.serviceUserId),
      command: decided,
      where,
      expectedRevision,
    });

  /** The DMP's answer to a submission: a second command of the same request, with a command id of its own. */
  const recordAnswer = async (
    principal: Principal,
    context: RequestContext,
    where: { facilityId: string; serviceUserId: string },
    decided: ServiceUserDmpCommand,
  ) => {
    const result = await handleCommand(store, serviceUserDmpDecider, {
      streamId: serviceUserDmpStreamId(principal.organisationId, where.serviceUserId),
      commandId: `${access.commandId(principal, context)}/dmp-answer`,
      command: decided,
      metadata: access.metadata(principal, context, where),
    });
    return { state: result.state, revision: result.nextExpectedRevision as number };
  };

  const callDmp = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof DmpUnavailable) {
        // the port's message names the technical cause only; it is not passed on to the client
        throw new HttpProblem('service-unavailable', 'Le DMP ne répond pas : réessayez plus tard.', {
          headers: { 'Retry-After': '30' },
        });
      }
      throw error;
    }
  };

  /** Sends a stored document, records the request and the DMP's answer; the submission as it ends. */
  const submit = async (
    principal: Principal,
    context: RequestContext,
    params: z.output<typeof usagerParams>,
    request: { documentId: string; version?: number; masked?: z.output<typeof masked>; replaces?: string },
  ) => {
    const where = { facilityId: params.facilityId, serviceUserId: params.serviceUserId };
    const document = await documentById(cda.knex, cda.schemas.documents, params.organisationId, request.documentId);
    if (
      document === undefined ||
      document.serviceUserId !== params.serviceUserId ||
      document.facilityId !== params.facilityId
    ) {
      throw new HttpProblem('not-found', 'Aucun document de cet usager dans cet établissement sous cet identifiant.');
    }
    access.check(principal, 'write', partOf(params, document.sensitivity));
    const actor = actorOf(principal, context, params.facilityId);
    const { identity, patient } = await identityOf(params.organisationId, params.serviceUserId);
    const version = request.version ?? document.latestVersion.version;
    const submissionId = uuidv5(`${access.commandId(principal, context)}#dmp-submission`, SUBMISSION_ID_NAMESPACE);
    const masking = {
      hiddenFromProfessionals: request.masked?.fromProfessionals ?? false,
      hiddenFromPatient: request.masked?.fromPatient ?? false,
      hiddenFromLegalRepresentatives: request.masked?.fromLegalRepresentatives ?? false,
    };
    const requested: ServiceUserDmpCommand = {
      type: 'RequestDmpSubmission',
      submissionId,
      serviceUserId: params.serviceUserId,
      facilityId: params.facilityId,
      documentId: request.documentId,
      version,
      masking,
      requestedBy: principal.professionalId,
      requestedAt: clock().toISOString(),
      identity,
      ...(request.replaces === undefined ? {} : { replaces: request.replaces }),
    };
    await refuseEarly(principal, context, params.serviceUserId, requested);
    if (patient === undefined) throw new Error('a qualified identity has its INS');
    const professional = context.response.locals.professional as AuthenticatedProfessional | undefined;
    const role = principal.roles.find((grant) => grant.facilityId === params.facilityId)?.role;
    const built = await cdaOfStoredDocument(cda, {
      organisationId: params.organisationId,
      serviceUserId: params.serviceUserId,
      documentId: request.documentId,
      version,
      author: {
        professionalId: principal.professionalId,
        displayName: professional?.displayName ?? principal.professionalId,
        ...(role === undefined ? {} : { role }),
      },
    });
    await command(principal, context, where, requested);
    // A retried request (the DMP did not answer the first time) finds its request already recorded,
    // decides nothing and is answered the state of then: what happened since is read here, before
    // anything leaves (an opposition expressed meanwhile, an answer recorded by another attempt).
    const { state, revision } = await stateOf(params.organisationId, params.serviceUserId);
    const trace = state.submissions.get(submissionId);
    if (trace === undefined || revision === undefined) throw new Error('the requested submission is in the state');
    if (trace.status !== 'requested') {
      return {
        status: 201,
        body: { submission: submissionOut(trace), revision },
        revision,
        headers: { Location: dmpPath(params) },
      };
    }
    const opposition = dmpOppositionInForce(state);
    if (opposition !== undefined) {
      throw new DomainRuleViolation(
        'DMP_OPPOSED',
        'L’usager s’est opposé à l’alimentation de son DMP depuis la première tentative de cet envoi : le document n’est pas envoyé.',
        { expressedOn: opposition.expressedOn },
      );
    }
    const { submission, documents } = dmpSubmissionOf(built, {
      submissionId,
      sourceId: cda.oidRoot,
      submissionTime: clock(),
      masked: request.masked ?? {},
      ...(trace.replaces === undefined ? {} : { replaces: { entryUuid: trace.replaces.entryUuid } }),
    });
    let answer: ServiceUserDmpCommand;
    try {
      const receipt = await callDmp(() => dmp.submit({ actor, patient, submission, documents }));
      const [entry] = receipt.entries;
      if (entry === undefined) throw new Error('a receipt names the entry registered');
      answer = { type: 'RecordDmpSubmissionAccepted', submissionId, ...entry, acceptedAt: clock().toISOString() };
    } catch (error) {
      if (!(error instanceof DmpRefused)) throw error;
      answer = {
        type: 'RecordDmpSubmissionRefused',
        submissionId,
        code: error.code,
        label: error.label,
        refusedAt: clock().toISOString(),
      };
    }
    const answered = await recordAnswer(principal, context, where, answer);
    const ended = answered.state.submissions.get(submissionId);
    if (ended === undefined) throw new Error('the answered submission is in the state');
    return {
      status: 201,
      body: { submission: submissionOut(ended), revision: answered.revision },
      revision: answered.revision,
      headers: { Location: dmpPath(params) },
    };
  };

  return [
    defineQuery({
      path: BASE,
      summary:
        'Le DMP de l’usager vu de son dossier : son opposition, le dernier test d’accès et les envois de cet établissement avec leur état (lecture tracée)',
      tags: [TAG],
      params: usagerParams,
      response: recordView,
      problems: ['forbidden'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'read', partOf(params, 'administrative'));
        const { state, revision } = await stateOf(params.organisationId, params.serviceUserId);
        await accessLog.recordReadBy(principal, context.correlationId, {
          facilityId: params.facilityId,
          serviceUserId: params.serviceUserId,
          resource: 'dmp',
          sensitivities: ['administrative'],
          purpose: 'care',
        });
        const body = viewOf(state, params.facilityId);
        return revision === undefined ? { body } : { body, revision };
      },
    }),

    defineCommand({
      path: `${BASE}/opposition`,
      summary: 'Enregistrer l’opposition de l’usager à l’alimentation de son DMP (R.1111-47 CSP)',
      tags: [TAG],
      status: 201,
      params: usagerParams,
      body: z.object({
        /** The day the usager expressed it; today by default. */
        expressedOn: day.optional(),
        reason: z.string().trim().min(1).max(500).optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'write', partOf(params, 'administrative'));
        const now = clock();
        const today = parisDay.format(now);
        const { revision } = await command(
          principal,
          context,
          { facilityId: params.facilityId, serviceUserId: params.serviceUserId },
          {
            type: 'RecordDmpOpposition',
            serviceUserId: params.serviceUserId,
            facilityId: params.facilityId,
            expressedOn: body.expressedOn ?? today,
            ...(body.reason === undefined ? {} : { reason: body.reason }),
            recordedBy: principal.professionalId,
            recordedAt: now.toISOString(),
            today,
          },
          expectedRevision,
        );
        return { status: 201, body: { revision }, revision, headers: { Location: dmpPath(params) } };
      },
    }),

    defineCommand({
      path: `${BASE}/opposition/withdrawal`,
      summary: 'Enregistrer que l’usager lève son opposition à l’alimentation de son DMP',
      tags: [TAG],
      params: usagerParams,
      body: z.object({ withdrawnOn: day.optional() }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'write', partOf(params, 'administrative'));
        const now = clock();
        const today = parisDay.format(now);
        const { revision } = await command(
          principal,
          context,
          { facilityId: params.facilityId, serviceUserId: params.serviceUserId },
          {
            type: 'WithdrawDmpOpposition',
            facilityId: params.facilityId,
            withdrawnOn: body.withdrawnOn ?? today,
            recordedBy: principal.professionalId,
            recordedAt: now.toISOString(),
            today,
          },
          expectedRevision,
        );
        return { body: { revision }, revision };
      },
    }),

    defineCommand({
      path: `${BASE}/access-checks`,
      summary:
        'Tester l’existence du DMP de l’usager et l’autorisation d’accès de l’établissement (TD0.2), et en garder la trace',
      description:
        'Jamais pour un usager anonyme ni pour une identité non qualifiée (422) ; 503 quand le DMP ne répond pas.',
      tags: [TAG],
      params: usagerParams,
      body: z.object({}),
      response: accessCheckView.extend({ revision: z.int() }),
      problems: ['forbidden', 'not-found', 'domain-rule-violated', 'service-unavailable'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'write', partOf(params, 'administrative'));
        const actor = actorOf(principal, context, params.facilityId);
        const { identity, patient } = await identityOf(params.organisationId, params.serviceUserId);
        const check = (
          dmpExists: boolean,
          authorisation: z.output<typeof dmpAuthorisationSchema>,
        ): ServiceUserDmpCommand => ({
          type: 'RecordDmpAccessCheck',
          facilityId: params.facilityId,
          checkedBy: principal.professionalId,
          checkedAt: clock().toISOString(),
          dmpExists,
          authorisation,
          identity,
        });
        await refuseEarly(principal, context, params.serviceUserId, check(false, 'absent'));
        if (patient === undefined) throw new Error('a qualified identity has its INS');
        const answer = await callDmp(() => dmp.checkAccess({ actor, patient }));
        const recorded = check(answer.dmpExists, answer.authorisation);
        const { state, revision } = await command(
          principal,
          context,
          { facilityId: params.facilityId, serviceUserId: params.serviceUserId },
          recorded,
        );
        const last = state.lastAccessCheck;
        if (last === undefined) throw new Error('the check is in the state');
        return { body: { ...accessCheckOut(last), revision }, revision };
      },
    }),

    defineCommand({
      path: `${BASE}/submissions`,
      summary: 'Envoyer un document du dossier au DMP de l’usager, au format CDA (TD2.1), et en garder l’état',
      description:
        'Le document est envoyé par qui peut l’écrire ; jamais pour un usager anonyme, une identité non qualifiée ou un usager opposé (422), ni deux fois (422 : remplacez-le). Le refus du DMP est enregistré sur l’envoi (statut refused, code et libellé) ; 503 quand le DMP ne répond pas (l’envoi reste requested).',
      tags: [TAG],
      status: 201,
      params: usagerParams,
      body: z.object({ documentId: z.uuid(), version: versionNumber.optional(), masked }),
      response: submitted,
      problems: ['forbidden', 'not-found', 'conflict', 'domain-rule-violated', 'service-unavailable'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        return submit(principal, context, params, {
          documentId: body.documentId,
          ...(body.version === undefined ? {} : { version: body.version }),
          ...(body.masked === undefined ? {} : { masked: body.masked }),
        });
      },
    }),

    defineCommand({
      path: `${BASE}/submissions/:submissionId/replacements`,
      summary: 'Remplacer dans le DMP un document accepté par sa nouvelle version (RPLC)',
      description:
        'La dernière version du document par défaut ; le remplacement d’un envoi non accepté ou déjà remplacé est refusé (422).',
      tags: [TAG],
      status: 201,
      params: usagerParams.extend({ submissionId: z.uuid() }),
      body: z.object({ version: versionNumber.optional(), masked }),
      response: submitted,
      problems: ['forbidden', 'not-found', 'conflict', 'domain-rule-violated', 'service-unavailable'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { state } = await stateOf(params.organisationId, params.serviceUserId);
        const replaced = state.submissions.get(params.submissionId);
        if (replaced === undefined || replaced.facilityId !== params.facilityId) {
          throw new HttpProblem(
            'not-found',
            'Aucun envoi au DMP de cet usager dans cet établissement sous cet identifiant.',
          );
        }
        return submit(principal, context, params, {
          documentId: replaced.documentId,
          replaces: replaced.submissionId,
          ...(body.version === undefined ? {} : { version: body.version }),
          masked: body.masked ?? {
            fromProfessionals: replaced.masking.hiddenFromProfessionals,
            fromPatient: replaced.masking.hiddenFromPatient,
            fromLegalRepresentatives: replaced.masking.hiddenFromLegalRepresentatives,
          },
        });
      },
    }),

    defineQuery({
      path: `${BASE}/documents`,
      summary: 'Les documents du DMP de l’usager (TD3.1), en vigueur ou tous (lecture tracée)',
      tags: [TAG],
      params: usagerParams,
      query: z.object({ status: z.enum(['approved', 'all']).optional() }),
      response: z.object({ documents: z.array(documentSummary) }),
      problems: ['forbidden', 'not-found', 'domain-rule-violated', 'service-unavailable'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'read', partOf(params, DMP_CONTENT_SENSITIVITY));
        const actor = actorOf(principal, context, params.facilityId);
        const patient = await qualifiedPatientOf(params);
        const found = await callDmpReading(() =>
          dmp.search({ actor, patient, ...(query.status === undefined ? {} : { query: { status: query.status } }) }),
        );
        await traceDmpRead(principal, context, params, 'dmp-documents');
        return {
          body: {
            documents: found.map((document) => ({
              entryUuid: document.entryUuid,
              uniqueId: document.uniqueId,
              repositoryId: document.repositoryId,
              title: document.title,
              typeCode: document.typeCode ?? null,
              mimeType: document.mimeType,
              creationTime: document.creationTime?.toISOString() ?? null,
              status: document.status,
              confidentialityCodes: document.confidentialityCodes,
              size: document.size ?? null,
            })),
          },
        };
      },
    }),

    defineQuery({
      path: `${BASE}/documents/content`,
      summary: 'Un document du DMP de l’usager, tel que le DMP le rend (TD3.2 ; lecture tracée)',
      tags: [TAG],
      params: usagerParams,
      query: z.object({
        uniqueId: z
          .string()
          .min(1)
          .max(200)
          .regex(/^[\w.:^-]+$/, 'identifiant de document invalide'),
        repositoryId: z
          .string()
          .min(1)
          .max(200)
          .regex(/^[0-2](\.(0|[1-9]\d*))+$/, 'OID invalide'),
      }),
      produces: 'application/octet-stream',
      response: z.custom<Buffer>(),
      problems: ['forbidden', 'not-found', 'domain-rule-violated', 'service-unavailable'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'read', partOf(params, DMP_CONTENT_SENSITIVITY));
        const actor = actorOf(principal, context, params.facilityId);
        const patient = await qualifiedPatientOf(params);
        const document = await callDmpReading(() =>
          dmp.retrieve({ actor, patient, uniqueId: query.uniqueId, repositoryId: query.repositoryId }),
        );
        await traceDmpRead(principal, context, params, 'dmp-document');
        return {
          body: document.content,
          headers: {
            'Content-Type': safeMediaType(document.mimeType),
            'Content-Disposition': 'attachment; filename="document-dmp"',
          },
        };
      },
    }),
  ];

  /** A read of the DMP: the DMP's refusal is a 404 (it holds no such document for this usager) or a 422. */
  async function callDmpReading<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await callDmp(call);
    } catch (error) {
      if (!(error instanceof DmpRefused)) throw error;
      if (error.code === 'XDSDocumentUniqueIdError' || error.code === 'XDSUnknownRepositoryId') {
        throw new HttpProblem('not-found', error.label, { extensions: { code: error.code } });
      }
      throw new DomainRuleViolation('DMP_REFUSED', error.label, { dmpCode: error.code });
    }
  }

  async function qualifiedPatientOf(params: { organisationId: string; serviceUserId: string }): Promise<DmpPatient> {
    const { identity, patient } = await identityOf(params.organisationId, params.serviceUserId);
    if (identity === 'anonymous') {
      throw new DomainRuleViolation(
        'DMP_ANONYMOUS_USAGER',
        'L’usager est suivi anonymement : son DMP ne peut pas être consulté sous son identité.',
      );
    }
    if (patient === undefined) {
      throw new DomainRuleViolation(
        'DMP_IDENTITY_NOT_QUALIFIED',
        'L’identité de l’usager n’est pas qualifiée : son DMP ne peut pas être consulté avec son INS.',
      );
    }
    return patient;
  }

  function traceDmpRead(
    principal: Principal,
    context: RequestContext,
    params: { facilityId: string; serviceUserId: string },
    resource: string,
  ) {
    return accessLog.recordReadBy(principal, context.correlationId, {
      facilityId: params.facilityId,
      serviceUserId: params.serviceUserId,
      resource,
      sensitivities: [DMP_CONTENT_SENSITIVITY],
      purpose: 'care',
    });
  }
}

function dmpPath(params: { organisationId: string; facilityId: string; serviceUserId: string }): string {
  const part = encodeURIComponent;
  return `/organisations/${part(params.organisationId)}/facilities/${part(params.facilityId)}/usagers/${part(params.serviceUserId)}/dmp`;
}

/** A media type the DMP gave, sent back only when it is a plain one. */
function safeMediaType(mimeType: string): string {
  return /^[\w.+-]+\/[\w.+-]+$/.test(mimeType) ? mimeType : 'application/octet-stream';
}

function viewOf(state: ServiceUserDmp, facilityId: string): z.output<typeof recordView> {
  return {
    opposed: state.oppositions.at(-1) !== undefined && state.oppositions.at(-1)?.withdrawal === undefined,
    oppositions: state.oppositions.map((opposition) => ({
      facilityId: opposition.facilityId,
      expressedOn: opposition.expressedOn,
      ...(opposition.reason === undefined ? {} : { reason: opposition.reason }),
      recordedBy: opposition.recordedBy,
      recordedAt: opposition.recordedAt,
      ...(opposition.withdrawal === undefined ? {} : { withdrawal: opposition.withdrawal }),
    })),
    lastAccessCheck: state.lastAccessCheck === undefined ? null : accessCheckOut(state.lastAccessCheck),
    // another ESSMS' submissions would tell of a follow-up there: each ESSMS sees its own
    submissions: [...state.submissions.values()]
      .filter((submission) => submission.facilityId === facilityId)
      .map(submissionOut),
  };
}

function accessCheckOut(check: NonNullable<ServiceUserDmp['lastAccessCheck']>): z.output<typeof accessCheckView> {
  return { ...check, authorisationLabel: DMP_AUTHORISATION_LABELS[check.authorisation] };
}

function submissionOut(
  submission: ServiceUserDmp['submissions'] extends ReadonlyMap<string, infer Trace> ? Trace : never,
): z.output<typeof submissionView> {
  return {
    submissionId: submission.submissionId,
    facilityId: submission.facilityId,
    documentId: submission.documentId,
    version: submission.version,
    masking: submission.masking,
    requestedBy: submission.requestedBy,
    requestedAt: submission.requestedAt,
    ...(submission.replaces === undefined ? {} : { replaces: submission.replaces }),
    status: submission.status,
    ...(submission.accepted === undefined ? {} : { accepted: submission.accepted }),
    ...(submission.refusal === undefined ? {} : { refusal: submission.refusal }),
    ...(submission.replacement === undefined ? {} : { replacement: submission.replacement }),
  };
}
