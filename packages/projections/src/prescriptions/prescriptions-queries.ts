import {
  addCalendarDays,
  EXAM_DUE_SOON_DAYS,
  type ExamCategory,
  type ExamOutcome,
  type ExamPrescriptionStatus,
  type ExamWarning,
  examWarning,
  type MedicinePrescriptionStatus,
  medicineDaysCovered,
  type Prescriber,
  type PrescriberSetting,
  type PrescriptionKind,
  type RecordedTsoPrescription,
  TSO_DEFAULT_FRACTION_DAYS,
  type TsoHistory,
  type TsoProduct,
  tsoHistoryFor,
} from '@dui-pds/domain';
import type { Knex } from 'knex';

export interface MedicineTerms {
  productId: string;
  productName: string;
  /** Set for an opioid substitution product: the TSO rules apply. */
  tsoProduct: TsoProduct | null;
  dose: string;
  posology: string;
  dailyUnits: number;
  startsOn: string;
  durationDays: number;
  lastDay: string;
  /** Days per fraction, `'single'` for « délivrance en une seule fois », null when none written. */
  fractionDays: number | 'single' | null;
  overlapAllowed: boolean;
  namedPharmacist: string | null;
  /** The prescriber's attestation, on a methadone syrup prescription. */
  stableOnSyrupSince: string | null;
  /** What the TSO rules relied on. */
  tsoEvidence: { stableOnSyrupSince?: string; overlappedPrescriptionIds: string[] } | null;
}

export interface ExamTerms {
  category: ExamCategory;
  examCode: string;
  examLabel: string;
  instructions: string | null;
  dueOn: string;
  warning: ExamWarning;
  result: { resultOn: string; text: string; outcome: ExamOutcome | null; recordedBy: string } | null;
}

/** One prescription as it stands. */
export interface PrescriptionView {
  prescriptionId: string;
  serviceUserId: string;
  facilityId: string;
  kind: PrescriptionKind;
  status: MedicinePrescriptionStatus | ExamPrescriptionStatus;
  /**
   * A medicine prescribed or suspended whose last day has not passed, an exam awaiting its result:
   * what the care team acts on today.
   */
  inForce: boolean;
  prescribedOn: string;
  prescriber: Prescriber;
  renews: string | null;
  /** The day of its latest change (its date when none), and the reason of a suspension, stop or cancellation. */
  lastChangeOn: string;
  changeReason: string | null;
  medicine: MedicineTerms | null;
  exam: ExamTerms | null;
  /** The revision of the prescription's stream, for `If-Match`. */
  revision: number;
}

/** An exam awaiting its result whose due day is near or passed. */
export interface ExamDue {
  prescriptionId: string;
  serviceUserId: string;
  category: ExamCategory;
  examCode: string;
  examLabel: string;
  prescribedOn: string;
  dueOn: string;
  prescriberName: string;
  warning: Exclude<ExamWarning, 'none'>;
  revision: number;
}

interface PrescriptionRow {
  prescription_id: string;
  facility_id: string;
  service_user_id: string;
  kind: PrescriptionKind;
  status: MedicinePrescriptionStatus | ExamPrescriptionStatus;
  prescribed_on: string;
  prescriber_id: string;
  prescriber_name: string;
  prescriber_address: string;
  prescriber_setting: PrescriberSetting;
  renews: string | null;
  product_id: string | null;
  product_name: string | null;
  tso_product: TsoProduct | null;
  dose: string | null;
  posology: string | null;
  daily_units: number | string | null;
  starts_on: string | null;
  duration_days: number | null;
  last_day: string | null;
  fraction_days: number | null;
  single_delivery: boolean | null;
  overlap_allowed: boolean | null;
  named_pharmacist: string | null;
  stable_on_syrup_since: string | null;
  tso_evidence: MedicineTerms['tsoEvidence'] | string | null;
  category: ExamCategory | null;
  exam_code: string | null;
  exam_label: string | null;
  instructions: string | null;
  due_on: string | null;
  result_on: string | null;
  result: string | null;
  outcome: ExamOutcome | null;
  result_recorded_by: string | null;
  changed_on: string;
  change_reason: string | null;
  revision: number;
}

