import fc from 'fast-check';

const FIRST_YEAR = 1990;

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Days from 1990 to `lastDay`, as `YYYY-MM-DD`, for the retention's property tests. A uniform day
 * is 29 February once in 1,461 draws: the days where adding years goes wrong (29 February, the
 * ends of months) are drawn as often as any other day, so that a run of 100 cases meets them.
 */
export function retentionDays(lastDay: string): fc.Arbitrary<string> {
  const lastYear = Number(lastDay.slice(0, 4));
  const anyDay = fc
    .date({
      min: new Date(`${FIRST_YEAR}-01-01T00:00:00Z`),
      max: new Date(`${lastDay}T00:00:00Z`),
      noInvalidDate: true,
    })
    .map(dayOf);
  const leapDay = fc
    .integer({ min: FIRST_YEAR, max: lastYear })
    .filter(isLeapYear)
    .map((year) => `${year}-02-29`);
  // day 0 of the next month is the last day of this one
  const monthEnd = fc
    .record({ year: fc.integer({ min: FIRST_YEAR, max: lastYear }), month: fc.integer({ min: 1, max: 12 }) })
    .map(({ year, month }) => dayOf(new Date(Date.UTC(year, month, 0))));
  return fc.oneof(
    { arbitrary: anyDay, weight: 2 },
    { arbitrary: leapDay, weight: 1 },
    { arbitrary: monthEnd, weight: 1 },
  );
}
