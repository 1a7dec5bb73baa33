export { psychologyProjection } from './psychology-projection.js';
export {
  type PsychologicalAssessmentView,
  type PsychologistAppointmentView,
  type PsychologistNoteView,
  psychologicalAssessmentById,
  psychologicalAssessmentsOf,
  psychologistAppointmentById,
  psychologistAppointments,
  psychologistNotesOf,
} from './psychology-queries.js';