function toView(row: PrescriptionRow, today: string): PrescriptionView {
  const medicine = row.kind === 'medicine' ? medicineTerms(row) : null;
  const exam = row.kind === 'exam' ? examTerms(row, today) : null;
  const inForce =
    medicine !== null
      ? (row.status === 'prescribed' || row.status === 'suspended') && medicine.lastDay >= today
      : row.status === 'prescribed';
  return {
    prescriptionId: row.prescription_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    kind: row.kind,
    status: row.status,
    inForce,
    prescribedOn: row.prescribed_on,
    prescriber: prescriberOf(row),
    renews: row.renews,
    lastChangeOn: row.changed_on,
    changeReason: row.change_reason,
    medicine,
    exam,
    revision: Number(row.revision),
  };
}

function prescriberOf(row: PrescriptionRow): Prescriber {
  return {
    professionalId: row.prescriber_id,
    name: row.prescriber_name,
    address: row.prescriber_address,
    setting: row.prescriber_setting,
  };
}

function medicineTerms(row: PrescriptionRow): MedicineTerms {
  const evidence = typeof row.tso_evidence === 'string' ? JSON.parse(row.tso_evidence) : row.tso_evidence;
  return {
    productId: row.product_id ?? '',
    productName: row.product_name ?? '',
    tsoProduct: row.tso_product,
    dose: row.dose ?? '',
    posology: row.posology ?? '',
    dailyUnits: Number(row.daily_units),
    startsOn: row.starts_on ?? row.prescribed_on,
    durationDays: Number(row.duration_days),
    lastDay: row.last_day ?? row.prescribed_on,
    fractionDays: row.single_delivery ? 'single' : row.fraction_days === null ? null : Number(row.fraction_days),
    overlapAllowed: row.overlap_allowed === true,
    namedPharmacist: row.named_pharmacist,
    stableOnSyrupSince: row.stable_on_syrup_since,
    tsoEvidence: evidence ?? null,
  };
}

function examTerms(row: PrescriptionRow, today: string): ExamTerms {
  const dueOn = row.due_on ?? row.prescribed_on;
  return {
    category: row.category ?? 'other',
    examCode: row.exam_code ?? '',
    examLabel: row.exam_label ?? '',
    instructions: row.instructions,
    dueOn,
    warning: examWarning({ dueOn, status: row.status as ExamPrescriptionStatus }, today),
    result:
      row.result_on === null
        ? null
        : {
            resultOn: row.result_on,
            text: row.result ?? '',
            outcome: row.outcome,
            recordedBy: row.result_recorded_by ?? '',
          },
  };
}

/**
 * The prescriptions of one usager in one ESSMS as they stand on `today` (`YYYY-MM-DD`): those in
 * force first, then the latest prescribed first.
 */
export async function prescriptionsOfServiceUser(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string; today: string },
): Promise<PrescriptionView[]> {
  const rows = (await db.withSchema(readSchema).from('prescriptions').where({
    organisation_id: where.organisationId,
    service_user_id: where.serviceUserId,
    facility_id: where.facilityId,
  })) as PrescriptionRow[];
  return rows
    .map((row) => toView(row, where.today))
    .sort(
      (a, b) =>
        Number(b.inForce) - Number(a.inForce) ||
        compare(b.prescribedOn, a.prescribedOn) ||
        compare(a.prescriptionId, b.prescriptionId),
    );
}

/** One prescription; undefined when there is none under this id in this organisation (or its usager was forgotten). */
export async function prescriptionById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; prescriptionId: string; today: string },
): Promise<PrescriptionView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('prescriptions')
    .where({ organisation_id: where.organisationId, prescription_id: where.prescriptionId })
    .first()) as PrescriptionRow | undefined;
  return row === undefined ? undefined : toView(row, where.today);
}

