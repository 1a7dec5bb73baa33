import type { ActivityReport } from '@dui-pds/projections';
import {
  breakdownBars,
  breakdownTotals,
  type ReportBlock,
  type ReportOptions,
  reportContent,
} from './report-content.js';
import { frenchInteger, frenchPercent, frenchWholePercent, shareOf } from './report-labels.js';
import { escapeXml as escaped, svgBarChart } from './svg-bar-chart.js';

/**
 * A report as a standalone French HTML page: headings, tables with captions and header cells, and
 * bar charts as inline SVG beside the tables that hold their figures. No script, no external
 * resource (styles inline, system fonts): it reads offline, printed, and with a screen reader.
 * Every string from the report or the options is escaped.
 */
export function renderReportHtml(report: ActivityReport, options: ReportOptions = {}): string {
  const content = reportContent(report, options);
  let tableNumber = 0;
  const nextId = () => {
    tableNumber += 1;
    return `tableau-${tableNumber}`;
  };

  const block = (item: ReportBlock): string => {
    switch (item.kind) {
      case 'figures':
        return [
          '<table class="figures">',
          `<caption>${escaped(item.caption)}</caption>`,
          '<tbody>',
          ...item.figures.map(
            (figure) =>
              `<tr${figure.part ? ' class="part"' : ''}><th scope="row">${escaped(figure.label)}</th><td>${escaped(figure.value)}</td></tr>`,
          ),
          '</tbody>',
          '</table>',
        ].join('\n');
      case 'breakdown': {
        const totals = breakdownTotals(item.lines);
        const first = totals[0] ?? 0;
        const headers = [
          `<th scope="col">${escaped(item.categoryHeader)}</th>`,
          ...item.countHeaders.map((header) => `<th scope="col" class="number">${escaped(header)}</th>`),
          ...(item.withShare ? ['<th scope="col" class="number">Part</th>'] : []),
        ];
        const row = (label: string, counts: readonly number[], total: boolean) => {
          const cells = counts.map((count) => `<td class="number">${escaped(frenchInteger(count))}</td>`);
          const share = item.withShare ? [`<td class="number">${escaped(shareOf(counts[0] ?? 0, first))}</td>`] : [];
          const tag = total ? 'tr class="total"' : 'tr';
          return `<${tag}><th scope="row">${escaped(label)}</th>${[...cells, ...share].join('')}</tr>`;
        };
        const table = [
          '<table>',
          `<caption>${escaped(item.caption)}</caption>`,
          `<thead><tr>${headers.join('')}</tr></thead>`,
          '<tbody>',
          ...item.lines.map((line) => row(line.label, line.counts, false)),
          '</tbody>',
          `<tfoot>${row('Total', totals, true)}</tfoot>`,
          '</table>',
        ].join('\n');
        const chart =
          item.lines.length === 0
            ? '<p class="note">Aucune donnée à représenter.</p>'
            : svgBarChart(item.caption, breakdownBars(item), { axisLabel: item.axisLabel, tickText: frenchInteger });
        return `<div class="breakdown">\n<div class="table">${table}</div>\n<div class="chart">${chart}</div>\n</div>`;
      }
      case 'table': {
        const id = nextId();
        const align = (index: number) => (item.columns[index]?.align === 'right' ? ' class="number"' : '');
        return [
          `<div class="scroll" role="region" aria-labelledby="${id}" tabindex="0">`,
          `<table${item.columns.length > 5 ? ' class="records"' : ''}>`,
          `<caption id="${id}">${escaped(item.caption)}</caption>`,
          `<thead><tr>${item.columns.map((column, index) => `<th scope="col"${align(index)}>${escaped(column.header)}</th>`).join('')}</tr></thead>`,
          '<tbody>',
          ...item.rows.map(
            (cells) =>
              `<tr>${cells.map((cell, index) => (index === item.rowHeader ? `<th scope="row"${align(index)}>${escaped(cell)}</th>` : `<td${align(index)}>${escaped(cell)}</td>`)).join('')}</tr>`,
          ),
          '</tbody>',
          '</table>',
          '</div>',
        ].join('\n');
      }
      case 'share':
        // the figures are in the indicators' table above: the chart and its reading
        return [
          '<div class="share">',
          svgBarChart(item.caption, [{ label: item.label, value: item.share, valueText: frenchPercent(item.share) }], {
            axisLabel: 'Part des dossiers d’usagers identifiés',
            scaleMax: 1,
            tickText: frenchWholePercent,
            track: true,
          }),
          `<p>${escaped(`${item.label} : ${frenchPercent(item.share)}, soit ${item.detail}.`)}</p>`,
          '</div>',
        ].join('\n');
      case 'note':
        return `<p class="note">${escaped(item.text)}</p>`;
    }
  };

  const sections = content.sections.map((section, index) => {
    const id = `section-${index + 1}`;
    return [
      `<section aria-labelledby="${id}">`,
      `<h2 id="${id}">${index + 1}. ${escaped(section.heading)}</h2>`,
      ...section.blocks.map(block),
      '</section>',
    ].join('\n');
  });

  return `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped(`${content.title} — ${content.scopeHeading}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1><span class="kind">${escaped(content.title)}</span><span class="visually-hidden"> : </span><span class="scope">${escaped(content.scopeHeading)}</span></h1>
<ul class="context">
${content.context.map((line) => `<li>${escaped(line)}</li>`).join('\n')}
</ul>
</header>
<main>
${sections.join('\n')}
</main>
<footer>
<h2>Méthode</h2>
<p>${escaped(content.method)}</p>
<p>Document sans donnée nominative, établi par DUI-PDS.</p>
</footer>
</body>
</html>
`;
}

const STYLE = `
:root { color: #1f2937; background: #fff; font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.45; }
body { margin: 0 auto; padding: 24px 32px; max-width: 1200px; }
h1 { margin: 0 0 8px; color: #1d4e89; font-size: 1.6rem; }
h1 .kind { display: block; font-size: 1rem; font-weight: normal; color: #4b5563; text-transform: none; }
h1 .scope { display: block; }
h2 { margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 2px solid #1d4e89; color: #1d4e89; font-size: 1.25rem; }
.context { margin: 0; padding: 0; list-style: none; color: #4b5563; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0 0 8px; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: 4px 0 6px; color: #1f2937; }
th, td { border-bottom: 1px solid #d1d5db; padding: 4px 10px; text-align: left; vertical-align: top; }
thead th { background: #dbe4f0; color: #1d4e89; }
tbody th { font-weight: normal; }
.number { text-align: right; font-variant-numeric: tabular-nums; }
td.number { white-space: nowrap; }
tfoot th, tfoot td { font-weight: bold; border-top: 2px solid #9ca3af; }
.figures td { text-align: right; font-weight: bold; font-variant-numeric: tabular-nums; }
.figures .part th { padding-left: 28px; color: #4b5563; }
.figures .part td { font-weight: normal; }
.breakdown { display: flex; flex-wrap: wrap; gap: 16px 40px; align-items: flex-start; margin: 12px 0 28px; break-inside: avoid; }
.breakdown .table { flex: 1 1 380px; }
.breakdown .table table { width: 100%; }
.chart svg { max-width: 100%; height: auto; }
.scroll { overflow-x: auto; margin: 12px 0; }
.records { font-size: 0.8rem; }
.records th, .records td { padding: 3px 5px; }
.records tbody th { white-space: nowrap; font-family: monospace; }
.share { margin: 12px 0 20px; }
.note { color: #4b5563; font-style: italic; }
footer { margin-top: 40px; color: #4b5563; font-size: 0.9rem; }
footer h2 { font-size: 1.05rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media print { body { padding: 0; } h2 { break-after: avoid; } .scroll { overflow: visible; } }
`;
