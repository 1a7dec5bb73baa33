import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import {
  checkTsoPrescription,
  opioidSubstitutionProductSchema,
  prescriberSettingSchema,
  TSO_DEFAULT_FRACTION_DAYS,
  type TsoHistory,
  type TsoPrescription,
  type TsoProduct,
  tsoOverlaps,
} from '../opioid-substitution/tso-rules.js';

/**
 * Prescriptions (ordonnances) of medicines and of exams for a usager, and their lifecycle:
 * a medicine is prescribed, may be suspended and resumed, and ends stopped (with a reason) or
 * completed; an exam is prescribed, then its result is recorded or it is cancelled.
 *
 * Decisions taken here:
 * - One stream per prescription (`prescriptionStreamId`): its lifecycle is its own. What crosses
 *   prescriptions (no overlap, first methadone prescription, a year on syrup before capsules) is
 *   read by the caller from the usager's other prescriptions and carried by the command
 *   (`tsoHistory`); the pharmacy ledger, not this stream, counts what was dispensed.
 * - A medicine whose product is an opioid substitution product carries `tsoProduct`, and must meet
 *   the TSO rules (`checkTsoPrescription`): it cannot be prescribed without the history they need.
 *   Its fractions default to 7 days; other medicines have fractions only when the prescriber wrote
 *   some. `'single'` is « délivrance en une seule fois ». The event keeps what the rules relied on
 *   (`tsoEvidence`): the day of stability on syrup, the prescriptions an allowed overlap covers.
 * - Quantities: `dailyUnits` units of administration a day (whole numbers for TSO, as the
 *   registers count them); `dose` and `posology` are the prescriber's words.
 * - A medicine covers `startsOn` to `startsOn + durationDays − 1` (`medicineLastDay`); a year at
 *   most (`MAX_MEDICINE_DURATION_DAYS`). A suspension does not push the last day: days suspended are
 *   not dispensed. It is suspended, resumed or stopped on a day within that period, never before
 *   the previous change; completed on or after its last day (ending earlier is a stop, with a reason).
 *   A stopped prescription covered its days up to the day before its stop (`medicineDaysCovered`).
 * - Stability on methadone syrup is the prescriber's clinical judgement, not a count of
 *   prescriptions: a methadone syrup prescription may attest it (`stableOnSyrupSince`, the day
 *   since which the usager is stable on syrup, on or before the prescription's date; it may predate
 *   the record, for a usager treated elsewhere). The history of a later prescription reads it from
 *   the record (`tsoHistoryFor`), never from the later command, so that capsules cannot be
 *   prescribed on a day typed for the occasion.
 * - An exam's result is free text, with an optional structured outcome (`positive`, `negative`,
 *   `indeterminate`) that the activity reports count for screenings (`SCREENING_CATEGORIES`).
 * - A renewal is a new prescription referencing the previous one (`renews`); the caller passes what
 *   it read of the previous one, so that a renewal keeps to the same usager and the same kind.
 * - Days are calendar days (`YYYY-MM-DD`) chosen by the caller: the domain holds no clock.
 * - The data of a forgotten usager comes back as `{ $erased: true }`: the stream keeps its shape,
 *   and refuses every further command.
 */
export const MAX_MEDICINE_DURATION_DAYS = 365;
const MAX_TEXT_LENGTH = 4_000;
const MAX_NAME_LENGTH = 500;
const id = z.string().min(1).max(200);
const name = z.string().min(1).max(MAX_NAME_LENGTH);
const text = z.string().min(1).max(MAX_TEXT_LENGTH);
/** A calendar day, `YYYY-MM-DD`. */
export const prescriptionDaySchema = z.iso.date();
const day = prescriptionDaySchema;

export const PRESCRIPTION_KINDS = ['medicine', 'exam'] as const;
export type PrescriptionKind = (typeof PRESCRIPTION_KINDS)[number];

/** Exams as the activity reports count them; the exam itself is named by its code and label. */
export const EXAM_CATEGORIES = [
  'biology',
  'hiv-screening',
  'hcv-screening',
  'hbv-screening',
  'urine-drug-screen',
  'imaging',
  'ecg',
  'other',
] as const;
export const examCategorySchema = z.enum(EXAM_CATEGORIES);
export type ExamCategory = z.infer<typeof examCategorySchema>;

export const EXAM_CATEGORY_LABELS: Readonly<Record<ExamCategory, string>> = {
  biology: 'Bilan biologique',
  'hiv-screening': 'Dépistage du VIH',
  'hcv-screening': 'Dépistage de l’hépatite C (VHC)',
  'hbv-screening': 'Dépistage de l’hépatite B (VHB)',
  'urine-drug-screen': 'Recherche de toxiques urinaires',
  imaging: 'Imagerie',
  ecg: 'Électrocardiogramme (ECG)',
  other: 'Autre examen',
};

