/**
 * Which actions of a personalised project the team should look at: those whose deadline is
 * passed, or near. Today comes in as a parameter: the domain holds no clock.
 */

/** How many days ahead an action's deadline is "near" unless the caller says otherwise. */
export const ACTION_DUE_SOON_DAYS = 15;

export type ActionDeadlineWarning = 'none' | 'due-soon' | 'overdue';

/**
 * `overdue` once today is after the deadline; `due-soon` from `deadline − withinDays` to the
 * deadline included; `none` before, and never for a completed action.
 */
export function actionDeadlineWarning(
  action: { deadline: string; completedOn?: string | null },
  today: string,
  withinDays: number = ACTION_DUE_SOON_DAYS,
): ActionDeadlineWarning {
  if (action.completedOn) return 'none';
  const left = daysBetween(today, action.deadline);
  if (left < 0) return 'overdue';
  return left <= withinDays ? 'due-soon' : 'none';
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
