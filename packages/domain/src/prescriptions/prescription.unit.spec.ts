import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { TSO_PRODUCTS, type TsoPrescription } from '../opioid-substitution/tso-rules.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  EXAM_CATEGORIES,
  EXAM_OUTCOMES,
  type ExamOutcome,
  type ExamPrescribed,
  isScreening,
  type MedicinePrescribed,
  medicineDaysCovered,
  medicineLastDay,
  type PrescribeExam,
  type PrescribeMedicine,
  type Prescriber,
  type PrescriptionCommand,
  type PrescriptionEvent,
  prescriptionDecider,
  prescriptionEventSchemas,
  prescriptionStreamId,
  tsoPrescriptionOf,
} from './prescription.js';

const spec = DeciderSpecification.for(prescriptionDecider);
const prescriptionId = '0195f0a0-0000-7000-8000-00000000a001';
const previousId = '0195f0a0-0000-7000-8000-00000000a000';
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

const csapaDoctor = {
  professionalId: 'rpps-10000000001',
  name: 'Dr Claire Martin',
  address: 'CSAPA Le Relais, 12 rue des Lilas, 75020 Paris',
  setting: 'csapa' as const,
};
const generalPractitioner = { ...csapaDoctor, professionalId: 'rpps-10000000002', setting: 'other' as const };

const prescribeParacetamol: PrescribeMedicine = {
  type: 'PrescribeMedicine',
  prescriptionId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  productId: 'paracetamol-500',
  productName: 'Paracétamol 500 mg, comprimé',
  dose: '500 mg',
  posology: '1 comprimé matin, midi et soir',
  dailyUnits: 3,
  prescribedOn: '2025-03-03',
  durationDays: 5,
  prescriber: generalPractitioner,
};
const paracetamol: MedicinePrescribed = {
  prescriptionId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  productId: 'paracetamol-500',
  productName: 'Paracétamol 500 mg, comprimé',
  dose: '500 mg',
  posology: '1 comprimé matin, midi et soir',
  dailyUnits: 3,
  prescribedOn: '2025-03-03',
  startsOn: '2025-03-03',
  durationDays: 5,
  overlapAllowed: false,
  prescriber: generalPractitioner,
};
const paracetamolPrescribed: PrescriptionEvent = { type: 'MedicinePrescribed', data: paracetamol };

const prescribeMethadone: PrescribeMedicine = {
  type: 'PrescribeMedicine',
  prescriptionId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  productId: 'methadone-sirop-40',
  productName: 'Méthadone AP-HP 40 mg, sirop en récipient unidose',
  tsoProduct: 'methadone-syrup',
  dose: '40 mg',
  posology: 'Un flacon de 40 mg chaque matin',
  dailyUnits: 1,
  prescribedOn: '2025-03-03',
  durationDays: 14,
  prescriber: csapaDoctor,
  namedPharmacist: 'Pharmacie du CSAPA, Mme Leroy',
  tsoHistory: { earlierPrescriptions: [] },
};
const methadone: MedicinePrescribed = {
  prescriptionId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  productId: 'methadone-sirop-40',
  productName: 'Méthadone AP-HP 40 mg, sirop en récipient unidose',
  tsoProduct: 'methadone-syrup',
  dose: '40 mg',
  posology: 'Un flacon de 40 mg chaque matin',
  dailyUnits: 1,
  prescribedOn: '2025-03-03',
  startsOn: '2025-03-03',
  durationDays: 14,
  fractionDays: 7,
  overlapAllowed: false,
  prescriber: csapaDoctor,
  namedPharmacist: 'Pharmacie du CSAPA, Mme Leroy',
  tsoEvidence: { overlappedPrescriptionIds: [] },
};
const methadonePrescribed: PrescriptionEvent = { type: 'MedicinePrescribed', data: methadone };
/** The earlier methadone prescription of the same CSAPA doctor, 2025-02-18 to 2025-03-03. */
const earlierMethadone: TsoPrescription = {
  prescriptionId: previousId,
  serviceUserId: 'usager-1',
  product: 'methadone-syrup',
  prescribedOn: '2025-02-18',
  startsOn: '2025-02-18',
  durationDays: 14,
  dailyUnits: 1,
  fractionDays: 7,
  overlapAllowed: false,
  prescriber: csapaDoctor,
  namedPharmacist: 'Pharmacie du CSAPA, Mme Leroy',
};

