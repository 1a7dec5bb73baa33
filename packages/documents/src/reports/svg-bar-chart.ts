/** A bar of a chart: its label and value, and the value as the reader sees it. */
export interface BarChartItem {
  label: string;
  value: number;
  /** Written at the end of the bar; the value in French digits when absent. */
  valueText: string;
}

export interface BarChartOptions {
  /** What the horizontal axis counts, written under it: « Nombre de patients ». */
  axisLabel: string;
  /** The end of the axis (a share: 1); past the largest value, on a round figure, when absent. */
  scaleMax?: number;
  /** How the axis' graduations read (`12`, `25 %`). */
  tickText: (value: number) => string;
  /** A grey track behind each bar, for a share of a whole. */
  track?: boolean;
}

const WIDTH = 560;
/** Room on each side: a graduation's text is centred on its mark. */
const SIDE = 16;
/** Room after the longest bar for its value. */
const VALUE_ROOM = 150;
const LABEL_SIZE = 13;
const LABEL_LINE = 16;
const BAR_HEIGHT = 16;
const ROW_GAP = 10;
const TITLE_HEIGHT = 28;
const AXIS_HEIGHT = 44;
/** Characters on a label's line at 13 px before it wraps: labels are never cut. */
const LABEL_LINE_CHARACTERS = 68;
const BAR = '#1d4e89';
const TRACK = '#e5e7eb';
const GRID = '#d1d5db';
const INK = '#1f2937';
const MUTED = '#4b5563';

/**
 * A horizontal bar chart as inline SVG, readable without script or network font: a title, each
 * bar under its label (so that long French labels are never cut) with its value written at its
 * end, a graduated axis with its label. `role="img"` and an `aria-label` giving every figure, for
 * those who do not see it; the page shows the same figures in a table beside it.
 */
export function svgBarChart(title: string, items: readonly BarChartItem[], options: BarChartOptions): string {
  const { scale, ticks } = axisOf(Math.max(0, ...items.map((item) => item.value)), options.scaleMax);
  const barRoom = WIDTH - 2 * SIDE - VALUE_ROOM;
  const x = (value: number) => SIDE + (scale > 0 ? (Math.max(0, Math.min(value, scale)) / scale) * barRoom : 0);

  const rows: string[] = [];
  let y = TITLE_HEIGHT;
  for (const item of items) {
    const lines = wrapped(item.label, LABEL_LINE_CHARACTERS);
    const label = lines
      .map((line, index) => `<tspan x="${SIDE}" dy="${index === 0 ? 0 : LABEL_LINE}">${escapeXml(line)}</tspan>`)
      .join('');
    rows.push(`<text x="${SIDE}" y="${y + LABEL_SIZE}" font-size="${LABEL_SIZE}" fill="${INK}">${label}</text>`);
    const barTop = y + lines.length * LABEL_LINE + 3;
    if (options.track)
      rows.push(`<rect x="${SIDE}" y="${barTop}" width="${barRoom}" height="${BAR_HEIGHT}" fill="${TRACK}"/>`);
    const end = x(item.value);
    // a zero keeps a hairline, so that the bar is seen to be there and empty
    rows.push(
      `<rect x="${SIDE}" y="${barTop}" width="${round(Math.max(end - SIDE, 1))}" height="${BAR_HEIGHT}" fill="${BAR}"/>`,
    );
    const valueX = options.track ? SIDE + barRoom + 6 : end + 6;
    rows.push(
      `<text x="${round(valueX)}" y="${barTop + BAR_HEIGHT - 3}" font-size="12" font-weight="bold" fill="${INK}">${escapeXml(item.valueText)}</text>`,
    );
    y = barTop + BAR_HEIGHT + ROW_GAP;
  }
  const plotBottom = y;

  const axis: string[] = [
    `<line x1="${SIDE}" y1="${plotBottom}" x2="${SIDE + barRoom}" y2="${plotBottom}" stroke="${MUTED}" stroke-width="1"/>`,
  ];
  for (const tick of ticks) {
    const tickX = round(x(tick));
    axis.push(
      `<line x1="${tickX}" y1="${TITLE_HEIGHT - 4}" x2="${tickX}" y2="${plotBottom}" stroke="${GRID}" stroke-width="0.5" stroke-dasharray="3 3"/>`,
      `<line x1="${tickX}" y1="${plotBottom}" x2="${tickX}" y2="${plotBottom + 4}" stroke="${MUTED}" stroke-width="1"/>`,
      `<text x="${tickX}" y="${plotBottom + 16}" font-size="11" text-anchor="middle" fill="${MUTED}">${escapeXml(options.tickText(tick))}</text>`,
    );
  }
  axis.push(
    `<text x="${round(SIDE + barRoom / 2)}" y="${plotBottom + 34}" font-size="12" text-anchor="middle" fill="${MUTED}">${escapeXml(options.axisLabel)}</text>`,
  );

  const height = plotBottom + AXIS_HEIGHT;
  const description = `${title} : ${items.map((item) => `${item.label} : ${item.valueText}`).join(' ; ')}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(description)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="Arial, Helvetica, sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<text x="${SIDE}" y="17" font-size="14" font-weight="bold" fill="${BAR}">${escapeXml(title)}</text>`,
    // the grid lies under the bars
    ...axis,
    ...rows,
    '</svg>',
  ].join('\n');
}

/**
 * The axis of a chart of counts: a round step (1, 2, 2.5 or 5 times a power of ten, at least 1: counts
 * are whole) giving four or five graduations, and the end of the axis on the first one past the
 * largest value. Given an end (a share: 1), quarters of it.
 */
export function axisOf(largest: number, scaleMax?: number): { scale: number; ticks: number[] } {
  if (scaleMax !== undefined) return { scale: scaleMax, ticks: [0, 1, 2, 3, 4].map((index) => (scaleMax * index) / 4) };
  if (!(largest > 0)) return { scale: 1, ticks: [0, 1] };
  const raw = largest / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  // 2.5 only where it still makes whole graduations
  const factors = magnitude >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10];
  const step = Math.max(1, (factors.find((factor) => factor * magnitude >= raw) ?? 10) * magnitude);
  const scale = Math.ceil(largest / step) * step;
  return { scale, ticks: Array.from({ length: Math.round(scale / step) + 1 }, (_, index) => index * step) };
}

/** A label's lines, cut between words only; a word longer than a line stands on its own. */
export function wrapped(text: string, characters: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > characters) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/** Text for an XML or HTML text node or attribute value. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