/** The exams whose outcome the activity reports count: screenings (DOMAIN.md, Activity reports). */
export const SCREENING_CATEGORIES = [
  'hiv-screening',
  'hcv-screening',
  'hbv-screening',
  'urine-drug-screen',
] as const satisfies readonly ExamCategory[];

export function isScreening(category: ExamCategory): boolean {
  return (SCREENING_CATEGORIES as readonly ExamCategory[]).includes(category);
}

/** The structured reading of a result, beside its free text. */
export const EXAM_OUTCOMES = ['positive', 'negative', 'indeterminate'] as const;
export const examOutcomeSchema = z.enum(EXAM_OUTCOMES);
export type ExamOutcome = z.infer<typeof examOutcomeSchema>;

export const EXAM_OUTCOME_LABELS: Readonly<Record<ExamOutcome, string>> = {
  positive: 'Positif',
  negative: 'Négatif',
  indeterminate: 'Indéterminé',
};

export const prescriberSchema = z.object({
  professionalId: id,
  name,
  address: name,
  setting: prescriberSettingSchema,
});
export type Prescriber = z.infer<typeof prescriberSchema>;

export const fractionDaysSchema = z.union([z.int().min(1).max(MAX_MEDICINE_DURATION_DAYS), z.literal('single')]);

export const medicinePrescribedSchema = z.object({
  prescriptionId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  productId: id,
  productName: name,
  /** Present when the product is an opioid substitution product: the TSO rules apply. */
  tsoProduct: opioidSubstitutionProductSchema.optional(),
  dose: name,
  posology: text,
  dailyUnits: z.number().positive().max(10_000),
  prescribedOn: day,
  startsOn: day,
  durationDays: z.int().min(1).max(MAX_MEDICINE_DURATION_DAYS),
  /** Days per fraction, or `'single'` (« délivrance en une seule fois »); absent: none written. */
  fractionDays: fractionDaysSchema.optional(),
  overlapAllowed: z.boolean(),
  prescriber: prescriberSchema,
  namedPharmacist: name.optional(),
  /** The prescription this one renews. */
  renews: z.uuid().optional(),
  /** On a methadone syrup prescription, the prescriber's attestation: stable on syrup since this day. */
  stableOnSyrupSince: day.optional(),
  /** What the TSO rules relied on, for whoever checks them later. */
  tsoEvidence: z
    .object({
      stableOnSyrupSince: day.optional(),
      overlappedPrescriptionIds: z.array(id).max(100),
    })
    .optional(),
});
export const examPrescribedSchema = z.object({
  prescriptionId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  category: examCategorySchema,
  /** The exam in the catalogue used (NABM code, internal code…). */
  examCode: id,
  examLabel: name,
  instructions: text.optional(),
  prescribedOn: day,
  /** The day by which the exam should be done. */
  dueOn: day,
  prescriber: prescriberSchema,
  renews: z.uuid().optional(),
});
export const prescriptionSuspendedSchema = z.object({ prescriptionId: z.uuid(), suspendedOn: day, reason: text });
export const prescriptionResumedSchema = z.object({ prescriptionId: z.uuid(), resumedOn: day });
export const prescriptionStoppedSchema = z.object({ prescriptionId: z.uuid(), stoppedOn: day, reason: text });
export const prescriptionCompletedSchema = z.object({ prescriptionId: z.uuid(), completedOn: day });
export const examResultRecordedSchema = z.object({
  prescriptionId: z.uuid(),
  resultOn: day,
  result: text,
  /** The structured reading of the result, when one applies (a screening's above all). */
  outcome: examOutcomeSchema.optional(),
  recordedBy: id,
});
export const examCancelledSchema = z.object({ prescriptionId: z.uuid(), cancelledOn: day, reason: text });

export type MedicinePrescribed = z.infer<typeof medicinePrescribedSchema>;
export type ExamPrescribed = z.infer<typeof examPrescribedSchema>;
export type PrescriptionSuspended = z.infer<typeof prescriptionSuspendedSchema>;
export type PrescriptionResumed = z.infer<typeof prescriptionResumedSchema>;
export type PrescriptionStopped = z.infer<typeof prescriptionStoppedSchema>;
export type PrescriptionCompleted = z.infer<typeof prescriptionCompletedSchema>;
export type ExamResultRecorded = z.infer<typeof examResultRecordedSchema>;
export type ExamCancelled = z.infer<typeof examCancelledSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedPrescriptionData {
  $erased: true;
}

