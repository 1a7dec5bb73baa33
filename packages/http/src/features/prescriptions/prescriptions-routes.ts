import {
  DomainRuleViolation,
  decideAccess,
  EXAM_CATEGORIES,
  EXAM_OUTCOMES,
  examCategorySchema,
  examOutcomeSchema,
  MAX_MEDICINE_DURATION_DAYS,
  opioidSubstitutionProductSchema,
  type PrescriptionCommand,
  type Principal,
  prescriberSettingSchema,
  prescriptionDecider,
  prescriptionStreamId,
  type RenewedPrescription,
  TSO_PRODUCTS,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import {
  examsDue,
  type PrescriptionView,
  prescriptionById,
  prescriptionsOfServiceUser,
  tsoHistoryOfServiceUser,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { refuseAfterDeath } from '../accompaniment-end.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';
import { mayTakePrescriptionStep, type PrescriptionStep } from './prescription-steps.js';

const TAG = 'Prescriptions';
const day = z.iso.date();
const name = z.string().trim().min(1).max(500);
const text = z.string().trim().min(1).max(4_000);
const prescriptionParams = organisationParams.extend({ prescriptionId: z.uuid() });
const accepted = z.object({ prescriptionId: z.uuid(), revision: z.int() });

/** The prescriber as the request names them; who they are (`professionalId`) is the caller. */
const prescriberBody = z.object({
  name,
  address: name,
  setting: prescriberSettingSchema,
});

const prescriptionSchema = z.object({
  prescriptionId: z.string(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  kind: z.enum(['medicine', 'exam']),
  status: z.enum(['prescribed', 'suspended', 'stopped', 'completed', 'result-recorded', 'cancelled']),
  inForce: z.boolean(),
  prescribedOn: z.string(),
  prescriber: z.object({
    professionalId: z.string(),
    name: z.string(),
    address: z.string(),
    setting: prescriberSettingSchema,
  }),
  renews: z.string().nullable(),
  lastChangeOn: z.string(),
  changeReason: z.string().nullable(),
  medicine: z
    .object({
      productId: z.string(),
      productName: z.string(),
      tsoProduct: z.enum(TSO_PRODUCTS).nullable(),
      dose: z.string(),
      posology: z.string(),
      dailyUnits: z.number(),
      startsOn: z.string(),
      durationDays: z.int(),
      lastDay: z.string(),
      fractionDays: z.union([z.int(), z.literal('single')]).nullable(),
      overlapAllowed: z.boolean(),
      namedPharmacist: z.string().nullable(),
      stableOnSyrupSince: z.string().nullable(),
      tsoEvidence: z
        .object({ stableOnSyrupSince: z.string().optional(), overlappedPrescriptionIds: z.array(z.string()) })
        .nullable(),
    })
    .nullable(),
  exam: z
    .object({
      category: z.enum(EXAM_CATEGORIES),
      examCode: z.string(),
      examLabel: z.string(),
      instructions: z.string().nullable(),
      dueOn: z.string(),
      warning: z.enum(['none', 'due-soon', 'overdue']),
      result: z
        .object({
          resultOn: z.string(),
          text: z.string(),
          outcome: z.enum(EXAM_OUTCOMES).nullable(),
          recordedBy: z.string(),
        })
        .nullable(),
    })
    .nullable(),
  revision: z.int(),
});

export interface PrescriptionsDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the prescriptions projection. */
  prescriptionsSchema: string;
  /** The read schema of the accompaniment_exits projection: nothing is prescribed after a usager's death. */
  accompanimentExitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * Prescriptions of medicines and exams, medical data: a doctor of the care team prescribes, and
 * suspends, resumes, stops or closes a medicine, cancels an exam; a doctor or a nurse of the team
 * records an exam's result (`prescription-steps.ts`). The prescriber's name, address and place of
 * practice come from the request (until the professional directory), their id from the session.
 *
 * The TSO rules that cross prescriptions (no overlap, first methadone, a year stable on syrup) are
 * checked against the usager's history as the record holds it (`tsoHistoryOfServiceUser`), never
 * as the request would tell it. Two TSO prescriptions for the same usager decided at the same
 * instant each read the history without the other: the second overlap is then not caught here.
 */
export function prescriptionsRoutes(deps: PrescriptionsDependencies): RouteDefinition[] {
  const { store, knex, prescriptionsSchema, accompanimentExitsSchema, access, accessLog, clock } = deps;
  const today = () => parisDay.format(clock());

  const requireStep = (principal: Principal, step: PrescriptionStep, facilityId: string) => {
    const answer = mayTakePrescriptionStep(principal, step, facilityId);
    if (!answer.allowed) throw new HttpProblem('forbidden', answer.message, { extensions: { reason: 'roleForStep' } });
  };

  const checkWrite = (principal: Principal, where: { facilityId: string; serviceUserId: string }) =>
    access.check(principal, 'write', { organisationId: principal.organisationId, ...where, sensitivity: 'medical' });

  const notInFuture = (value: string, code: string, message: string) => {
    if (value > today()) throw new DomainRuleViolation(code, message, { day: value });
  };

  /** An ordonnance dated after the usager's death is refused; one of the days before may be entered late. */
  const refuseAfterDeathOf = (organisationId: string, serviceUserId: string, prescribedOn: string) =>
    refuseAfterDeath(
      knex,
      accompanimentExitsSchema,
      { organisationId, serviceUserId },
      'aucune ordonnance ne se rédige plus pour lui après ce jour.',
      { actDay: prescribedOn },
    );

  const decide = async (
    principal: Principal,
    context: RequestContext,
    prescriptionId: string,
    command: PrescriptionCommand,
    where: { facilityId: string; serviceUserId: string },
    expectedRevision?: number,
  ) => {
    const { revision } = await professionalCommand(store, access, prescriptionDecider, {
      principal,
      context,
      streamId: prescriptionStreamId(principal.organisationId, prescriptionId),
      command,
      where,
      expectedRevision,
    });
    return { body: { prescriptionId, revision }, revision };
  };

  /** The prescription a command acts on; 404 when unknown (or its usager forgotten). */
  const prescriptionOf = async (organisationId: string, prescriptionId: string): Promise<PrescriptionView> => {
    const prescription = await prescriptionById(knex, prescriptionsSchema, {
      organisationId,
      prescriptionId,
      today: today(),
    });
    if (prescription === undefined) throw new HttpProblem('not-found', 'Cette prescription n’existe pas.');
    return prescription;
  };

  /** What a renewal must know of the prescription it renews. */
  const renewed = async (
    organisationId: string,
    renews: string | undefined,
  ): Promise<RenewedPrescription | undefined> => {
    if (renews === undefined) return undefined;
    const previous = await prescriptionById(knex, prescriptionsSchema, {
      organisationId,
      prescriptionId: renews,
      today: today(),
    });
    if (previous === undefined) {
      throw new DomainRuleViolation('PRESCRIPTION_RENEWED_NOT_FOUND', 'La prescription renouvelée est introuvable.', {
        renews,
      });
    }
    return { prescriptionId: previous.prescriptionId, serviceUserId: previous.serviceUserId, kind: previous.kind };
  };

  const traceRead = (
    principal: Principal,
    context: { correlationId: string },
    read: { facilityId: string; serviceUserId: string; resource: string },
  ) =>
    accessLog.recordRead({
      organisationId: principal.organisationId,
      professionalId: principal.professionalId,
      correlationId: context.correlationId,
      read: { ...read, roles: access.rolesIn(principal, read.facilityId), sensitivities: ['medical'], purpose: 'care' },
    });

  /** A change to an existing prescription: by whom its step allows, in the care team. */
  const change = <Body extends z.ZodObject>(
    path: string,
    summary: string,
    step: PrescriptionStep,
    body: Body,
    toCommand: (prescriptionId: string, body: z.output<Body>, principal: Principal) => PrescriptionCommand,
  ) =>
    defineCommand({
      path: `/organisations/:organisationId/prescriptions/:prescriptionId/${path}`,
      summary,
      tags: [TAG],
      params: prescriptionParams,
      body,
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body: input, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { facilityId, serviceUserId } = await prescriptionOf(params.organisationId, params.prescriptionId);
        const where = { facilityId, serviceUserId };
        requireStep(principal, step, facilityId);
        checkWrite(principal, where);
        return decide(
          principal,
          context,
          params.prescriptionId,
          toCommand(params.prescriptionId, input, principal),
          where,
          expectedRevision,
        );
      },
    });

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/medicine-prescriptions',
      summary:
        'Prescrire un médicament (produit, dosage, posologie, durée, fractionnement) ; pour un TSO, les règles de substitution sont vérifiées sur l’historique du dossier (médecin)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        prescriptionId: z.uuid(),
        facilityId: identifier,
        productId: identifier,
        productName: name,
        /** Methadone syrup or capsules, BHD: the TSO rules apply. */
        tsoProduct: opioidSubstitutionProductSchema.optional(),
        dose: name,
        posology: text,
        dailyUnits: z.number().positive().max(10_000),
        /** Defaults to today. */
        prescribedOn: day.optional(),
        /** Defaults to the prescription's date. */
        startsOn: day.optional(),
        durationDays: z.int().min(1).max(MAX_MEDICINE_DURATION_DAYS),
        fractionDays: z.union([z.int().min(1).max(MAX_MEDICINE_DURATION_DAYS), z.literal('single')]).optional(),
        overlapAllowed: z.boolean().optional(),
        prescriber: prescriberBody,
        namedPharmacist: name.optional(),
        renews: z.uuid().optional(),
        /** Methadone syrup only: the prescriber attests the usager is stable on syrup since this day. */
        stableOnSyrupSince: day.optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        requireStep(principal, 'prescribe', where.facilityId);
        checkWrite(principal, where);
        const prescribedOn = body.prescribedOn ?? today();
        notInFuture(
          prescribedOn,
          'PRESCRIPTION_DATED_LATER',
          'Une ordonnance ne peut pas être datée d’un jour à venir.',
        );
        await refuseAfterDeathOf(params.organisationId, params.serviceUserId, prescribedOn);
        const { prescriber, renews, ...terms } = body;
        const tsoHistory =
          body.tsoProduct === undefined
            ? undefined
            : await tsoHistoryOfServiceUser(knex, prescriptionsSchema, {
                organisationId: params.organisationId,
                serviceUserId: params.serviceUserId,
                prescribedOn,
                startsOn: body.startsOn ?? prescribedOn,
              });
        const renewal = await renewed(params.organisationId, renews);
        const answer = await decide(
          principal,
          context,
          body.prescriptionId,
          {
            type: 'PrescribeMedicine',
            ...terms,
            serviceUserId: params.serviceUserId,
            prescribedOn,
            prescriber: { professionalId: principal.professionalId, ...prescriber },
            ...(renewal === undefined ? {} : { renews: renewal }),
            ...(tsoHistory === undefined ? {} : { tsoHistory }),
          },
          where,
        );
        return { ...answer, status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/exam-prescriptions',
      summary:
        'Prescrire un examen (bilan biologique, dépistage VIH, VHC, VHB, toxiques urinaires…) à faire avant une date (médecin)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        prescriptionId: z.uuid(),
        facilityId: identifier,
        category: examCategorySchema,
        /** The exam in the catalogue used (NABM code, internal code…). */
        examCode: z.string().trim().min(1).max(200),
        examLabel: name,
        instructions: text.optional(),
        /** Defaults to today. */
        prescribedOn: day.optional(),
        dueOn: day,
        prescriber: prescriberBody,
        renews: z.uuid().optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: params.serviceUserId };
        requireStep(principal, 'prescribe', where.facilityId);
        checkWrite(principal, where);
        const prescribedOn = body.prescribedOn ?? today();
        notInFuture(
          prescribedOn,
          'PRESCRIPTION_DATED_LATER',
          'Une ordonnance ne peut pas être datée d’un jour à venir.',
        );
        await refuseAfterDeathOf(params.organisationId, params.serviceUserId, prescribedOn);
        const { prescriber, renews, ...terms } = body;
        const renewal = await renewed(params.organisationId, renews);
        const answer = await decide(
          principal,
          context,
          body.prescriptionId,
          {
            type: 'PrescribeExam',
            ...terms,
            serviceUserId: params.serviceUserId,
            prescribedOn,
            prescriber: { professionalId: principal.professionalId, ...prescriber },
            ...(renewal === undefined ? {} : { renews: renewal }),
          },
          where,
        );
        return { ...answer, status: 201 };
      },
    }),

    change(
      'suspensions',
      'Suspendre un médicament prescrit, en disant pourquoi (médecin)',
      'change',
      z.object({ suspendedOn: day.optional(), reason: text }),
      (prescriptionId, body) => ({
        type: 'SuspendPrescription',
        prescriptionId,
        suspendedOn: body.suspendedOn ?? today(),
        reason: body.reason,
      }),
    ),
    change(
      'resumptions',
      'Reprendre un médicament suspendu (médecin)',
      'change',
      z.object({ resumedOn: day.optional() }),
      (prescriptionId, body) => ({
        type: 'ResumePrescription',
        prescriptionId,
        resumedOn: body.resumedOn ?? today(),
      }),
    ),
    change(
      'stops',
      'Arrêter un médicament avant son terme, en disant pourquoi (médecin)',
      'change',
      z.object({ stoppedOn: day.optional(), reason: text }),
      (prescriptionId, body) => ({
        type: 'StopPrescription',
        prescriptionId,
        stoppedOn: body.stoppedOn ?? today(),
        reason: body.reason,
      }),
    ),
    change(
      'completions',
      'Clore un médicament arrivé à son terme (médecin)',
      'change',
      z.object({ completedOn: day.optional() }),
      (prescriptionId, body) => ({
        type: 'CompletePrescription',
        prescriptionId,
        completedOn: body.completedOn ?? today(),
      }),
    ),
    change(
      'exam-results',
      'Enregistrer le résultat d’un examen, en texte et, pour un dépistage, positif, négatif ou indéterminé (médecin ou infirmier)',
      'recordResult',
      z.object({ resultOn: day.optional(), result: text, outcome: examOutcomeSchema.optional() }),
      (prescriptionId, body, principal) => {
        const resultOn = body.resultOn ?? today();
        notInFuture(
          resultOn,
          'EXAM_RESULT_DATED_LATER',
          'Le résultat d’un examen ne peut pas être daté d’un jour à venir.',
        );
        return {
          type: 'RecordExamResult',
          prescriptionId,
          resultOn,
          result: body.result,
          ...(body.outcome === undefined ? {} : { outcome: body.outcome }),
          recordedBy: principal.professionalId,
        };
      },
    ),
    change(
      'exam-cancellations',
      'Annuler un examen prescrit, en disant pourquoi (médecin)',
      'change',
      z.object({ cancelledOn: day.optional(), reason: text }),
      (prescriptionId, body) => ({
        type: 'CancelExam',
        prescriptionId,
        cancelledOn: body.cancelledOn ?? today(),
        reason: body.reason,
      }),
    ),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/prescriptions',
      summary: 'Les prescriptions de l’usager dans un ESSMS, celles en cours d’abord (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier, today: day.optional() }),
      response: z.object({ prescriptions: z.array(prescriptionSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: query.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'read', { organisationId: params.organisationId, ...where, sensitivity: 'medical' });
        const prescriptions = await prescriptionsOfServiceUser(knex, prescriptionsSchema, {
          organisationId: params.organisationId,
          ...where,
          today: query.today ?? today(),
        });
        await traceRead(principal, context, { ...where, resource: 'prescriptions' });
        return { body: { prescriptions } };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/prescriptions/:prescriptionId',
      summary: 'Une prescription, avec sa révision en ETag (lecture tracée)',
      tags: [TAG],
      params: prescriptionParams,
      query: z.object({ today: day.optional() }),
      response: prescriptionSchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const prescription = await prescriptionById(knex, prescriptionsSchema, {
          organisationId: params.organisationId,
          prescriptionId: params.prescriptionId,
          today: query.today ?? today(),
        });
        if (prescription === undefined) throw new HttpProblem('not-found', 'Cette prescription n’existe pas.');
        const where = { facilityId: prescription.facilityId, serviceUserId: prescription.serviceUserId };
        access.check(principal, 'read', { organisationId: params.organisationId, ...where, sensitivity: 'medical' });
        await traceRead(principal, context, { ...where, resource: 'prescription' });
        return { body: prescription, revision: prescription.revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/exams-due',
      summary:
        'Les examens d’un ESSMS en attente de résultat, à faire dans les 7 jours ou en retard, le plus en retard d’abord (lecture tracée)',
      tags: [TAG],
      params: organisationParams.extend({ facilityId: identifier }),
      query: z.object({ today: day.optional() }),
      response: z.object({
        exams: z.array(
          z.object({
            prescriptionId: z.string(),
            serviceUserId: z.string(),
            category: z.enum(EXAM_CATEGORIES),
            examCode: z.string(),
            examLabel: z.string(),
            prescribedOn: z.string(),
            dueOn: z.string(),
            prescriberName: z.string(),
            warning: z.enum(['due-soon', 'overdue']),
            revision: z.int(),
          }),
        ),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId } = params;
        // only the usagers whose medical data the caller may read: the others' exams are not theirs to see
        const readable = (serviceUserId: string) =>
          decideAccess(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity: 'medical' })
            .allowed;
        const exams = await access.openRecordsAmong(
          organisationId,
          (
            await examsDue(knex, prescriptionsSchema, { organisationId, facilityId, today: query.today ?? today() })
          ).filter((exam) => readable(exam.serviceUserId)),
          (exam) => exam.serviceUserId,
        );
        await accessLog.recordReadsBy(
          principal,
          context.correlationId,
          [...new Set(exams.map((exam) => exam.serviceUserId))].map((serviceUserId) => ({
            facilityId,
            serviceUserId,
            resource: 'exams-due',
            sensitivities: ['medical'],
            purpose: 'care',
          })),
        );
        return { body: { exams } };
      },
    }),
  ];
}
