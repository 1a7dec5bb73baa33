import {
  type ExamPrescribed,
  examWarning,
  type MedicinePrescribed,
  type PrescriptionEvent,
  prescriptionStreamId,
} from '@dui-pds/domain';
import { METHADONE_SYRUP_40_MG } from '@dui-pds/domain/testing';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { prescriptionsProjection } from './prescriptions-projection.js';
import {
  examsDue,
  prescriptionById,
  prescriptionsOfServiceUser,
  recordedTsoPrescriptions,
  tsoHistoryOfServiceUser,
} from './prescriptions-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const caarud = '750000002';
const id = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;
const csapaDoctor = {
  professionalId: 'pro-doctor',
  name: 'Dr Claire Martin',
  address: 'CSAPA Le Relais, 12 rue des Lilas, 75020 Paris',
  setting: 'csapa' as const,
};

function stream(
  prescriptionId: string,
  events: PrescriptionEvent[],
  where: { organisation?: string; serviceUserId?: string } = {},
): GivenEvent[] {
  const organisation = where.organisation ?? organisationId;
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: prescriptionStreamId(organisation, prescriptionId),
    metadata: { organisationId: organisation, facilityId: csapa, serviceUserId: where.serviceUserId ?? 'usager-1' },
  }));
}
const syrup = (prescriptionId: string, data: Partial<MedicinePrescribed> = {}): PrescriptionEvent => ({
  type: 'MedicinePrescribed',
  data: {
    prescriptionId,
    serviceUserId: 'usager-1',
    facilityId: csapa,
    ...METHADONE_SYRUP_40_MG,
    prescribedOn: '2025-03-03',
    startsOn: '2025-03-03',
    durationDays: 14,
    fractionDays: 7,
    overlapAllowed: false,
    prescriber: csapaDoctor,
    namedPharmacist: 'Pharmacie du CSAPA',
    tsoEvidence: { overlappedPrescriptionIds: [] },
    ...data,
  },
});
const screening = (prescriptionId: string, data: Partial<ExamPrescribed> = {}): PrescriptionEvent => ({
  type: 'ExamPrescribed',
  data: {
    prescriptionId,
    serviceUserId: 'usager-1',
    facilityId: csapa,
    category: 'hiv-screening',
    examCode: 'TROD-VIH',
    examLabel: 'TROD VIH',
    prescribedOn: '2025-03-03',
    dueOn: '2025-03-17',
    prescriber: csapaDoctor,
    ...data,
  },
});
const stopped = (prescriptionId: string, stoppedOn: string): PrescriptionEvent => ({
  type: 'PrescriptionStopped',
  data: { prescriptionId, stoppedOn, reason: 'changement de posologie' },
});
const common = {
  organisation_id: organisationId,
  facility_id: csapa,
  service_user_id: 'usager-1',
  prescribed_on: '2025-03-03',
  prescriber_id: 'pro-doctor',
  prescriber_name: 'Dr Claire Martin',
  prescriber_address: 'CSAPA Le Relais, 12 rue des Lilas, 75020 Paris',
  prescriber_setting: 'csapa',
  renews: null,
};
const noMedicine = {
  product_id: null,
  product_name: null,
  tso_product: null,
  dose: null,
  posology: null,
  daily_units: null,
  starts_on: null,
  duration_days: null,
  last_day: null,
  fraction_days: null,
  single_delivery: null,
  overlap_allowed: null,
  named_pharmacist: null,
  stable_on_syrup_since: null,
  tso_evidence: null,
};
const noExam = {
  category: null,
  exam_code: null,
  exam_label: null,
  instructions: null,
  due_on: null,
  result_on: null,
  result: null,
  outcome: null,
  result_recorded_by: null,
};