export type PrescriptionEvent =
  | { type: 'MedicinePrescribed'; data: MedicinePrescribed | ErasedPrescriptionData }
  | { type: 'ExamPrescribed'; data: ExamPrescribed | ErasedPrescriptionData }
  | { type: 'PrescriptionSuspended'; data: PrescriptionSuspended | ErasedPrescriptionData }
  | { type: 'PrescriptionResumed'; data: PrescriptionResumed | ErasedPrescriptionData }
  | { type: 'PrescriptionStopped'; data: PrescriptionStopped | ErasedPrescriptionData }
  | { type: 'PrescriptionCompleted'; data: PrescriptionCompleted | ErasedPrescriptionData }
  | { type: 'ExamResultRecorded'; data: ExamResultRecorded | ErasedPrescriptionData }
  | { type: 'ExamCancelled'; data: ExamCancelled | ErasedPrescriptionData };

export type PrescriptionEventType = PrescriptionEvent['type'];

export const prescriptionEventSchemas = {
  MedicinePrescribed: medicinePrescribedSchema,
  ExamPrescribed: examPrescribedSchema,
  PrescriptionSuspended: prescriptionSuspendedSchema,
  PrescriptionResumed: prescriptionResumedSchema,
  PrescriptionStopped: prescriptionStoppedSchema,
  PrescriptionCompleted: prescriptionCompletedSchema,
  ExamResultRecorded: examResultRecordedSchema,
  ExamCancelled: examCancelledSchema,
} as const;

/** What the caller read of the prescription a new one renews. */
export interface RenewedPrescription {
  prescriptionId: string;
  serviceUserId: string;
  kind: PrescriptionKind;
}

export interface PrescribeMedicine {
  type: 'PrescribeMedicine';
  prescriptionId: string;
  serviceUserId: string;
  facilityId: string;
  productId: string;
  productName: string;
  /** Set when the product is an opioid substitution product. */
  tsoProduct?: TsoProduct;
  dose: string;
  posology: string;
  dailyUnits: number;
  prescribedOn: string;
  /** Defaults to `prescribedOn`. */
  startsOn?: string;
  durationDays: number;
  /** Defaults to 7 for a TSO product, to none written otherwise. */
  fractionDays?: number | 'single';
  overlapAllowed?: boolean;
  prescriber: Prescriber;
  /** Required for a TSO product. */
  namedPharmacist?: string;
  renews?: RenewedPrescription;
  /** Required for a TSO product: the usager's earlier TSO prescriptions, the day stable on syrup. */
  tsoHistory?: TsoHistory;
  /** Methadone syrup only: the prescriber attests the usager is stable on syrup since this day. */
  stableOnSyrupSince?: string;
}

export interface PrescribeExam {
  type: 'PrescribeExam';
  prescriptionId: string;
  serviceUserId: string;
  facilityId: string;
  category: ExamCategory;
  examCode: string;
  examLabel: string;
  instructions?: string;
  prescribedOn: string;
  dueOn: string;
  prescriber: Prescriber;
  renews?: RenewedPrescription;
}

export type PrescriptionCommand =
  | PrescribeMedicine
  | PrescribeExam
  | { type: 'SuspendPrescription'; prescriptionId: string; suspendedOn: string; reason: string }
  | { type: 'ResumePrescription'; prescriptionId: string; resumedOn: string }
  | { type: 'StopPrescription'; prescriptionId: string; stoppedOn: string; reason: string }
  | { type: 'CompletePrescription'; prescriptionId: string; completedOn: string }
  | {
      type: 'RecordExamResult';
      prescriptionId: string;
      resultOn: string;
      result: string;
      outcome?: ExamOutcome;
      recordedBy: string;
    }
  | { type: 'CancelExam'; prescriptionId: string; cancelledOn: string; reason: string };

export type MedicinePrescriptionStatus = 'prescribed' | 'suspended' | 'stopped' | 'completed';
export type ExamPrescriptionStatus = 'prescribed' | 'result-recorded' | 'cancelled';

interface PrescriptionBase {
  /** Empty once the usager was forgotten. */
  prescriptionId: string;
  erased: boolean;
  /** Undefined once the usager was forgotten. */
  serviceUserId: string | undefined;
  prescribedOn: string | undefined;
  /** The day of the latest change: none may come before it. */
  lastChangeOn: string | undefined;
}

export type Prescription =
  | { status: 'none' }
  | (PrescriptionBase & {
      kind: 'medicine';
      status: MedicinePrescriptionStatus;
      startsOn: string | undefined;
      /** The last day covered. */
      lastDay: string | undefined;
      /** The TSO terms, for an opioid substitution product. */
      tso: TsoPrescription | undefined;
    })
  | (PrescriptionBase & {
      kind: 'exam';
      status: ExamPrescriptionStatus;
      dueOn: string | undefined;
      resultOn: string | undefined;
    });

/** One stream per prescription; the organisation escaped, so that no two tenants share one. */
export function prescriptionStreamId(organisationId: string, prescriptionId: string): string {
  return `prescription/${encodeURIComponent(organisationId)}/${prescriptionId}`;
}

