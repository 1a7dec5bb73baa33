import {
  type ExamCancelled,
  type ExamPrescribed,
  type ExamResultRecorded,
  type MedicinePrescribed,
  medicineLastDay,
  type PrescriptionCompleted,
  type PrescriptionEventType,
  type PrescriptionResumed,
  type PrescriptionStopped,
  type PrescriptionSuspended,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly PrescriptionEventType[] = [
  'MedicinePrescribed',
  'ExamPrescribed',
  'PrescriptionSuspended',
  'PrescriptionResumed',
  'PrescriptionStopped',
  'PrescriptionCompleted',
  'ExamResultRecorded',
  'ExamCancelled',
];

/**
 * The prescriptions of usagers, one row per prescription (its stream, `prescriptionStreamId`):
 * a medicine (product, dose and posology, days, fractions, TSO terms and what the rules relied on)
 * or an exam (category, due day, result and its outcome), the prescriber, the status with the day
 * and reason of its latest change, and the stream's revision. Read with `prescriptionsOfServiceUser`,
 * `prescriptionById`, `tsoHistoryOfServiceUser` and `examsDue`.
 *
 * A forgotten usager's prescriptions leave the model: the stream of an erased event is enough to
 * remove the row.
 */
export const prescriptionsProjection = defineProjection({
  name: 'prescriptions',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('prescriptions', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('prescription_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('kind').notNullable();
      table.text('status').notNullable();
      table.text('prescribed_on').notNullable();
      table.text('prescriber_id').notNullable();
      table.text('prescriber_name').notNullable();
      table.text('prescriber_address').notNullable();
      table.text('prescriber_setting').notNullable();
      table.uuid('renews');
      // a medicine
      table.text('product_id');
      table.text('product_name');
      table.text('tso_product');
      table.text('dose');
      table.text('posology');
      table.double('daily_units');
      table.text('starts_on');
      table.integer('duration_days');
      table.text('last_day');
      // days per fraction; null when none written, or « délivrance en une seule fois » (single_delivery)
      table.integer('fraction_days');
      table.boolean('single_delivery');
      table.boolean('overlap_allowed');
      table.text('named_pharmacist');
      table.text('stable_on_syrup_since');
      table.jsonb('tso_evidence');
      // an exam
      table.text('category');
      table.text('exam_code');
      table.text('exam_label');
      table.text('instructions');
      table.text('due_on');
      table.text('result_on');
      table.text('result');
      table.text('outcome');
      table.text('result_recorded_by');
      // the latest change: suspended, resumed, stopped, completed, result recorded, cancelled
      table.text('changed_on').notNullable();
      table.text('change_reason');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'prescription_id']);
      table.index(['organisation_id', 'service_user_id']);
      table.index(['organisation_id', 'facility_id', 'kind', 'status', 'due_on']);
    });
  },
  async evolve(event, { table }) {
    const prescriptionId = prescriptionIdOf(event.streamId);
    const row = () =>
      table('prescriptions').where({ organisation_id: event.metadata.organisationId, prescription_id: prescriptionId });
    if (isErased(event.data)) {
      await row().delete();
      return;
    }
    const change = (values: Record<string, unknown>) => row().update({ ...values, revision: event.streamRevision });
    switch (event.type as PrescriptionEventType) {
      case 'MedicinePrescribed': {
        const data = event.data as MedicinePrescribed;
        await insert({
          ...common(event, data),
          kind: 'medicine',
          product_id: data.productId,
          product_name: data.productName,
          tso_product: data.tsoProduct ?? null,
          dose: data.dose,
          posology: data.posology,
          daily_units: data.dailyUnits,
          starts_on: data.startsOn,
          duration_days: data.durationDays,
          last_day: medicineLastDay(data),
          fraction_days: typeof data.fractionDays === 'number' ? data.fractionDays : null,
          single_delivery: data.fractionDays === 'single',
          overlap_allowed: data.overlapAllowed,
          named_pharmacist: data.namedPharmacist ?? null,
          stable_on_syrup_since: data.stableOnSyrupSince ?? null,
          tso_evidence: data.tsoEvidence === undefined ? null : JSON.stringify(data.tsoEvidence),
        });
        return;
      }
      case 'ExamPrescribed': {
        const data = event.data as ExamPrescribed;
        await insert({
          ...common(event, data),
          kind: 'exam',
          category: data.category,
          exam_code: data.examCode,
          exam_label: data.examLabel,
          instructions: data.instructions ?? null,
          due_on: data.dueOn,
        });
        return;
      }
      case 'PrescriptionSuspended': {
        const data = event.data as PrescriptionSuspended;
        await change({ status: 'suspended', changed_on: data.suspendedOn, change_reason: data.reason });
        return;
      }
      case 'PrescriptionResumed': {
        const data = event.data as PrescriptionResumed;
        await change({ status: 'prescribed', changed_on: data.resumedOn, change_reason: null });
        return;
      }
      case 'PrescriptionStopped': {
        const data = event.data as PrescriptionStopped;
        await change({ status: 'stopped', changed_on: data.stoppedOn, change_reason: data.reason });
        return;
      }
      case 'PrescriptionCompleted': {
        const data = event.data as PrescriptionCompleted;
        await change({ status: 'completed', changed_on: data.completedOn, change_reason: null });
        return;
      }
      case 'ExamResultRecorded': {
        const data = event.data as ExamResultRecorded;
        await change({
          status: 'result-recorded',
          changed_on: data.resultOn,
          change_reason: null,
          result_on: data.resultOn,
          result: data.result,
          outcome: data.outcome ?? null,
          result_recorded_by: data.recordedBy,
        });
        return;
      }
      case 'ExamCancelled': {
        const data = event.data as ExamCancelled;
        await change({ status: 'cancelled', changed_on: data.cancelledOn, change_reason: data.reason });
        return;
      }
    }

    async function insert(values: Record<string, unknown>) {
      await table('prescriptions').insert(values).onConflict(['organisation_id', 'prescription_id']).ignore();
    }
  },
});

function common(event: RecordedEvent, data: MedicinePrescribed | ExamPrescribed) {
  return {
    organisation_id: event.metadata.organisationId,
    prescription_id: data.prescriptionId,
    facility_id: data.facilityId,
    service_user_id: data.serviceUserId,
    status: 'prescribed',
    prescribed_on: data.prescribedOn,
    prescriber_id: data.prescriber.professionalId,
    prescriber_name: data.prescriber.name,
    prescriber_address: data.prescriber.address,
    prescriber_setting: data.prescriber.setting,
    renews: data.renews ?? null,
    changed_on: data.prescribedOn,
    change_reason: null,
    revision: event.streamRevision,
  };
}

/** Prescriptions live in streams `prescription/<organisation>/<prescriptionId>` (`prescriptionStreamId`). */
function prescriptionIdOf(streamId: RecordedEvent['streamId']): string {
  return streamId.split('/').at(-1) ?? streamId;
}
