/** UTF-8's byte order mark: without it, Excel reads a CSV as Windows-1252 and breaks the accents. */
const BOM = '\uFEFF';

/**
 * A CSV as French spreadsheets open it: `;` between fields (the comma is the decimal separator),
 * CRLF line ends, UTF-8 with its BOM, fields quoted when they hold `;`, quotes or line breaks.
 */
export function frenchCsv(headers: readonly string[], rows: readonly (readonly (string | number | null)[])[]): Buffer {
  const line = (cells: readonly (string | number | null)[]) => cells.map(field).join(';');
  return Buffer.from(`${BOM}${[line(headers), ...rows.map(line)].join('\r\n')}\r\n`, 'utf8');
}

function field(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  // a leading = + - @ would be run as a formula by a spreadsheet: quoted and prefixed, it stays text
  const safe = /^[=+\-@]/.test(text) && !/^-?\d+$/.test(text) ? `'${text}` : text;
  return /[";\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}