/** The last day a medicine prescription covers. */
export function medicineLastDay(prescription: Pick<MedicinePrescribed, 'startsOn' | 'durationDays'>): string {
  return addDays(prescription.startsOn, prescription.durationDays - 1);
}

/**
 * The days a medicine prescription really covered: all of them, unless it was stopped, then those
 * before the day of its stop (none when stopped on or before its first day).
 */
export function medicineDaysCovered(
  prescription: Pick<MedicinePrescribed, 'startsOn' | 'durationDays'>,
  stoppedOn?: string,
): number {
  if (stoppedOn === undefined) return prescription.durationDays;
  const before = Math.round(
    (Date.parse(`${stoppedOn}T00:00:00Z`) - Date.parse(`${prescription.startsOn}T00:00:00Z`)) / 86_400_000,
  );
  return Math.max(0, Math.min(prescription.durationDays, before));
}

/** The TSO terms of a medicine prescription, as the dispensing rules read them; none for other products. */
export function tsoPrescriptionOf(prescription: MedicinePrescribed): TsoPrescription | undefined {
  if (prescription.tsoProduct === undefined) return undefined;
  return {
    prescriptionId: prescription.prescriptionId,
    serviceUserId: prescription.serviceUserId,
    product: prescription.tsoProduct,
    prescribedOn: prescription.prescribedOn,
    startsOn: prescription.startsOn,
    durationDays: prescription.durationDays,
    dailyUnits: prescription.dailyUnits,
    fractionDays: prescription.fractionDays ?? TSO_DEFAULT_FRACTION_DAYS,
    overlapAllowed: prescription.overlapAllowed,
    prescriber: { ...prescription.prescriber },
    namedPharmacist: prescription.namedPharmacist ?? '',
  };
}

