import type { AsOf } from '@dui-pds/projections';
import { InvalidArgumentError } from 'commander';

export type Clock = 'recorded' | 'occurred';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const PARIS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/**
 * An ISO 8601 date for `--as-of`. The services are in France, so what has no offset is read in
 * Europe/Paris, and a bare date means the end of that day there: "as of 31 March" includes the
 * whole of 31 March.
 */
export function parseAsOfDate(text: string): Date {
  const date = DATE.exec(text.trim());
  if (date) {
    const [year, month, day] = date.slice(1).map(Number) as [number, number, number];
    assertCalendarDate(year, month, day);
    return new Date(parisToUtc(year, month, day + 1, 0, 0, 0, 0) - 1);
  }
  const match = DATE_TIME.exec(text.trim());
  if (!match) {
    throw new InvalidArgumentError(
      'date ISO 8601 attendue, par exemple 2025-03-31 (fin de journée, heure de Paris), ' +
        '2025-03-31T18:00 (heure de Paris) ou 2025-03-31T16:00:00Z',
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millisecond = Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3));
  assertCalendarDate(year, month, day);
  if (hour > 23 || minute > 59 || second > 59) throw new InvalidArgumentError('heure invalide');
  const zone = match[8];
  if (zone === undefined) return new Date(parisToUtc(year, month, day, hour, minute, second, millisecond));
  const wallClock = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  return new Date(wallClock - offsetMinutes(zone) * 60_000);
}

export function parseClock(text: string): Clock {
  if (text === 'recorded' || text === 'occurred') return text;
  throw new InvalidArgumentError('recorded (date d’enregistrement) ou occurred (date des faits) attendu');
}

export function parsePosition(text: string): bigint {
  if (!/^\d{1,19}$/.test(text.trim())) throw new InvalidArgumentError('position globale attendue : un entier positif');
  return BigInt(text.trim());
}

export function asOfFrom(options: { date?: Date; clock?: Clock; position?: bigint }): AsOf | undefined {
  if (options.position !== undefined) return { position: options.position };
  if (options.date === undefined) return undefined;
  return options.clock === 'occurred' ? { occurredAt: options.date } : { recordedAt: options.date };
}

/** The as-of as written in exports: JSON has no bigint, and dates are UTC instants. */
export function describeAsOf(asOf: AsOf): Record<string, string | boolean> {
  if ('position' in asOf) return { position: String(asOf.position) };
  if ('recordedAt' in asOf) return { recordedAt: asOf.recordedAt.toISOString() };
  if ('occurredAt' in asOf) return { occurredAt: asOf.occurredAt.toISOString() };
  return { head: true };
}

function assertCalendarDate(year: number, month: number, day: number): void {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new InvalidArgumentError('date inexistante au calendrier');
  }
}

function offsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 14 || minutes > 59) throw new InvalidArgumentError('décalage horaire invalide');
  return sign * (hours * 60 + minutes);
}

/** The instant a Paris wall-clock time names (the later one, or past the gap, around a change of time). */
function parisToUtc(...[year, month, day, hour, minute, second, millisecond]: number[]): number {
  const wallClock = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, millisecond!);
  // the offset depends on the instant we are looking for: a second pass settles it across a change
  const first = wallClock - parisOffsetMs(wallClock);
  return wallClock - parisOffsetMs(first);
}

function parisOffsetMs(instant: number): number {
  const parts = Object.fromEntries(PARIS.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}