describe('the prescriptions projection', () => {
  const spec = ProjectionSpecification.for(prescriptionsProjection);
  after(() => spec.close());

  it('keeps each prescription with its terms, its latest change and its revision', () =>
    spec
      .given([
        ...stream(id(1), [
          syrup(id(1), { fractionDays: 'single', stableOnSyrupSince: '2023-09-01' }),
          {
            type: 'PrescriptionSuspended',
            data: { prescriptionId: id(1), suspendedOn: '2025-03-05', reason: 'hospitalisation' },
          },
        ]),
        ...stream(id(2), [
          screening(id(2)),
          {
            type: 'ExamResultRecorded',
            data: {
              prescriptionId: id(2),
              resultOn: '2025-03-10',
              result: 'non réactif',
              outcome: 'negative',
              recordedBy: 'pro-nurse',
            },
          },
        ]),
      ])
      .thenTable('prescriptions', [
        {
          ...common,
          prescription_id: id(1),
          kind: 'medicine',
          status: 'suspended',
          product_id: 'methadone-sirop-40',
          product_name: 'Méthadone AP-HP 40 mg, sirop',
          tso_product: 'methadone-syrup',
          dose: '40 mg',
          posology: 'Un flacon de 40 mg chaque matin',
          daily_units: 1,
          starts_on: '2025-03-03',
          duration_days: 14,
          last_day: '2025-03-16',
          fraction_days: null,
          single_delivery: true,
          overlap_allowed: false,
          named_pharmacist: 'Pharmacie du CSAPA',
          stable_on_syrup_since: '2023-09-01',
          tso_evidence: { overlappedPrescriptionIds: [] },
          ...noExam,
          changed_on: '2025-03-05',
          change_reason: 'hospitalisation',
          revision: 1,
        },
        {
          ...common,
          prescription_id: id(2),
          kind: 'exam',
          status: 'result-recorded',
          ...noMedicine,
          category: 'hiv-screening',
          exam_code: 'TROD-VIH',
          exam_label: 'TROD VIH',
          instructions: null,
          due_on: '2025-03-17',
          result_on: '2025-03-10',
          result: 'non réactif',
          outcome: 'negative',
          result_recorded_by: 'pro-nurse',
          changed_on: '2025-03-10',
          change_reason: null,
          revision: 1,
        },
      ]));

  it('drops a forgotten usager’s prescriptions, and leaves the others’', async () => {
    const schema = await spec.modelAfter([
      ...stream(id(1), [syrup(id(1)), stopped(id(1), '2025-03-05')]).map((event) => erased(event)),
      ...stream(id(2), [screening(id(2), { serviceUserId: 'usager-2' })], { serviceUserId: 'usager-2' }),
    ]);
    const rows = await spec.db.withSchema(schema).from('prescriptions').select('prescription_id');
    expect(rows).to.deep.equal([{ prescription_id: id(2) }]);
  });

  it('lists a usager’s prescriptions in one ESSMS, those in force first, then the latest prescribed', async () => {
    // given a syrup ended, a syrup running, an exam awaiting its result, one done, and one elsewhere
    const schema = await spec.modelAfter([
      ...stream(id(1), [syrup(id(1), { prescribedOn: '2025-02-17', startsOn: '2025-02-17' })]),
      ...stream(id(2), [syrup(id(2))]),
      ...stream(id(3), [screening(id(3), { prescribedOn: '2025-02-01', dueOn: '2025-02-10' })]),
      ...stream(id(4), [
        screening(id(4), { prescribedOn: '2025-03-04' }),
        { type: 'ExamCancelled', data: { prescriptionId: id(4), cancelledOn: '2025-03-05', reason: 'fait en ville' } },
      ]),
      ...stream(id(5), [screening(id(5), { facilityId: caarud })]),
    ]);

    // when
    const listed = await prescriptionsOfServiceUser(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      facilityId: csapa,
      today: '2025-03-10',
    });

    // then
    expect(listed.map((p) => [p.prescriptionId, p.inForce])).to.deep.equal([
      [id(2), true],
      [id(3), true],
      [id(4), false],
      [id(1), false],
    ]);
    expect(listed[0]?.medicine).to.deep.include({
      tsoProduct: 'methadone-syrup',
      fractionDays: 7,
      lastDay: '2025-03-16',
      namedPharmacist: 'Pharmacie du CSAPA',
      stableOnSyrupSince: null,
    });
    expect(listed[1]?.exam).to.deep.include({ dueOn: '2025-02-10', warning: 'overdue', result: null });
    expect(listed[2]).to.deep.include({
      status: 'cancelled',
      changeReason: 'fait en ville',
      lastChangeOn: '2025-03-05',
    });
    const one = await prescriptionById(spec.db, schema, { organisationId, prescriptionId: id(2), today: '2025-03-17' });
    expect(one).to.deep.include({ inForce: false, revision: 0, prescriber: csapaDoctor });
    expect(
      await prescriptionById(spec.db, schema, { organisationId: 'og-2', prescriptionId: id(2), today: '2025-03-10' }),
    ).to.equal(undefined);
  });

  it('gives the TSO history from the record: days really covered, and an attestation kept while methadone runs', async () => {
    // given syrup attested stable since 2023-09-01, renewed back to back, one stopped early, BHD of another usager
    const schema = await spec.modelAfter([
      ...stream(id(1), [
        syrup(id(1), { prescribedOn: '2025-02-17', startsOn: '2025-02-17', stableOnSyrupSince: '2023-09-01' }),
      ]),
      ...stream(id(2), [syrup(id(2)), stopped(id(2), '2025-03-10')]),
      ...stream(id(3), [syrup(id(3), { prescribedOn: '2025-03-10', startsOn: '2025-03-10', overlapAllowed: true })]),
      ...stream(id(4), [
        syrup(id(4), { prescribedOn: '2025-03-01', startsOn: '2025-03-02' }),
        stopped(id(4), '2025-03-01'),
      ]),
      ...stream(id(9), [syrup(id(9), { serviceUserId: 'usager-2', tsoProduct: 'buprenorphine-hd' })], {
        serviceUserId: 'usager-2',
      }),
      ...stream(id(8), [screening(id(8))]),
    ]);

    // when
    const recorded = await recordedTsoPrescriptions(spec.db, schema, { organisationId, serviceUserId: 'usager-1' });
    const inTime = await tsoHistoryOfServiceUser(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      prescribedOn: '2025-03-20',
      startsOn: '2025-03-24',
    });
    const afterGap = await tsoHistoryOfServiceUser(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      prescribedOn: '2025-03-20',
      startsOn: '2025-03-25',
    });

    // then
    expect(
      recorded.map((r) => [r.prescription.prescriptionId, r.prescription.durationDays, r.stableOnSyrupSince]),
    ).to.deep.equal([
      [id(1), 14, '2023-09-01'],
      [id(4), 0, undefined],
      [id(2), 7, undefined],
      [id(3), 14, undefined],
    ]);
    expect(inTime.stableOnSyrupSince).to.equal('2023-09-01');
    expect(inTime.earlierPrescriptions.map((p) => p.prescriptionId)).to.deep.equal([id(1), id(2), id(3)]);
    expect(inTime.earlierPrescriptions[1]).to.deep.include({
      durationDays: 7,
      prescriber: csapaDoctor,
      fractionDays: 7,
    });
    expect(afterGap.stableOnSyrupSince).to.equal(undefined);
  });

  it('lists the exams due in an ESSMS, the longest overdue first', async () => {
    const schema = await spec.modelAfter([
      ...stream(id(1), [screening(id(1), { dueOn: '2025-03-17' })]),
      ...stream(id(2), [screening(id(2), { dueOn: '2025-03-05', category: 'hcv-screening' })]),
      ...stream(id(3), [screening(id(3), { dueOn: '2025-03-30' })]),
      ...stream(id(4), [
        screening(id(4), { dueOn: '2025-03-04' }),
        {
          type: 'ExamResultRecorded',
          data: { prescriptionId: id(4), resultOn: '2025-03-04', result: 'négatif', recordedBy: 'pro-nurse' },
        },
      ]),
      ...stream(id(5), [screening(id(5), { facilityId: caarud, dueOn: '2025-03-04' })]),
    ]);
    const due = await examsDue(spec.db, schema, { organisationId, facilityId: csapa, today: '2025-03-10' });
    expect(due.map((exam) => [exam.prescriptionId, exam.warning])).to.deep.equal([
      [id(2), 'overdue'],
      [id(1), 'due-soon'],
    ]);
    expect(due[0]).to.include({
      category: 'hcv-screening',
      serviceUserId: 'usager-1',
      prescriberName: 'Dr Claire Martin',
      revision: 0,
    });
  });

  it('lists exactly the exams the domain warns about, whatever their days and outcome', async () => {
    const exam = fc.record({
      dueIn: fc.integer({ min: -20, max: 20 }),
      end: fc.constantFrom('none', 'result', 'cancelled'),
    });
    const today = '2025-06-15';
    const dayIn = (days: number) =>
      new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    await fc.assert(
      fc.asyncProperty(fc.array(exam, { minLength: 1, maxLength: 5 }), async (exams) => {
        const given: GivenEvent[] = [];
        const expected: string[] = [];
        exams.forEach(({ dueIn, end }, index) => {
          const prescriptionId = id(index + 1);
          const dueOn = dayIn(dueIn);
          const events: PrescriptionEvent[] = [screening(prescriptionId, { prescribedOn: '2025-05-01', dueOn })];
          if (end === 'result') {
            events.push({
              type: 'ExamResultRecorded',
              data: { prescriptionId, resultOn: '2025-05-02', result: 'négatif', recordedBy: 'pro-nurse' },
            });
          }
          if (end === 'cancelled') {
            events.push({
              type: 'ExamCancelled',
              data: { prescriptionId, cancelledOn: '2025-05-02', reason: 'refus' },
            });
          }
          given.push(...stream(prescriptionId, events));
          const status = end === 'result' ? 'result-recorded' : end === 'cancelled' ? 'cancelled' : 'prescribed';
          if (examWarning({ dueOn, status }, today) !== 'none') expected.push(`${dueOn}|${prescriptionId}`);
        });
        const schema = await spec.modelAfter(given);
        const due = await examsDue(spec.db, schema, { organisationId, facilityId: csapa, today });
        expect(due.map((e) => `${e.dueOn}|${e.prescriptionId}`)).to.deep.equal(expected.sort());
      }),
      { numRuns: 20 },
    );
  });
});
