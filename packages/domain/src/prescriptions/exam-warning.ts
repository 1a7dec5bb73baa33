import type { ExamPrescriptionStatus } from './prescription.js';

/** How many days before its due day an exam awaiting its result is listed as due. */
export const EXAM_DUE_SOON_DAYS = 7;

export type ExamWarning = 'none' | 'due-soon' | 'overdue';

/**
 * Whether an exam calls for attention on `today` (`YYYY-MM-DD`): overdue once its due day has
 * passed without a result, due soon from `EXAM_DUE_SOON_DAYS` days before it; an exam whose result
 * is recorded, or that was cancelled, never does.
 */
export function examWarning(exam: { dueOn: string; status: ExamPrescriptionStatus }, today: string): ExamWarning {
  if (exam.status !== 'prescribed') return 'none';
  if (exam.dueOn < today) return 'overdue';
  const soon = new Date(`${today}T00:00:00Z`);
  soon.setUTCDate(soon.getUTCDate() + EXAM_DUE_SOON_DAYS);
  return exam.dueOn <= soon.toISOString().slice(0, 10) ? 'due-soon' : 'none';
}