export const prescriptionDecider: Decider<PrescriptionCommand, PrescriptionEvent, Prescription> = {
  initialState: () => ({ status: 'none' }),

  decide(command, prescription) {
    switch (command.type) {
      case 'PrescribeMedicine':
        requireNew(prescription, command.prescriptionId);
        return { type: 'MedicinePrescribed', data: prescribeMedicine(command) };
      case 'PrescribeExam':
        requireNew(prescription, command.prescriptionId);
        return { type: 'ExamPrescribed', data: prescribeExam(command) };
      case 'SuspendPrescription': {
        const current = requireMedicine(prescription, command.prescriptionId);
        if (current.status === 'suspended') {
          throw new DomainRuleViolation('PRESCRIPTION_ALREADY_SUSPENDED', 'Cette prescription est déjà suspendue.');
        }
        requireChangeDay(current, command.suspendedOn, 'suspendedOn', 'suspendue');
        return {
          type: 'PrescriptionSuspended',
          data: checkedData(prescriptionSuspendedSchema, {
            prescriptionId: command.prescriptionId,
            suspendedOn: command.suspendedOn,
            reason: requireReason(command.reason, 'La suspension d’une prescription doit être motivée.'),
          }),
        };
      }
      case 'ResumePrescription': {
        const current = requireMedicine(prescription, command.prescriptionId);
        if (current.status !== 'suspended') {
          throw new DomainRuleViolation('PRESCRIPTION_NOT_SUSPENDED', 'Cette prescription n’est pas suspendue.');
        }
        requireChangeDay(current, command.resumedOn, 'resumedOn', 'reprise');
        return {
          type: 'PrescriptionResumed',
          data: checkedData(prescriptionResumedSchema, {
            prescriptionId: command.prescriptionId,
            resumedOn: command.resumedOn,
          }),
        };
      }
      case 'StopPrescription': {
        const current = requireMedicine(prescription, command.prescriptionId);
        requireChangeDay(current, command.stoppedOn, 'stoppedOn', 'arrêtée');
        return {
          type: 'PrescriptionStopped',
          data: checkedData(prescriptionStoppedSchema, {
            prescriptionId: command.prescriptionId,
            stoppedOn: command.stoppedOn,
            reason: requireReason(command.reason, 'L’arrêt d’une prescription doit être motivé.'),
          }),
        };
      }
      case 'CompletePrescription': {
        const current = requireMedicine(prescription, command.prescriptionId);
        if (current.status === 'suspended') {
          throw new DomainRuleViolation(
            'PRESCRIPTION_SUSPENDED',
            'Cette prescription est suspendue : reprenez-la ou arrêtez-la en le motivant.',
          );
        }
        requireDay(command.completedOn, 'completedOn');
        requireNotBeforeLastChange(current, command.completedOn);
        if (current.lastDay !== undefined && command.completedOn < current.lastDay) {
          throw new DomainRuleViolation(
            'PRESCRIPTION_NOT_YET_AT_TERM',
            `Cette prescription court jusqu’au ${frenchDay(current.lastDay)} : l’interrompre avant, c’est l’arrêter, en le motivant.`,
            { lastDay: current.lastDay, completedOn: command.completedOn },
          );
        }
        return {
          type: 'PrescriptionCompleted',
          data: checkedData(prescriptionCompletedSchema, {
            prescriptionId: command.prescriptionId,
            completedOn: command.completedOn,
          }),
        };
      }
      case 'RecordExamResult': {
        const current = requireExam(prescription, command.prescriptionId);
        requireDay(command.resultOn, 'resultOn');
        requireNotBeforeLastChange(current, command.resultOn);
        const result = requireText(command.result, 'EXAM_RESULT_REQUIRED', 'Le résultat de l’examen est vide.');
        if (command.outcome !== undefined && !examOutcomeSchema.safeParse(command.outcome).success) {
          throw new DomainRuleViolation(
            'EXAM_OUTCOME_UNKNOWN',
            'L’interprétation du résultat est positive, négative ou indéterminée.',
            { outcome: command.outcome },
          );
        }
        return {
          type: 'ExamResultRecorded',
          data: checkedData(examResultRecordedSchema, {
            prescriptionId: command.prescriptionId,
            resultOn: command.resultOn,
            result,
            ...(command.outcome !== undefined ? { outcome: command.outcome } : {}),
            recordedBy: requireText(command.recordedBy, 'EXAM_RESULT_AUTHOR_REQUIRED', 'Qui enregistre le résultat ?'),
          }),
        };
      }
      case 'CancelExam': {
        const current = requireExam(prescription, command.prescriptionId);
        requireDay(command.cancelledOn, 'cancelledOn');
        requireNotBeforeLastChange(current, command.cancelledOn);
        return {
          type: 'ExamCancelled',
          data: checkedData(examCancelledSchema, {
            prescriptionId: command.prescriptionId,
            cancelledOn: command.cancelledOn,
            reason: requireReason(command.reason, 'L’annulation d’un examen doit être motivée.'),
          }),
        };
      }
    }
  },

  evolve(prescription, event) {
    switch (event.type) {
      case 'MedicinePrescribed': {
        if ('$erased' in event.data) {
          return {
            ...erasedBase(),
            kind: 'medicine',
            status: 'prescribed',
            startsOn: undefined,
            lastDay: undefined,
            tso: undefined,
          };
        }
        const data = event.data;
        return {
          kind: 'medicine',
          status: 'prescribed',
          prescriptionId: data.prescriptionId,
          erased: false,
          serviceUserId: data.serviceUserId,
          prescribedOn: data.prescribedOn,
          lastChangeOn: data.prescribedOn,
          startsOn: data.startsOn,
          lastDay: medicineLastDay(data),
          tso: tsoPrescriptionOf(data),
        };
      }
      case 'ExamPrescribed': {
        if ('$erased' in event.data) {
          return { ...erasedBase(), kind: 'exam', status: 'prescribed', dueOn: undefined, resultOn: undefined };
        }
        const data = event.data;
        return {
          kind: 'exam',
          status: 'prescribed',
          prescriptionId: data.prescriptionId,
          erased: false,
          serviceUserId: data.serviceUserId,
          prescribedOn: data.prescribedOn,
          lastChangeOn: data.prescribedOn,
          dueOn: data.dueOn,
          resultOn: undefined,
        };
      }
      case 'PrescriptionSuspended':
        if (prescription.status === 'none' || prescription.kind !== 'medicine') return prescription;
        return { ...prescription, status: 'suspended', lastChangeOn: dayOf(event.data, 'suspendedOn') };
      case 'PrescriptionResumed':
        if (prescription.status === 'none' || prescription.kind !== 'medicine') return prescription;
        return { ...prescription, status: 'prescribed', lastChangeOn: dayOf(event.data, 'resumedOn') };
      case 'PrescriptionStopped':
        if (prescription.status === 'none' || prescription.kind !== 'medicine') return prescription;
        return { ...prescription, status: 'stopped', lastChangeOn: dayOf(event.data, 'stoppedOn') };
      case 'PrescriptionCompleted':
        if (prescription.status === 'none' || prescription.kind !== 'medicine') return prescription;
        return { ...prescription, status: 'completed', lastChangeOn: dayOf(event.data, 'completedOn') };
      case 'ExamResultRecorded': {
        if (prescription.status === 'none' || prescription.kind !== 'exam') return prescription;
        const resultOn = dayOf(event.data, 'resultOn');
        return { ...prescription, status: 'result-recorded', lastChangeOn: resultOn, resultOn };
      }
      case 'ExamCancelled':
        if (prescription.status === 'none' || prescription.kind !== 'exam') return prescription;
        return { ...prescription, status: 'cancelled', lastChangeOn: dayOf(event.data, 'cancelledOn') };
    }
  },
};

