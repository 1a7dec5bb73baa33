import {
  DomainRuleViolation,
  decideAccess,
  foldEvents,
  type Principal,
  type StayContract,
  type StayContractAnnex,
  type StayContractCommand,
  type StayContractEvent,
  type StayContractKind,
  stayContractAnnexSchema,
  stayContractDeadlines,
  stayContractDecider,
  stayContractKindSchema,
  stayContractReviewOutcomeSchema,
  stayContractSignatorySchema,
  stayContractStreamId,
  stayContractWarnings,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import { measuresOfServiceUser, stayContractsToWatch } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import { refuseActAfterExit } from '../accompaniment-end.js';
import { requireDirectorOf } from '../director-signature.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

const TAG = 'Contrats de séjour et DIPC';
const day = z.iso.date();
const items = z.array(z.string().trim().min(1).max(1_000)).max(50);
const annexes = z.array(stayContractAnnexSchema).max(20);
const text = z.string().trim().min(1).max(1_000);
const contractParams = organisationParams.extend({ contractId: z.uuid() });
const accepted = z.object({
  contractId: z.uuid(),
  kind: stayContractKindSchema,
  status: z.enum(['draft', 'handed-over', 'signed', 'closed']),
  currentVersion: z.int(),
  revision: z.int(),
});
const signatureBody = z.object({
  day,
  signedForUsagerBy: stayContractSignatorySchema.optional(),
  legalRepresentative: z.string().trim().min(1).max(200).optional(),
  directorId: identifier,
});
const warningSchema = z.object({
  type: z.string(),
  deadline: z.enum(['handover', 'signature', 'amendment', 'review']),
  dueOn: z.string(),
});
const contentSchema = z.object({
  objectives: z.array(z.string()),
  services: z.array(z.string()),
  annexes: z.array(stayContractAnnexSchema),
});
const versionSchema = contentSchema.extend({
  version: z.int(),
  kind: stayContractKindSchema,
  signedOn: z.string(),
  signedForUsagerBy: stayContractSignatorySchema.optional(),
  legalRepresentative: z.string().optional(),
  directorId: z.string(),
  reason: z.string().optional(),
});
const contractSchema = z.object({
  contractId: z.uuid(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  accompanimentId: z.string(),
  kind: stayContractKindSchema,
  status: z.enum(['draft', 'handed-over', 'signed', 'closed']),
  admittedOn: z.string(),
  handedOverOn: z.string().nullable(),
  signedOn: z.string().nullable(),
  refusal: z
    .object({ refusedOn: z.string(), refusedBy: stayContractSignatorySchema, reason: z.string().optional() })
    .nullable(),
  currentVersion: z.int(),
  /** The content being prepared, until the signature. */
  draft: contentSchema.nullable(),
  versions: z.array(versionSchema),
  pendingAmendment: contentSchema.extend({ version: z.int(), draftedOn: z.string(), reason: z.string() }).nullable(),
  reviews: z.array(
    z.object({ reviewedOn: z.string(), outcome: stayContractReviewOutcomeSchema, note: z.string().optional() }),
  ),
  closure: z.object({ closedOn: z.string(), reason: z.string() }).nullable(),
  deadlines: z.object({
    handover: z.string().optional(),
    signature: z.string().optional(),
    amendment: z.string().optional(),
    review: z.string().optional(),
  }),
  warnings: z.array(warningSchema),
  revision: z.int(),
});

export interface StayContractsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the stay_contracts projection. */
  stayContractsSchema: string;
  /** The read schema of the freedom_of_movement projection: the measures an annex may name. */
  freedomOfMovementSchema: string;
  /** The read schema of the habilitations projection: who directs the ESSMS, to sign for it. */
  habilitationsSchema: string;
  /** The read schema of the accompaniment_exits projection: past an exit, a contract is only closed. */
  accompanimentExitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

type Where = { facilityId: string; serviceUserId: string };
type Known = Extract<StayContract, { status: 'draft' | 'handed-over' | 'signed' | 'closed' }> &
  Where & { accompanimentId: string };

/**
 * The contrat de séjour or DIPC of an accompaniment (administrative data): drafted, revised,
 * handed over, signed or refused, amended, reviewed and closed, each change with `If-Match`; one
 * contract with its versions, and the contracts of an ESSMS whose deadlines are near or missed.
 */
export function stayContractsRoutes(deps: StayContractsDependencies): RouteDefinition[] {
  const {
    store,
    knex,
    stayContractsSchema,
    freedomOfMovementSchema,
    habilitationsSchema,
    accompanimentExitsSchema,
    access,
    accessLog,
    clock,
  } = deps;
  const today = (given: string | undefined) => given ?? parisDay.format(clock());

  const checkWrite = (principal: Principal, where: Where) =>
    access.check(principal, 'write', {
      organisationId: principal.organisationId,
      ...where,
      sensitivity: 'administrative',
    });

  const decide = async (
    principal: Principal,
    context: Parameters<ProfessionalAccess['commandId']>[1],
    contractId: string,
    command: StayContractCommand,
    where: Where,
    expectedRevision: number | 'noStream' | undefined,
  ) => {
    checkWrite(principal, where);
    const decided = await professionalCommand(store, access, stayContractDecider, {
      principal,
      context,
      streamId: stayContractStreamId(principal.organisationId, contractId),
      command,
      where,
      expectedRevision,
    });
    const { revision } = decided;
    const state = decided.state as Known;
    return {
      body: {
        contractId,
        kind: state.kind as StayContractKind,
        status: state.status,
        currentVersion: state.currentVersion,
        revision,
      },
      revision,
    };
  };

  /** The contract as its stream tells it, with its revision; 404 when absent or its usager forgotten. */
  const contractOf = async (organisationId: string, contractId: string) => {
    const events = await store.readStream(stayContractStreamId(organisationId, contractId));
    const contract = foldEvents(
      stayContractDecider,
      events.map((event) => ({ type: event.type, data: event.data }) as StayContractEvent),
    );
    if (
      contract.status === 'none' ||
      contract.erased ||
      !contract.serviceUserId ||
      !contract.facilityId ||
      !contract.accompanimentId
    ) {
      throw new HttpProblem('not-found', 'Ce contrat de séjour ou DIPC n’existe pas.');
    }
    return { contract: contract as Known, revision: events.at(-1)?.streamRevision ?? 0 };
  };

  /** A command on an existing contract: whose and where it is comes from its stream. */
  const onContract = <Body>(
    path: string,
    summary: string,
    body: z.ZodType<Body>,
    command: (body: Body) => StayContractCommand,
    beforeDeciding?: (organisationId: string, contract: Known, body: Body) => Promise<void>,
  ) =>
    defineCommand({
      path: `/organisations/:organisationId/stay-contracts/:contractId/${path}`,
      summary: `${summary} (If-Match : la révision lue)`,
      tags: [TAG],
      params: contractParams,
      ifMatch: 'required',
      body,
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { contract } = await contractOf(params.organisationId, params.contractId);
        const where = { facilityId: contract.facilityId, serviceUserId: contract.serviceUserId };
        // the rules read beyond the contract answer only those who may write it
        checkWrite(principal, where);
        const act = command(body);
        await refuseAfterExit(params.organisationId, contract.accompanimentId, act);
        await beforeDeciding?.(params.organisationId, contract, body);
        return decide(principal, context, params.contractId, act, where, expectedRevision);
      },
    });

  /**
   * What the usager signs may annex only measures restricting their freedom of movement that are
   * theirs, of this ESSMS, and decided and in force on the day (L.311-4-1 CASF): one proposed and
   * never decided, or lifted since the annex was written (an amendment carries the annexes over),
   * is refused at the signature, before anything is signed.
   */
  const requireAnnexedMeasuresInForce = async (
    organisationId: string,
    contract: Known,
    content: { annexes: StayContractAnnex[] } | undefined,
  ) => {
    const annexed = (content?.annexes ?? []).flatMap((annex) =>
      annex.kind === 'freedom-of-movement' ? annex.measureIds : [],
    );
    if (annexed.length === 0) return;
    const measures = await measuresOfServiceUser(knex, freedomOfMovementSchema, {
      organisationId,
      serviceUserId: contract.serviceUserId,
      facilityId: contract.facilityId,
      today: parisDay.format(clock()),
    });
    const inForce = new Set(
      measures.filter((measure) => measure.status === 'decided').map((measure) => measure.measureId),
    );
    const notInForce = annexed.filter((measureId) => !inForce.has(measureId));
    if (notInForce.length > 0) {
      throw new DomainRuleViolation(
        'ANNEXED_MEASURE_NOT_IN_FORCE',
        'Une mesure annexée n’est pas en vigueur pour cet usager dans cet établissement (proposée sans décision, ' +
          'levée, ou d’un autre usager) : révisez les annexes avant la signature.',
        { measureIds: notInForce },
      );
    }
  };

  /**
   * Past the accompaniment's exit day the contract is only closed: nothing is drafted, handed
   * over, signed, refused, amended nor reviewed any more (ADR 0028). A revision of the draft is
   * dated the day it is made.
   */
  const refuseAfterExit = async (organisationId: string, accompanimentId: string, act: StayContractCommand) => {
    if (act.type === 'CloseStayContract') return;
    const day = 'day' in act ? act.day : today(undefined);
    await refuseActAfterExit(knex, accompanimentExitsSchema, { organisationId, accompanimentId }, day, 'stay-contract');
  };

  /** The contract binds the ESSMS through its director (D.311 CASF): the professional named signs as such there. */
  const requireDirectorSignature = (organisationId: string, contract: Known, directorId: string) =>
    requireDirectorOf(
      knex,
      habilitationsSchema,
      { organisationId, facilityId: contract.facilityId, directorId },
      {
        code: 'STAY_CONTRACT_NOT_SIGNED_BY_DIRECTOR',
        message:
          'Le contrat de séjour ou le DIPC est signé pour l’établissement par son directeur : ' +
          'ce professionnel n’y a pas ce rôle.',
      },
    );

  const traceRead = (principal: Principal, where: Where, resource: string, correlationId: string) =>
    accessLog.recordRead({
      organisationId: principal.organisationId,
      professionalId: principal.professionalId,
      correlationId,
      read: {
        ...where,
        roles: access.rolesIn(principal, where.facilityId),
        resource,
        sensitivities: ['administrative'],
        purpose: 'care',
      },
    });

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/stay-contracts',
      summary:
        'Rédiger le contrat de séjour ou le DIPC d’un accompagnement (jour d’admission, objectifs, prestations, annexes)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        contractId: z.uuid(),
        kind: stayContractKindSchema,
        facilityId: identifier,
        accompanimentId: z.uuid(),
        admittedOn: day,
        objectives: items,
        services: items,
        annexes: annexes.optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        const act: StayContractCommand = { type: 'DraftStayContract', ...body, serviceUserId: params.serviceUserId };
        checkWrite(principal, where);
        await refuseAfterExit(params.organisationId, body.accompanimentId, act);
        const answer = await decide(principal, context, body.contractId, act, where, 'noStream');
        return { ...answer, status: 201 };
      },
    }),
    onContract(
      'draft-revisions',
      'Réviser le projet avant sa signature (type, objectifs, prestations, annexes)',
      z.object({
        kind: stayContractKindSchema.optional(),
        objectives: items.optional(),
        services: items.optional(),
        annexes: annexes.optional(),
      }),
      (body) => ({ type: 'ReviseStayContractDraft', ...body }),
    ),
    onContract('handovers', 'Enregistrer la remise du document à l’usager', z.object({ day }), (body) => ({
      type: 'HandOverStayContract',
      day: body.day,
    })),
    onContract(
      'signatures',
      'Enregistrer la signature (usager ou représentant légal, et directeur) : la version 1 est figée',
      signatureBody,
      (body) => ({ type: 'SignStayContract', ...body }),
      async (organisationId, contract, body) => {
        await requireDirectorSignature(organisationId, contract, body.directorId);
        await requireAnnexedMeasuresInForce(organisationId, contract, contract.draft);
      },
    ),
    onContract(
      'signature-refusals',
      'Enregistrer le refus de signer le contrat de séjour : il devient un DIPC',
      z.object({ day, refusedBy: stayContractSignatorySchema, reason: text.optional() }),
      (body) => ({ type: 'RecordSignatureRefusal', ...body }),
    ),
    onContract(
      'amendments',
      'Rédiger un avenant (objectifs, prestations, annexes), en disant pourquoi',
      z.object({
        day,
        reason: text,
        objectives: items.optional(),
        services: items.optional(),
        annexes: annexes.optional(),
      }),
      (body) => ({ type: 'DraftStayContractAmendment', ...body }),
    ),
    onContract(
      'amendment-signatures',
      'Enregistrer la signature de l’avenant en attente : il devient la version suivante',
      signatureBody,
      (body) => ({ type: 'SignStayContractAmendment', ...body }),
      async (organisationId, contract, body) => {
        await requireDirectorSignature(organisationId, contract, body.directorId);
        await requireAnnexedMeasuresInForce(organisationId, contract, contract.pendingAmendment);
      },
    ),
    onContract(
      'reviews',
      'Enregistrer la révision annuelle des objectifs et prestations',
      z.object({ day, outcome: stayContractReviewOutcomeSchema, note: text.optional() }),
      (body) => ({ type: 'ReviewStayContract', ...body }),
    ),
    onContract(
      'closures',
      'Clore le document à la fin de l’accompagnement, en disant pourquoi',
      z.object({ day, reason: text }),
      (body) => ({ type: 'CloseStayContract', ...body }),
    ),

    defineQuery({
      path: '/organisations/:organisationId/stay-contracts/:contractId',
      summary:
        'Lire un contrat de séjour ou DIPC avec ses versions, ses échéances et ses alertes (ETag ; lecture tracée)',
      tags: [TAG],
      params: contractParams,
      query: z.object({ today: day.optional() }),
      response: contractSchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { contract, revision } = await contractOf(params.organisationId, params.contractId);
        const where = { facilityId: contract.facilityId, serviceUserId: contract.serviceUserId };
        access.check(principal, 'read', {
          organisationId: params.organisationId,
          ...where,
          sensitivity: 'administrative',
        });
        await traceRead(principal, where, 'stay-contract', context.correlationId);
        return { body: toContract(contract, revision, today(query.today)), revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/stay-contracts-to-watch',
      summary:
        'Les contrats de séjour et DIPC d’un ESSMS dont une échéance approche ou est dépassée, le plus urgent d’abord (lecture tracée)',
      tags: [TAG],
      params: organisationParams.extend({ facilityId: identifier }),
      query: z.object({ today: day.optional() }),
      response: z.object({
        contracts: z.array(
          z.object({
            contractId: z.string(),
            serviceUserId: z.string(),
            accompanimentId: z.string(),
            kind: stayContractKindSchema,
            status: z.enum(['draft', 'handed-over', 'signed', 'closed']),
            currentVersion: z.int(),
            admittedOn: z.string(),
            warnings: z.array(warningSchema),
            revision: z.int(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId } = params;
        const readable = (serviceUserId: string) =>
          decideAccess(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity: 'administrative' })
            .allowed;
        const contracts = await access.openRecordsAmong(
          organisationId,
          (
            await stayContractsToWatch(knex, stayContractsSchema, {
              organisationId,
              facilityId,
              today: today(query.today),
            })
          ).filter((contract) => readable(contract.serviceUserId)),
          (contract) => contract.serviceUserId,
        );
        await accessLog.recordReadsBy(
          principal,
          context.correlationId,
          [...new Set(contracts.map((contract) => contract.serviceUserId))].map((serviceUserId) => ({
            facilityId,
            serviceUserId,
            resource: 'stay-contracts',
            sensitivities: ['administrative'],
            purpose: 'care',
          })),
        );
        return { body: { contracts } };
      },
    }),
  ];
}

function toContract(contract: Known, revision: number, today: string): z.infer<typeof contractSchema> {
  return {
    contractId: contract.contractId ?? '',
    serviceUserId: contract.serviceUserId,
    facilityId: contract.facilityId,
    accompanimentId: contract.accompanimentId ?? '',
    kind: contract.kind as StayContractKind,
    status: contract.status,
    admittedOn: contract.admittedOn ?? '',
    handedOverOn: contract.handedOverOn ?? null,
    signedOn: contract.signedOn ?? null,
    refusal: contract.refusal ?? null,
    currentVersion: contract.currentVersion,
    draft: contract.draft ?? null,
    versions: contract.versions,
    pendingAmendment: contract.pendingAmendment ?? null,
    reviews: contract.reviews,
    closure: contract.closure ?? null,
    deadlines: stayContractDeadlines(contract),
    warnings: stayContractWarnings(contract, today),
    revision,
  };
}
