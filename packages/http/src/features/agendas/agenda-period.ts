import { z } from 'zod';
import { validationProblem } from '../../server/index.js';
import { parisDay } from '../paris-day.js';

const day = z.iso.date();
const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;
const MS_PER_DAY = 86_400_000;

/** `?from=YYYY-MM-DD&to=YYYY-MM-DD`: days in Paris, both included. */
export const periodQuery = z.object({ from: day.optional(), to: day.optional() });

function addDays(dayText: string, days: number): string {
  return new Date(Date.parse(`${dayText}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * The period asked for: from today (in Paris) by default, to 30 days after its start by default;
 * 400 when it ends before it starts or spans more than a year (an agenda is read a page at a time).
 */
export function periodOf(query: { from?: string | undefined; to?: string | undefined }, now: Date) {
  const from = query.from ?? parisDay.format(now);
  const to = query.to ?? addDays(from, DEFAULT_DAYS);
  const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / MS_PER_DAY;
  if (span < 0 || span > MAX_DAYS) {
    throw validationProblem('La période demandée n’est pas valide.', [
      { path: 'query.to', message: `la fin suit le début, au plus ${MAX_DAYS} jours plus tard` },
    ]);
  }
  return { from, to };
}