function prescribeMedicine(command: PrescribeMedicine): MedicinePrescribed {
  const productId = requireText(
    command.productId,
    'PRESCRIPTION_PRODUCT_REQUIRED',
    'Le médicament prescrit est obligatoire.',
  );
  const productName = requireText(
    command.productName,
    'PRESCRIPTION_PRODUCT_REQUIRED',
    'Le nom du médicament prescrit est obligatoire.',
  );
  const dose = requireText(command.dose, 'PRESCRIPTION_DOSE_REQUIRED', 'Le dosage prescrit est obligatoire.');
  const posology = requireText(command.posology, 'PRESCRIPTION_POSOLOGY_REQUIRED', 'La posologie est obligatoire.');
  requireDay(command.prescribedOn, 'prescribedOn');
  const startsOn = command.startsOn ?? command.prescribedOn;
  requireDay(startsOn, 'startsOn');
  if (startsOn < command.prescribedOn) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_STARTS_BEFORE_ITS_DATE',
      'Le traitement ne peut pas commencer avant la date de l’ordonnance.',
      { prescribedOn: command.prescribedOn, startsOn },
    );
  }
  if (
    !Number.isInteger(command.durationDays) ||
    command.durationDays < 1 ||
    command.durationDays > MAX_MEDICINE_DURATION_DAYS
  ) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_DURATION_INVALID',
      `La durée de traitement doit être un nombre entier de jours, de 1 à ${MAX_MEDICINE_DURATION_DAYS}.`,
      { durationDays: command.durationDays },
    );
  }
  if (!Number.isFinite(command.dailyUnits) || command.dailyUnits <= 0) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_DAILY_UNITS_INVALID',
      'La quantité quotidienne, en unités de prise, doit être positive.',
      { dailyUnits: command.dailyUnits },
    );
  }
  const isTso = command.tsoProduct !== undefined;
  const fractionDays = command.fractionDays ?? (isTso ? TSO_DEFAULT_FRACTION_DAYS : undefined);
  if (
    fractionDays !== undefined &&
    fractionDays !== 'single' &&
    (!Number.isInteger(fractionDays) || fractionDays < 1 || fractionDays > MAX_MEDICINE_DURATION_DAYS)
  ) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_FRACTION_INVALID',
      'Le fractionnement doit être un nombre entier de jours ou « délivrance en une seule fois ».',
      { fractionDays },
    );
  }
  const prescriber = requirePrescriber(command.prescriber);
  const namedPharmacist = command.namedPharmacist?.trim() || undefined;
  const overlapAllowed = command.overlapAllowed ?? false;
  const renews = requireRenewal(command, 'medicine');
  const stableOnSyrupSince = requireSyrupStability(command);
  let tsoEvidence: MedicinePrescribed['tsoEvidence'];
  if (command.tsoProduct !== undefined) {
    const history = command.tsoHistory;
    if (history === undefined) {
      throw new DomainRuleViolation(
        'TSO_HISTORY_REQUIRED',
        'Pour un traitement de substitution, les prescriptions antérieures de l’usager doivent être connues (chevauchement, primo-prescription).',
      );
    }
    const tso: TsoPrescription = {
      prescriptionId: command.prescriptionId,
      serviceUserId: command.serviceUserId,
      product: command.tsoProduct,
      prescribedOn: command.prescribedOn,
      startsOn,
      durationDays: command.durationDays,
      dailyUnits: command.dailyUnits,
      fractionDays: fractionDays ?? TSO_DEFAULT_FRACTION_DAYS,
      overlapAllowed,
      prescriber,
      namedPharmacist: namedPharmacist ?? '',
    };
    checkTsoPrescription(tso, history);
    tsoEvidence = {
      ...(command.tsoProduct === 'methadone-capsules' && history.stableOnSyrupSince !== undefined
        ? { stableOnSyrupSince: history.stableOnSyrupSince }
        : {}),
      overlappedPrescriptionIds: overlapAllowed
        ? tsoOverlaps(tso, history.earlierPrescriptions).map((earlier) => earlier.prescriptionId)
        : [],
    };
  }
  return checkedData(medicinePrescribedSchema, {
    prescriptionId: command.prescriptionId,
    serviceUserId: command.serviceUserId,
    facilityId: command.facilityId,
    productId,
    productName,
    ...(command.tsoProduct !== undefined ? { tsoProduct: command.tsoProduct } : {}),
    dose,
    posology,
    dailyUnits: command.dailyUnits,
    prescribedOn: command.prescribedOn,
    startsOn,
    durationDays: command.durationDays,
    ...(fractionDays !== undefined ? { fractionDays } : {}),
    overlapAllowed,
    prescriber,
    ...(namedPharmacist !== undefined ? { namedPharmacist } : {}),
    ...(renews !== undefined ? { renews } : {}),
    ...(stableOnSyrupSince !== undefined ? { stableOnSyrupSince } : {}),
    ...(tsoEvidence !== undefined ? { tsoEvidence } : {}),
  });
}