const prescribeHivScreening: PrescribeExam = {
  type: 'PrescribeExam',
  prescriptionId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  category: 'hiv-screening',
  examCode: 'TROD-VIH',
  examLabel: 'Test rapide d’orientation diagnostique du VIH',
  prescribedOn: '2025-03-03',
  dueOn: '2025-03-17',
  prescriber: csapaDoctor,
};
const hivScreening: ExamPrescribed = {
  prescriptionId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  category: 'hiv-screening',
  examCode: 'TROD-VIH',
  examLabel: 'Test rapide d’orientation diagnostique du VIH',
  prescribedOn: '2025-03-03',
  dueOn: '2025-03-17',
  prescriber: csapaDoctor,
};
const hivScreeningPrescribed: PrescriptionEvent = { type: 'ExamPrescribed', data: hivScreening };

const suspended = (suspendedOn: string): PrescriptionEvent => ({
  type: 'PrescriptionSuspended',
  data: { prescriptionId, suspendedOn, reason: 'hospitalisation' },
});

describe('the prescriptions of a usager', () => {
  describe('of a medicine', () => {
    it('prescribes with its first day defaulting to its date, texts trimmed, no fraction unless written', () => {
      spec
        .given([])
        .when({ ...prescribeParacetamol, productName: ' Paracétamol 500 mg, comprimé ', dose: '500 mg ' })
        .thenEmits([paracetamolPrescribed]);
      spec
        .given([])
        .when({ ...prescribeParacetamol, startsOn: '2025-03-05', fractionDays: 'single', overlapAllowed: true })
        .thenEmits([
          {
            type: 'MedicinePrescribed',
            data: { ...paracetamol, startsOn: '2025-03-05', fractionDays: 'single', overlapAllowed: true },
          },
        ]);
      spec
        .given([paracetamolPrescribed])
        .when(prescribeParacetamol)
        .thenRefuses(refusedWith('PRESCRIPTION_ALREADY_RECORDED'));
      assert.equal(medicineLastDay(paracetamol), '2025-03-07');
    });

    it('refuses a missing product, dose or posology, a bad day, a start before its date, a bad duration or quantity', () => {
      for (const [change, code] of [
        [{ productId: ' ' }, 'PRESCRIPTION_PRODUCT_REQUIRED'],
        [{ productName: '' }, 'PRESCRIPTION_PRODUCT_REQUIRED'],
        [{ dose: ' ' }, 'PRESCRIPTION_DOSE_REQUIRED'],
        [{ posology: '' }, 'PRESCRIPTION_POSOLOGY_REQUIRED'],
        [{ prescribedOn: '2025-02-30' }, 'PRESCRIPTION_DAY_INVALID'],
        [{ startsOn: '2025-03-02' }, 'PRESCRIPTION_STARTS_BEFORE_ITS_DATE'],
        [{ durationDays: 0 }, 'PRESCRIPTION_DURATION_INVALID'],
        [{ durationDays: 366 }, 'PRESCRIPTION_DURATION_INVALID'],
        [{ durationDays: 2.5 }, 'PRESCRIPTION_DURATION_INVALID'],
        [{ dailyUnits: 0 }, 'PRESCRIPTION_DAILY_UNITS_INVALID'],
        [{ dailyUnits: Number.NaN }, 'PRESCRIPTION_DAILY_UNITS_INVALID'],
        [{ fractionDays: 0 }, 'PRESCRIPTION_FRACTION_INVALID'],
        [{ prescriber: { ...csapaDoctor, name: ' ' } }, 'PRESCRIPTION_PRESCRIBER_INCOMPLETE'],
        [{ prescriptionId: 'not-a-uuid' }, 'PRESCRIPTION_FIELD_INVALID'],
        [{ dose: 'x'.repeat(501) }, 'PRESCRIPTION_FIELD_INVALID'],
      ] as const) {
        spec
          .given([])
          .when({ ...prescribeParacetamol, ...change })
          .thenRefuses(refusedWith(code));
      }
    });
  });

  describe('of an opioid substitution treatment', () => {
    it('prescribes methadone in fractions of 7 days unless written, keeping what the rules relied on', () => {
      spec.given([]).when(prescribeMethadone).thenEmits([methadonePrescribed]);
      spec
        .given([])
        .when({ ...prescribeMethadone, fractionDays: 'single' })
        .thenEmits([{ type: 'MedicinePrescribed', data: { ...methadone, fractionDays: 'single' } }]);
      const state = foldEvents(prescriptionDecider, [methadonePrescribed]);
      assert.ok(state.status !== 'none' && state.kind === 'medicine');
      assert.deepEqual(state.tso, tsoPrescriptionOf(methadone));
      assert.deepEqual(tsoPrescriptionOf(methadone), {
        ...earlierMethadone,
        prescriptionId,
        prescribedOn: '2025-03-03',
        startsOn: '2025-03-03',
      });
      assert.equal(tsoPrescriptionOf(paracetamol), undefined);
    });

    it('checks each TSO rule, and cannot be checked without the usager’s history', () => {
      const history = { earlierPrescriptions: [earlierMethadone] };
      for (const [change, code] of [
        [{ tsoHistory: undefined }, 'TSO_HISTORY_REQUIRED'],
        [{ durationDays: 15 }, 'TSO_DURATION_OVER_MAXIMUM'],
        [{ fractionDays: 8 }, 'TSO_FRACTION_OVER_SEVEN_DAYS'],
        [{ namedPharmacist: ' ' }, 'TSO_NAMED_PHARMACIST_REQUIRED'],
        [{ dailyUnits: 1.5 }, 'TSO_DAILY_UNITS_INVALID'],
        [{ prescriber: generalPractitioner }, 'TSO_FIRST_METHADONE_PRESCRIBER'],
        [{ tsoProduct: 'methadone-capsules', durationDays: 28 }, 'TSO_CAPSULES_REQUIRE_YEAR_ON_SYRUP'],
        [{ tsoHistory: history }, 'TSO_OVERLAP'],
      ] as const) {
        spec
          .given([])
          .when({ ...prescribeMethadone, ...change } as PrescribeMedicine)
          .thenRefuses(refusedWith(code));
      }
      // BHD by a general practitioner, and methadone after earlier methadone, are accepted
      spec
        .given([])
        .when({
          ...prescribeMethadone,
          tsoProduct: 'buprenorphine-hd',
          durationDays: 28,
          prescriber: generalPractitioner,
        })
        .thenEmits([
          {
            type: 'MedicinePrescribed',
            data: { ...methadone, tsoProduct: 'buprenorphine-hd', durationDays: 28, prescriber: generalPractitioner },
          },
        ]);
    });

    it('accepts an overlap the prescription allows, recording the prescriptions it overlaps', () => {
      spec
        .given([])
        .when({ ...prescribeMethadone, overlapAllowed: true, tsoHistory: { earlierPrescriptions: [earlierMethadone] } })
        .thenEmits([
          {
            type: 'MedicinePrescribed',
            data: { ...methadone, overlapAllowed: true, tsoEvidence: { overlappedPrescriptionIds: [previousId] } },
          },
        ]);
    });

    it('gives capsules to a usager stable on syrup for a year, recording since when', () => {
      spec
        .given([])
        .when({
          ...prescribeMethadone,
          tsoProduct: 'methadone-capsules',
          durationDays: 28,
          prescriber: generalPractitioner,
          tsoHistory: { earlierPrescriptions: [], stableOnSyrupSince: '2024-01-15' },
        })
        .thenEmits([
          {
            type: 'MedicinePrescribed',
            data: {
              ...methadone,
              tsoProduct: 'methadone-capsules',
              durationDays: 28,
              prescriber: generalPractitioner,
              tsoEvidence: { stableOnSyrupSince: '2024-01-15', overlappedPrescriptionIds: [] },
            },
          },
        ]);
    });

    it('records the prescriber’s attestation of stability on a syrup prescription, and nowhere else', () => {
      spec
        .given([])
        .when({ ...prescribeMethadone, stableOnSyrupSince: '2023-09-01' })
        .thenEmits([{ type: 'MedicinePrescribed', data: { ...methadone, stableOnSyrupSince: '2023-09-01' } }]);
      // on the prescription's own date, it is still an attestation; it does not feed this prescription's rules
      spec
        .given([])
        .when({ ...prescribeMethadone, stableOnSyrupSince: '2025-03-03', prescriber: generalPractitioner })
        .thenRefuses(refusedWith('TSO_FIRST_METHADONE_PRESCRIBER'));
      for (const [change, code] of [
        [{ stableOnSyrupSince: '2025-03-04' }, 'TSO_STABILITY_AFTER_PRESCRIPTION'],
        [{ stableOnSyrupSince: '2025-02-30' }, 'PRESCRIPTION_DAY_INVALID'],
        [
          { tsoProduct: 'methadone-capsules', durationDays: 28, stableOnSyrupSince: '2020-01-01' },
          'TSO_STABILITY_ONLY_ON_SYRUP',
        ],
        [{ tsoProduct: 'buprenorphine-hd', stableOnSyrupSince: '2020-01-01' }, 'TSO_STABILITY_ONLY_ON_SYRUP'],
        [
          { tsoProduct: undefined, tsoHistory: undefined, stableOnSyrupSince: '2020-01-01' },
          'TSO_STABILITY_ONLY_ON_SYRUP',
        ],
      ] as const) {
        spec
          .given([])
          .when({ ...prescribeMethadone, ...change } as PrescribeMedicine)
          .thenRefuses(refusedWith(code));
      }
    });
  });

  describe('its lifecycle', () => {
    it('is suspended with a reason, resumed, suspended again, then stopped with a reason', () => {
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'SuspendPrescription', prescriptionId, suspendedOn: '2025-03-04', reason: ' hospitalisation ' })
        .thenEmits([suspended('2025-03-04')]);
      const resumed: PrescriptionEvent = {
        type: 'PrescriptionResumed',
        data: { prescriptionId, resumedOn: '2025-03-05' },
      };
      spec
        .given([paracetamolPrescribed, suspended('2025-03-04')])
        .when({ type: 'ResumePrescription', prescriptionId, resumedOn: '2025-03-05' })
        .thenEmits([resumed]);
      spec
        .given([paracetamolPrescribed, suspended('2025-03-04'), resumed])
        .when({ type: 'SuspendPrescription', prescriptionId, suspendedOn: '2025-03-05', reason: 'hospitalisation' })
        .thenEmits([suspended('2025-03-05')]);
      spec
        .given([paracetamolPrescribed, suspended('2025-03-04')])
        .when({ type: 'StopPrescription', prescriptionId, stoppedOn: '2025-03-06', reason: 'effet indésirable' })
        .thenEmits([
          {
            type: 'PrescriptionStopped',
            data: { prescriptionId, stoppedOn: '2025-03-06', reason: 'effet indésirable' },
          },
        ]);
    });

    it('covers its days up to the day before its stop, none when stopped before its first day', () => {
      // 2025-03-03 to 2025-03-07
      assert.equal(medicineDaysCovered(paracetamol), 5);
      assert.equal(medicineDaysCovered(paracetamol, '2025-03-06'), 3);
      assert.equal(medicineDaysCovered(paracetamol, '2025-03-03'), 0);
      assert.equal(medicineDaysCovered(paracetamol, '2025-03-01'), 0);
      assert.equal(medicineDaysCovered(paracetamol, '2025-03-31'), 5);
    });

    it('refuses a suspension twice, a resumption unsuspended, a change without reason or out of its days', () => {
      spec
        .given([paracetamolPrescribed, suspended('2025-03-04')])
        .when({ type: 'SuspendPrescription', prescriptionId, suspendedOn: '2025-03-05', reason: 'x' })
        .thenRefuses(refusedWith('PRESCRIPTION_ALREADY_SUSPENDED'));
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'ResumePrescription', prescriptionId, resumedOn: '2025-03-05' })
        .thenRefuses(refusedWith('PRESCRIPTION_NOT_SUSPENDED'));
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'StopPrescription', prescriptionId, stoppedOn: '2025-03-05', reason: '  ' })
        .thenRefuses(refusedWith('PRESCRIPTION_REASON_REQUIRED'));
      spec
        .given([paracetamolPrescribed, suspended('2025-03-04')])
        .when({ type: 'ResumePrescription', prescriptionId, resumedOn: '2025-03-03' })
        .thenRefuses(refusedWith('PRESCRIPTION_DAY_BEFORE_LAST_CHANGE'));
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'SuspendPrescription', prescriptionId, suspendedOn: '2025-03-02', reason: 'x' })
        .thenRefuses(refusedWith('PRESCRIPTION_DAY_BEFORE_LAST_CHANGE'));
      // the prescription covers 2025-03-03 to 2025-03-07
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'StopPrescription', prescriptionId, stoppedOn: '2025-03-07', reason: 'x' })
        .thenEmits([{ type: 'PrescriptionStopped', data: { prescriptionId, stoppedOn: '2025-03-07', reason: 'x' } }]);
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'StopPrescription', prescriptionId, stoppedOn: '2025-03-08', reason: 'x' })
        .thenRefuses(refusedWith('PRESCRIPTION_TERM_PASSED'));
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'SuspendPrescription', prescriptionId, suspendedOn: '2025-03-31', reason: 'x' })
        .thenRefuses(refusedWith('PRESCRIPTION_TERM_PASSED'));
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'SuspendPrescription', prescriptionId, suspendedOn: 'demain', reason: 'x' })
        .thenRefuses(refusedWith('PRESCRIPTION_DAY_INVALID'));
    });

    it('is completed on or after its last day, never while suspended, and then nothing more', () => {
      const completed: PrescriptionEvent = {
        type: 'PrescriptionCompleted',
        data: { prescriptionId, completedOn: '2025-03-07' },
      };
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'CompletePrescription', prescriptionId, completedOn: '2025-03-07' })
        .thenEmits([completed]);
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'CompletePrescription', prescriptionId, completedOn: '2025-03-06' })
        .thenRefuses(refusedWith('PRESCRIPTION_NOT_YET_AT_TERM'));
      spec
        .given([paracetamolPrescribed, suspended('2025-03-04')])
        .when({ type: 'CompletePrescription', prescriptionId, completedOn: '2025-03-09' })
        .thenRefuses(refusedWith('PRESCRIPTION_SUSPENDED'));
      const stopped: PrescriptionEvent = {
        type: 'PrescriptionStopped',
        data: { prescriptionId, stoppedOn: '2025-03-04', reason: 'x' },
      };
      for (const ended of [completed, stopped]) {
        for (const command of [
          { type: 'SuspendPrescription', prescriptionId, suspendedOn: '2025-03-07', reason: 'x' },
          { type: 'StopPrescription', prescriptionId, stoppedOn: '2025-03-07', reason: 'x' },
          { type: 'CompletePrescription', prescriptionId, completedOn: '2025-03-08' },
        ] as const) {
          spec.given([paracetamolPrescribed, ended]).when(command).thenRefuses(refusedWith('PRESCRIPTION_CLOSED'));
        }
      }
    });

    it('acts only on the prescription it names', () => {
      spec
        .given([])
        .when({ type: 'StopPrescription', prescriptionId, stoppedOn: '2025-03-05', reason: 'x' })
        .thenRefuses(refusedWith('PRESCRIPTION_NOT_FOUND'));
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'StopPrescription', prescriptionId: previousId, stoppedOn: '2025-03-05', reason: 'x' })
        .thenRefuses(refusedWith('PRESCRIPTION_NOT_FOUND'));
    });
  });

  describe('of an exam', () => {
    it('prescribes an exam due on a day, then records its result with its day', () => {
      spec
        .given([])
        .when({ ...prescribeHivScreening, instructions: '  ' })
        .thenEmits([hivScreeningPrescribed]);
      spec
        .given([hivScreeningPrescribed])
        .when({
          type: 'RecordExamResult',
          prescriptionId,
          resultOn: '2025-03-10',
          result: ' Négatif ',
          recordedBy: 'pro-infirmier-1',
        })
        .thenEmits([
          {
            type: 'ExamResultRecorded',
            data: { prescriptionId, resultOn: '2025-03-10', result: 'Négatif', recordedBy: 'pro-infirmier-1' },
          },
        ]);
      const state = foldEvents(prescriptionDecider, [
        hivScreeningPrescribed,
        {
          type: 'ExamResultRecorded',
          data: { prescriptionId, resultOn: '2025-03-10', result: 'Négatif', recordedBy: 'pro-infirmier-1' },
        },
      ]);
      assert.ok(state.status === 'result-recorded' && state.kind === 'exam');
      assert.equal(state.resultOn, '2025-03-10');
      assert.equal(EXAM_CATEGORIES.length, 8);
    });

    it('records a screening’s outcome beside the result’s text, and refuses an unknown one', () => {
      const result = {
        type: 'RecordExamResult',
        prescriptionId,
        resultOn: '2025-03-10',
        result: 'TROD VIH non réactif',
        recordedBy: 'pro-infirmier-1',
      } as const;
      spec
        .given([hivScreeningPrescribed])
        .when({ ...result, outcome: 'negative' })
        .thenEmits([
          {
            type: 'ExamResultRecorded',
            data: {
              prescriptionId,
              resultOn: '2025-03-10',
              result: 'TROD VIH non réactif',
              outcome: 'negative',
              recordedBy: 'pro-infirmier-1',
            },
          },
        ]);
      spec
        .given([hivScreeningPrescribed])
        .when({ ...result, outcome: 'réactif' as ExamOutcome })
        .thenRefuses(refusedWith('EXAM_OUTCOME_UNKNOWN'));
      assert.deepEqual(EXAM_CATEGORIES.filter(isScreening), [
        'hiv-screening',
        'hcv-screening',
        'hbv-screening',
        'urine-drug-screen',
      ]);
    });

    it('refuses a due day before the prescription, an unknown category, a result before it, a second result', () => {
      spec
        .given([])
        .when({ ...prescribeHivScreening, dueOn: '2025-03-02' })
        .thenRefuses(refusedWith('EXAM_DUE_BEFORE_PRESCRIPTION'));
      spec
        .given([])
        .when({ ...prescribeHivScreening, category: 'astrology' as PrescribeExam['category'] })
        .thenRefuses(refusedWith('EXAM_CATEGORY_UNKNOWN'));
      spec
        .given([])
        .when({ ...prescribeHivScreening, examLabel: ' ' })
        .thenRefuses(refusedWith('EXAM_REQUIRED'));
      const result = {
        type: 'RecordExamResult',
        prescriptionId,
        resultOn: '2025-03-10',
        result: 'Négatif',
        recordedBy: 'pro-1',
      } as const;
      spec
        .given([hivScreeningPrescribed])
        .when({ ...result, resultOn: '2025-03-02' })
        .thenRefuses(refusedWith('PRESCRIPTION_DAY_BEFORE_LAST_CHANGE'));
      spec
        .given([hivScreeningPrescribed])
        .when({ ...result, result: '' })
        .thenRefuses(refusedWith('EXAM_RESULT_REQUIRED'));
      spec
        .given([hivScreeningPrescribed, { type: 'ExamResultRecorded', data: { ...result } }])
        .when(result)
        .thenRefuses(refusedWith('EXAM_RESULT_ALREADY_RECORDED'));
    });

    it('is cancelled with a reason, and then has no result', () => {
      const cancelled: PrescriptionEvent = {
        type: 'ExamCancelled',
        data: { prescriptionId, cancelledOn: '2025-03-04', reason: 'fait à l’hôpital' },
      };
      spec
        .given([hivScreeningPrescribed])
        .when({ type: 'CancelExam', prescriptionId, cancelledOn: '2025-03-04', reason: 'fait à l’hôpital' })
        .thenEmits([cancelled]);
      spec
        .given([hivScreeningPrescribed])
        .when({ type: 'CancelExam', prescriptionId, cancelledOn: '2025-03-04', reason: ' ' })
        .thenRefuses(refusedWith('PRESCRIPTION_REASON_REQUIRED'));
      spec
        .given([hivScreeningPrescribed, cancelled])
        .when({ type: 'RecordExamResult', prescriptionId, resultOn: '2025-03-10', result: 'Négatif', recordedBy: 'p' })
        .thenRefuses(refusedWith('EXAM_CANCELLED'));
    });

    it('is not suspended nor stopped, and a medicine has no result', () => {
      spec
        .given([hivScreeningPrescribed])
        .when({ type: 'SuspendPrescription', prescriptionId, suspendedOn: '2025-03-04', reason: 'x' })
        .thenRefuses(refusedWith('PRESCRIPTION_NOT_A_MEDICINE'));
      spec
        .given([paracetamolPrescribed])
        .when({ type: 'CancelExam', prescriptionId, cancelledOn: '2025-03-04', reason: 'x' })
        .thenRefuses(refusedWith('PRESCRIPTION_NOT_AN_EXAM'));
    });
  });

  describe('a renewal', () => {
    it('is a new prescription referencing the previous one, of the same usager and kind', () => {
      const renews = { prescriptionId: previousId, serviceUserId: 'usager-1', kind: 'medicine' } as const;
      spec
        .given([])
        .when({ ...prescribeParacetamol, renews })
        .thenEmits([{ type: 'MedicinePrescribed', data: { ...paracetamol, renews: previousId } }]);
      spec
        .given([])
        .when({ ...prescribeHivScreening, renews: { ...renews, kind: 'exam' } })
        .thenEmits([{ type: 'ExamPrescribed', data: { ...hivScreening, renews: previousId } }]);
      spec
        .given([])
        .when({ ...prescribeParacetamol, renews: { ...renews, prescriptionId } })
        .thenRefuses(refusedWith('PRESCRIPTION_RENEWS_ITSELF'));
      spec
        .given([])
        .when({ ...prescribeParacetamol, renews: { ...renews, serviceUserId: 'usager-2' } })
        .thenRefuses(refusedWith('PRESCRIPTION_RENEWAL_OTHER_USAGER'));
      spec
        .given([])
        .when({ ...prescribeParacetamol, renews: { ...renews, kind: 'exam' } })
        .thenRefuses(refusedWith('PRESCRIPTION_RENEWAL_OTHER_KIND'));
    });
  });

  it('names one stream per prescription, the organisation escaped', () => {
    assert.equal(prescriptionStreamId('og/1', prescriptionId), `prescription/og%2F1/${prescriptionId}`);
  });

  it('keeps nothing of a forgotten usager and refuses every change', () => {
    const erased: PrescriptionEvent[] = [
      { type: 'MedicinePrescribed', data: { $erased: true } },
      { type: 'PrescriptionSuspended', data: { $erased: true } },
    ];
    const state = foldEvents(prescriptionDecider, erased);
    assert.ok(state.status === 'suspended' && state.kind === 'medicine');
    assert.equal(state.serviceUserId, undefined);
    assert.equal(state.tso, undefined);
    spec
      .given(erased)
      .when({ type: 'ResumePrescription', prescriptionId, resumedOn: '2030-01-01' })
      .thenRefuses(refusedWith('PRESCRIPTION_ERASED'));
    spec
      .given([{ type: 'ExamPrescribed', data: { $erased: true } }])
      .when({ type: 'CancelExam', prescriptionId, cancelledOn: '2030-01-01', reason: 'x' })
      .thenRefuses(refusedWith('PRESCRIPTION_ERASED'));
  });

  it('emits only data its schemas accept, whatever the sequence of commands', () => {
    /** Mostly what a client sends, sometimes what it should not. */
    const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 19, arbitrary: valid }, { weight: 1, arbitrary: invalid });
    const day = fc
      .integer({ min: 0, max: 5 })
      .map((offset) => new Date(Date.UTC(2025, 2, 1) + offset * 86_400_000).toISOString().slice(0, 10));
    const someDay = mostly(day, fc.constantFrom('2025-02-30', 'demain'));
    const someText = mostly(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.oneof(fc.constant('  '), fc.string({ minLength: 4_001, maxLength: 4_010 })),
    );
    const ids = mostly(fc.constant(prescriptionId), fc.constant(previousId));
    const prescriber = mostly<Prescriber>(
      fc.record({
        professionalId: fc.constantFrom('rpps-1', 'rpps-2'),
        name: fc.constant('Dr Martin'),
        address: fc.constant('12 rue des Lilas, Paris'),
        setting: fc.constantFrom('csapa' as const, 'hospital' as const, 'other' as const),
      }),
      fc.constant({ ...csapaDoctor, name: ' ' }),
    );
    const tsoEarlier = day.map((startsOn) => ({ ...earlierMethadone, prescribedOn: startsOn, startsOn }));
    const medicine: fc.Arbitrary<PrescriptionCommand> = fc
      .tuple(
        fc.record(
          {
            type: fc.constant('PrescribeMedicine' as const),
            prescriptionId: ids,
            serviceUserId: fc.constant('usager-1'),
            facilityId: fc.constant('750000001'),
            productId: mostly(fc.constant('methadone-sirop-40'), fc.constant(' ')),
            productName: someText,
            tsoProduct: fc.constantFrom(...TSO_PRODUCTS),
            dose: someText,
            posology: someText,
            dailyUnits: mostly(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, -1, 1.5)),
            prescribedOn: someDay,
            durationDays: mostly(fc.integer({ min: 1, max: 6 }), fc.constantFrom(0, 15, 400, 2.5)),
            fractionDays: mostly(
              fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant('single' as const)),
              fc.constantFrom(0, 8, 1.5),
            ),
            overlapAllowed: fc.boolean(),
            prescriber,
            namedPharmacist: mostly(fc.constant('Mme Leroy'), fc.constant(' ')),
            renews: fc.record({
              prescriptionId: mostly(fc.constant(previousId), fc.constant(prescriptionId)),
              serviceUserId: mostly(fc.constant('usager-1'), fc.constant('usager-2')),
              kind: mostly(fc.constant('medicine' as const), fc.constant('exam' as const)),
            }),
            tsoHistory: fc.record(
              {
                earlierPrescriptions: mostly<TsoPrescription[]>(
                  fc.constant([]),
                  fc.array(tsoEarlier, { minLength: 1, maxLength: 2 }),
                ),
                stableOnSyrupSince: fc.constantFrom('2020-01-01', '2025-01-01'),
              },
              { requiredKeys: ['earlierPrescriptions'] },
            ),
            stableOnSyrupSince: mostly(
              fc.constantFrom('2020-01-01', '2025-03-01'),
              fc.constantFrom('2030-01-01', 'hier'),
            ),
          },
          {
            requiredKeys: [
              'type',
              'prescriptionId',
              'serviceUserId',
              'facilityId',
              'productId',
              'productName',
              'dose',
              'posology',
              'dailyUnits',
              'prescribedOn',
              'durationDays',
              'prescriber',
              'namedPharmacist',
              'tsoHistory',
            ],
          },
        ),
        fc.option(mostly(fc.integer({ min: 0, max: 3 }), fc.constant(-1))),
      )
      .map(([prescribe, startsAfter]) =>
        startsAfter === null || !/^\d{4}-\d{2}-\d{2}$/.test(prescribe.prescribedOn)
          ? prescribe
          : {
              ...prescribe,
              startsOn: new Date(Date.parse(prescribe.prescribedOn) + startsAfter * 86_400_000)
                .toISOString()
                .slice(0, 10),
            },
      );
    const exam: fc.Arbitrary<PrescriptionCommand> = fc.record(
      {
        type: fc.constant('PrescribeExam' as const),
        prescriptionId: ids,
        serviceUserId: fc.constant('usager-1'),
        facilityId: fc.constant('750000001'),
        category: fc.constantFrom(...EXAM_CATEGORIES),
        examCode: mostly(fc.constant('TROD-VIH'), fc.constant('')),
        examLabel: someText,
        instructions: someText,
        prescribedOn: someDay,
        dueOn: someDay,
        prescriber,
      },
      {
        requiredKeys: [
          'type',
          'prescriptionId',
          'serviceUserId',
          'facilityId',
          'category',
          'examCode',
          'examLabel',
          'prescribedOn',
          'dueOn',
          'prescriber',
        ],
      },
    );
    const command: fc.Arbitrary<PrescriptionCommand> = fc.oneof(
      { weight: 2, arbitrary: medicine },
      { weight: 1, arbitrary: exam },
      {
        weight: 2,
        arbitrary: fc.record({
          type: fc.constant('SuspendPrescription' as const),
          prescriptionId: ids,
          suspendedOn: someDay,
          reason: someText,
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          type: fc.constant('ResumePrescription' as const),
          prescriptionId: ids,
          resumedOn: someDay,
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          type: fc.constant('StopPrescription' as const),
          prescriptionId: ids,
          stoppedOn: someDay,
          reason: someText,
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          type: fc.constant('CompletePrescription' as const),
          prescriptionId: ids,
          completedOn: someDay,
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record(
          {
            type: fc.constant('RecordExamResult' as const),
            prescriptionId: ids,
            resultOn: someDay,
            result: someText,
            outcome: mostly(fc.constantFrom(...EXAM_OUTCOMES), fc.constant('positif' as ExamOutcome)),
            recordedBy: mostly(fc.constant('pro-1'), fc.constant(' ')),
          },
          { requiredKeys: ['type', 'prescriptionId', 'resultOn', 'result', 'recordedBy'] },
        ),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          type: fc.constant('CancelExam' as const),
          prescriptionId: ids,
          cancelledOn: someDay,
          reason: someText,
        }),
      },
    );
    const emitted = new Map<string, number>();
    fc.assert(
      // sequences of any length up to 20: with fast-check's short default the rarest event came out
      // 4 to 12 times in 3,000 runs, too close to none for the check below; now 21 to 25
      fc.property(fc.array(command, { maxLength: 20, size: 'max' }), (commands) => {
        let state = prescriptionDecider.initialState();
        for (const next of commands) {
          let events: readonly PrescriptionEvent[];
          try {
            events = [prescriptionDecider.decide(next, state)].flat();
          } catch (error) {
            if (error instanceof DomainRuleViolation) continue;
            throw error;
          }
          for (const event of events) {
            prescriptionEventSchemas[event.type].parse(event.data);
            state = prescriptionDecider.evolve(state, event);
            emitted.set(event.type, (emitted.get(event.type) ?? 0) + 1);
          }
        }
      }),
      { numRuns: 3_000 },
    );
    // the generators must reach every decision, not only the refusals
    assert.deepEqual([...emitted.keys()].sort(), Object.keys(prescriptionEventSchemas).sort());
  });
});
