import type { ReportScope } from './report-types.js';

/** A scope a report cannot be computed for: a day that is not one, a period upside down. */
export class InvalidReportScopeError extends RangeError {
  override readonly name = 'InvalidReportScopeError';
  constructor(
    message: string,
    readonly field: 'organisationId' | 'facilityId' | 'from' | 'to',
  ) {
    super(message);
  }
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function isDay(text: string): boolean {
  if (!ISO_DAY.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** The scope checked, as a plain object (a caller's extra fields are not carried into the report). */
export function checkedScope(scope: ReportScope): ReportScope {
  if (scope.organisationId.length === 0) {
    throw new InvalidReportScopeError('L’organisme gestionnaire est requis.', 'organisationId');
  }
  if (scope.facilityId !== undefined && scope.facilityId.length === 0) {
    throw new InvalidReportScopeError('Le FINESS de l’établissement est vide.', 'facilityId');
  }
  if (!isDay(scope.from))
    throw new InvalidReportScopeError(`« ${scope.from} » n’est pas un jour (AAAA-MM-JJ).`, 'from');
  if (!isDay(scope.to)) throw new InvalidReportScopeError(`« ${scope.to} » n’est pas un jour (AAAA-MM-JJ).`, 'to');
  if (scope.from > scope.to) {
    throw new InvalidReportScopeError('La période est à l’envers : le premier jour suit le dernier.', 'from');
  }
  return {
    organisationId: scope.organisationId,
    ...(scope.facilityId === undefined ? {} : { facilityId: scope.facilityId }),
    from: scope.from,
    to: scope.to,
  };
}

/** The year whose usage profiles a report reads: the year of the period's end. */
export const yearOfEnd = (scope: ReportScope): number => Number(scope.to.slice(0, 4));