function prescribeExam(command: PrescribeExam): ExamPrescribed {
  if (!examCategorySchema.safeParse(command.category).success) {
    throw new DomainRuleViolation('EXAM_CATEGORY_UNKNOWN', 'Catégorie d’examen inconnue.', {
      category: command.category,
    });
  }
  const examCode = requireText(command.examCode, 'EXAM_REQUIRED', 'L’examen prescrit est obligatoire (code).');
  const examLabel = requireText(command.examLabel, 'EXAM_REQUIRED', 'L’examen prescrit est obligatoire (libellé).');
  const instructions = command.instructions?.trim() || undefined;
  requireDay(command.prescribedOn, 'prescribedOn');
  requireDay(command.dueOn, 'dueOn');
  if (command.dueOn < command.prescribedOn) {
    throw new DomainRuleViolation(
      'EXAM_DUE_BEFORE_PRESCRIPTION',
      'L’échéance de l’examen ne peut pas précéder sa prescription.',
      { prescribedOn: command.prescribedOn, dueOn: command.dueOn },
    );
  }
  const prescriber = requirePrescriber(command.prescriber);
  const renews = requireRenewal(command, 'exam');
  return checkedData(examPrescribedSchema, {
    prescriptionId: command.prescriptionId,
    serviceUserId: command.serviceUserId,
    facilityId: command.facilityId,
    category: command.category,
    examCode,
    examLabel,
    ...(instructions !== undefined ? { instructions } : {}),
    prescribedOn: command.prescribedOn,
    dueOn: command.dueOn,
    prescriber,
    ...(renews !== undefined ? { renews } : {}),
  });
}

function requireNew(prescription: Prescription, prescriptionId: string): void {
  if (prescription.status !== 'none') {
    throw new DomainRuleViolation(
      'PRESCRIPTION_ALREADY_RECORDED',
      'Une prescription est déjà enregistrée sous cet identifiant.',
      { prescriptionId },
    );
  }
}

function requireExisting(prescription: Prescription, prescriptionId: string) {
  if (
    prescription.status === 'none' ||
    (prescription.prescriptionId !== '' && prescription.prescriptionId !== prescriptionId)
  ) {
    throw new DomainRuleViolation('PRESCRIPTION_NOT_FOUND', 'Aucune prescription sous cet identifiant.', {
      prescriptionId,
    });
  }
  if (prescription.erased) {
    throw new DomainRuleViolation('PRESCRIPTION_ERASED', 'Cette prescription concerne une personne oubliée.');
  }
  return prescription;
}

function requireMedicine(prescription: Prescription, prescriptionId: string) {
  const current = requireExisting(prescription, prescriptionId);
  if (current.kind !== 'medicine') {
    throw new DomainRuleViolation(
      'PRESCRIPTION_NOT_A_MEDICINE',
      'Cette prescription est celle d’un examen : elle s’annule, elle ne se suspend ni ne s’arrête.',
    );
  }
  if (current.status === 'stopped' || current.status === 'completed') {
    throw new DomainRuleViolation(
      'PRESCRIPTION_CLOSED',
      current.status === 'stopped' ? 'Cette prescription a été arrêtée.' : 'Cette prescription est terminée.',
      { status: current.status },
    );
  }
  return current;
}

function requireExam(prescription: Prescription, prescriptionId: string) {
  const current = requireExisting(prescription, prescriptionId);
  if (current.kind !== 'exam') {
    throw new DomainRuleViolation(
      'PRESCRIPTION_NOT_AN_EXAM',
      'Cette prescription est celle d’un médicament : elle n’a pas de résultat d’examen.',
    );
  }
  if (current.status !== 'prescribed') {
    throw new DomainRuleViolation(
      current.status === 'cancelled' ? 'EXAM_CANCELLED' : 'EXAM_RESULT_ALREADY_RECORDED',
      current.status === 'cancelled' ? 'Cet examen a été annulé.' : 'Le résultat de cet examen est déjà enregistré.',
      { status: current.status },
    );
  }
  return current;
}

/** A suspension, a resumption or a stop: on a valid day, not before the last change, within the prescription's days. */
function requireChangeDay(
  current: { lastDay: string | undefined; lastChangeOn: string | undefined },
  value: string,
  field: string,
  participle: string,
): void {
  requireDay(value, field);
  requireNotBeforeLastChange(current, value);
  if (current.lastDay !== undefined && value > current.lastDay) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_TERM_PASSED',
      `Cette prescription a couru jusqu’au ${frenchDay(current.lastDay)} : elle ne peut plus être ${participle} après ; elle est terminée.`,
      { lastDay: current.lastDay, [field]: value },
    );
  }
}

