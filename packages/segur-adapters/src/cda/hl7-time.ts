/**
 * The instants of CDA and XDS: HL7 TS with a time zone for the CDA (the CI-SIS asks for one), as
 * the clocks of the ESSMS read them (Europe/Paris); XDS's DTM in UTC, as XDS wants.
 */
const PARIS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `YYYYMMDDhhmmss+HHMM`, Paris time. */
export function hl7Instant(date: Date): string {
  const parts = Object.fromEntries(PARIS.formatToParts(date).map((part) => [part.type, part.value]));
  const local = `${parts.year}${parts.month}${parts.day}${parts.hour}${parts.minute}${parts.second}`;
  const wholeSeconds = Math.floor(date.getTime() / 1000) * 1000;
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offsetMinutes = Math.round((asUtc - wholeSeconds) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  return `${local}${sign}${pad(Math.floor(absolute / 60))}${pad(absolute % 60)}`;
}

/** `YYYYMMDD` of a day written `YYYY-MM-DD`. */
export function hl7Day(day: string): string {
  return day.replace(/-/g, '');
}

/** XDS DTM: `YYYYMMDDhhmmss` in UTC. */
export function xdsTime(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .replace(/[-:T]/g, '');
}

/** The instant of an XDS DTM (4 to 14 digits, UTC); undefined when it is not one. */
export function instantOfXdsTime(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?$/.exec(value);
  if (match === null) return undefined;
  const [, year, month = '01', day = '01', hour = '00', minute = '00', second = '00'] = match;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function isValidDate(date: Date): boolean {
  return date instanceof Date && !Number.isNaN(date.getTime());
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
