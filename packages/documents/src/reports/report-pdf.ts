import type { ActivityReport } from '@dui-pds/projections';
import { FrenchPdf, type TableColumn } from '../pdf/french-pdf.js';
import {
  breakdownBars,
  breakdownTotals,
  type ReportBlock,
  type ReportOptions,
  reportContent,
} from './report-content.js';
import { frenchInteger, frenchPercent, organisationLabel, REPORT_SHORT_TITLES, shareOf } from './report-labels.js';

const FIGURE_COLUMNS: readonly TableColumn[] = [
  { header: 'Indicateur', width: 75 },
  { header: 'Valeur', width: 25, align: 'right' },
];

/**
 * What must fit under a block's title for the title to stay on the page: a short table whole
 * (about 14 points a line), the first lines of a long one.
 */
function roomUnderTitle(block: ReportBlock): number {
  switch (block.kind) {
    case 'breakdown':
      return Math.min(28 + (block.lines.length + 2) * 14, 320);
    case 'figures':
      return Math.min(28 + block.figures.length * 14, 200);
    case 'table':
      return 80;
    case 'share':
      return 60;
    case 'note':
      return 20;
  }
}

/**
 * A report as a French A4 PDF, with the sections, tables and charts of its HTML page: each
 * breakdown as a table then horizontal bars with their values; the organisation, the report and
 * its period at the top of every page, page numbers at the bottom. RECAP is printed in landscape,
 * its summary and first lines only: the CSV is the extract.
 */
export async function renderReportPdf(report: ActivityReport, options: ReportOptions = {}): Promise<Buffer> {
  const content = reportContent(report, options);
  const organisation = organisationLabel(report.scope.organisationId, options);
  const pdf = new FrenchPdf(
    {
      title: `${content.title} — ${content.scopeHeading}`,
      subject: content.title,
      author: organisation,
      createdAt: new Date(report.computedAt),
    },
    `${REPORT_SHORT_TITLES[report.kind]} — document sans donnée nominative`,
    {
      pageHeader: [organisation, `${REPORT_SHORT_TITLES[report.kind]} — ${content.scopeHeading}`],
      layout: report.kind === 'recap' ? 'landscape' : 'portrait',
    },
  ).title(content.title, [content.scopeHeading, ...content.context]);

  const block = (item: ReportBlock) => {
    switch (item.kind) {
      case 'figures':
        pdf.subheading(item.caption, roomUnderTitle(item));
        pdf.table(
          FIGURE_COLUMNS,
          item.figures.map((figure) => [figure.part ? `      ${figure.label}` : figure.label, figure.value]),
        );
        return;
      case 'breakdown': {
        const totals = breakdownTotals(item.lines);
        const first = totals[0] ?? 0;
        const countWidth = 15;
        const columns: TableColumn[] = [
          {
            header: item.categoryHeader,
            width: 100 - countWidth * (item.countHeaders.length + (item.withShare ? 1 : 0)),
          },
          ...item.countHeaders.map((header) => ({ header, width: countWidth, align: 'right' as const })),
          ...(item.withShare ? [{ header: 'Part', width: countWidth, align: 'right' as const }] : []),
        ];
        const row = (label: string, counts: readonly number[]) => [
          label,
          ...counts.map(frenchInteger),
          ...(item.withShare ? [shareOf(counts[0] ?? 0, first)] : []),
        ];
        pdf.subheading(item.caption, roomUnderTitle(item));
        pdf.table(columns, [...item.lines.map((line) => row(line.label, line.counts)), row('Total', totals)]);
        if (item.lines.length > 0) pdf.bars(breakdownBars(item), { title: `Graphique : ${item.caption}` });
        return;
      }
      case 'table': {
        const limit = item.printedRowsLimit ?? item.rows.length;
        pdf.subheading(item.caption);
        pdf.table(
          item.columns.map((column) => ({ header: column.header, width: column.width, align: column.align })),
          item.rows.slice(0, limit),
        );
        if (item.rows.length > limit)
          pdf.note(
            `Les ${frenchInteger(limit)} premières lignes sur ${frenchInteger(item.rows.length)} : l’extraction complète est l’export CSV.`,
          );
        return;
      }
      case 'share':
        pdf.subheading(item.caption);
        pdf.field(item.label, `${frenchPercent(item.share)}, soit ${item.detail}`);
        pdf.bars([{ label: item.label, value: item.share, valueText: frenchPercent(item.share) }], {
          title: `Graphique : ${item.caption}`,
          scaleMax: 1,
          track: true,
        });
        return;
      case 'note':
        pdf.note(item.text);
        return;
    }
  };

  for (const section of content.sections) {
    const first = section.blocks[0];
    pdf.section(section.heading, 40 + (first ? roomUnderTitle(first) : 0));
    for (const item of section.blocks) block(item);
  }
  pdf.section('Méthode');
  pdf.paragraph(content.method);
  return pdf.end();
}
