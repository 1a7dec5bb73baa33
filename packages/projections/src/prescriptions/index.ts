export { prescriptionsProjection } from './prescriptions-projection.js';
export {
  type ExamDue,
  type ExamTerms,
  examsDue,
  type MedicineTerms,
  medicinePrescriptionStatuses,
  type PrescriptionView,
  prescriptionById,
  prescriptionsOfServiceUser,
  recordedTsoPrescriptions,
  tsoHistoryOfServiceUser,
} from './prescriptions-queries.js';