/**
 * The status each of these medicine prescriptions has in the record (`prescribed`, `suspended`,
 * `stopped`, `completed`), by id; an id the record does not hold (or whose usager was forgotten) is absent.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function medicinePrescriptionStatuses(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; prescriptionIds: readonly string[] },
): Promise<Map<string, MedicinePrescriptionStatus>> {
  // the column is a uuid: an id of another shape is not in the record, and must not fail the query
  const ids = where.prescriptionIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return new Map();
  const rows: { prescription_id: string; status: MedicinePrescriptionStatus }[] = await db
    .withSchema(readSchema)
    .from('prescriptions')
    .where({ organisation_id: where.organisationId, kind: 'medicine' })
    .whereIn('prescription_id', ids)
    .select('prescription_id', 'status');
  return new Map(rows.map((row) => [row.prescription_id, row.status]));
}

/**
 * The usager's TSO prescriptions as the record holds them, in every ESSMS of the organisation,
 * each with the days it really covered (a stopped one up to the day before its stop).
 */
export async function recordedTsoPrescriptions(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string },
): Promise<RecordedTsoPrescription[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('prescriptions')
    .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId, kind: 'medicine' })
    .whereNotNull('tso_product')
    .orderBy([
      { column: 'starts_on', order: 'asc' },
      { column: 'prescription_id', order: 'asc' },
    ])) as PrescriptionRow[];
  return rows.map((row) => {
    const terms = medicineTerms(row);
    const durationDays = medicineDaysCovered(terms, row.status === 'stopped' ? row.changed_on : undefined);
    return {
      prescription: {
        prescriptionId: row.prescription_id,
        serviceUserId: row.service_user_id,
        product: terms.tsoProduct as TsoProduct,
        prescribedOn: row.prescribed_on,
        startsOn: terms.startsOn,
        durationDays,
        dailyUnits: terms.dailyUnits,
        fractionDays: terms.fractionDays ?? TSO_DEFAULT_FRACTION_DAYS,
        overlapAllowed: terms.overlapAllowed,
        prescriber: prescriberOf(row),
        namedPharmacist: terms.namedPharmacist ?? '',
      },
      ...(terms.stableOnSyrupSince === null ? {} : { stableOnSyrupSince: terms.stableOnSyrupSince }),
    };
  });
}

/**
 * What a new TSO prescription of the usager is checked against (`tsoHistoryFor`): their earlier
 * TSO prescriptions that covered days, and the day since which they are stable on syrup when a
 * doctor attested it and methadone has run without a gap since.
 */
export async function tsoHistoryOfServiceUser(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; prescribedOn: string; startsOn: string },
): Promise<TsoHistory> {
  const recorded = await recordedTsoPrescriptions(db, readSchema, where);
  return tsoHistoryFor(recorded, { prescribedOn: where.prescribedOn, startsOn: where.startsOn });
}

/**
 * The exams of one ESSMS awaiting their result that are overdue or due within
 * `EXAM_DUE_SOON_DAYS` of `today`, the longest overdue first. SQL narrows to the exams due by then;
 * the warning itself is the domain's `examWarning`.
 */
export async function examsDue(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; today: string },
): Promise<ExamDue[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('prescriptions')
    .where({ organisation_id: where.organisationId, facility_id: where.facilityId, kind: 'exam', status: 'prescribed' })
    .where('due_on', '<=', addCalendarDays(where.today, EXAM_DUE_SOON_DAYS))
    .orderBy([
      { column: 'due_on', order: 'asc' },
      { column: 'prescription_id', order: 'asc' },
    ])) as PrescriptionRow[];
  return rows.flatMap((row): ExamDue[] => {
    const exam = examTerms(row, where.today);
    if (exam.warning === 'none') return [];
    return [
      {
        prescriptionId: row.prescription_id,
        serviceUserId: row.service_user_id,
        category: exam.category,
        examCode: exam.examCode,
        examLabel: exam.examLabel,
        prescribedOn: row.prescribed_on,
        dueOn: exam.dueOn,
        prescriberName: row.prescriber_name,
        warning: exam.warning,
        revision: Number(row.revision),
      },
    ];
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