function requireNotBeforeLastChange(current: { lastChangeOn: string | undefined }, value: string): void {
  if (current.lastChangeOn !== undefined && value < current.lastChangeOn) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_DAY_BEFORE_LAST_CHANGE',
      `Cette date précède la prescription ou son dernier changement (${frenchDay(current.lastChangeOn)}).`,
      { lastChangeOn: current.lastChangeOn, day: value },
    );
  }
}

function requirePrescriber(prescriber: Prescriber | undefined): Prescriber {
  const professionalId = prescriber?.professionalId?.trim() ?? '';
  const prescriberName = prescriber?.name?.trim() ?? '';
  const address = prescriber?.address?.trim() ?? '';
  const setting = prescriberSettingSchema.safeParse(prescriber?.setting);
  if (!professionalId || !prescriberName || !address || !setting.success) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_PRESCRIBER_INCOMPLETE',
      'Le prescripteur doit être identifié : nom, adresse et lieu d’exercice (CSAPA, hôpital, autre).',
    );
  }
  return { professionalId, name: prescriberName, address, setting: setting.data };
}

/** The attestation of stability: on methadone syrup only, on or before the prescription's date. */
function requireSyrupStability(command: PrescribeMedicine): string | undefined {
  const since = command.stableOnSyrupSince;
  if (since === undefined) return undefined;
  if (command.tsoProduct !== 'methadone-syrup') {
    throw new DomainRuleViolation(
      'TSO_STABILITY_ONLY_ON_SYRUP',
      'La stabilisation sous méthadone sirop s’atteste sur une prescription de méthadone sirop.',
      { tsoProduct: command.tsoProduct },
    );
  }
  requireDay(since, 'stableOnSyrupSince');
  if (since > command.prescribedOn) {
    throw new DomainRuleViolation(
      'TSO_STABILITY_AFTER_PRESCRIPTION',
      'La date de stabilisation sous méthadone sirop ne peut pas suivre la date de l’ordonnance.',
      { stableOnSyrupSince: since, prescribedOn: command.prescribedOn },
    );
  }
  return since;
}

function requireRenewal(command: PrescribeMedicine | PrescribeExam, kind: PrescriptionKind): string | undefined {
  const previous = command.renews;
  if (previous === undefined) return undefined;
  if (previous.prescriptionId === command.prescriptionId) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_RENEWS_ITSELF',
      'Une prescription ne peut pas se renouveler elle-même.',
    );
  }
  if (previous.serviceUserId !== command.serviceUserId) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_RENEWAL_OTHER_USAGER',
      'La prescription renouvelée est celle d’un autre usager.',
      { renews: previous.prescriptionId },
    );
  }
  if (previous.kind !== kind) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_RENEWAL_OTHER_KIND',
      kind === 'medicine'
        ? 'Un médicament ne renouvelle pas la prescription d’un examen.'
        : 'Un examen ne renouvelle pas la prescription d’un médicament.',
      { renews: previous.prescriptionId },
    );
  }
  return previous.prescriptionId;
}

/** The last guard: what is emitted always matches its schema; a field out of bounds is refused, in French. */
function checkedData<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(prescription)'))];
    throw new DomainRuleViolation(
      'PRESCRIPTION_FIELD_INVALID',
      `Prescription incomplète ou mal formée : ${fields.join(', ')}.`,
      { fields },
    );
  }
  return parsed.data;
}

function requireText(value: string | undefined, code: string, message: string): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (trimmed.length === 0) throw new DomainRuleViolation(code, message);
  return trimmed;
}

function requireReason(value: string, message: string): string {
  const reason = requireText(value, 'PRESCRIPTION_REASON_REQUIRED', message);
  if (reason.length > MAX_TEXT_LENGTH) {
    throw new DomainRuleViolation('REASON_TOO_LONG', `Le motif dépasse ${MAX_TEXT_LENGTH} caractères.`, {
      maxLength: MAX_TEXT_LENGTH,
    });
  }
  return reason;
}

function requireDay(value: string, field: string): void {
  if (!day.safeParse(value).success) {
    throw new DomainRuleViolation('PRESCRIPTION_DAY_INVALID', 'Date invalide (AAAA-MM-JJ attendu).', {
      field,
      day: value,
    });
  }
}

function erasedBase(): PrescriptionBase {
  return {
    prescriptionId: '',
    erased: true,
    serviceUserId: undefined,
    prescribedOn: undefined,
    lastChangeOn: undefined,
  };
}

/** A day of an event's data; undefined when the usager was forgotten. */
function dayOf(data: object, key: string): string | undefined {
  if ('$erased' in data) return undefined;
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

function addDays(value: string, days: number): string {
  const date = new Date(`${value}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function frenchDay(value: string): string {
  return `${value.slice(8, 10)}/${value.slice(5, 7)}/${value.slice(0, 4)}`;
}
