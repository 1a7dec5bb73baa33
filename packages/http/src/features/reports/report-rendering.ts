import { renderReportHtml, renderReportPdf } from '@dui-pds/documents';
import {
  type ActivityReport,
  caarudActivityReport,
  csapaActivityReport,
  esmsNumeriqueIndicators,
  type ReportScope,
  recapExtract,
  reportCsv,
} from '@dui-pds/projections';
import type { Knex } from 'knex';

/** What the HTTP route and `dui report` share: the kinds, the formats, the default period, the rendering. */

export const REPORT_KINDS = ['csapa', 'caarud', 'recap', 'esms-numerique'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const REPORT_FORMATS = ['json', 'csv', 'html', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const COMPUTE: Readonly<
  Record<ReportKind, (db: Knex, outboxSchema: string, scope: ReportScope, now: Date) => Promise<ActivityReport>>
> = {
  csapa: csapaActivityReport,
  caarud: caarudActivityReport,
  recap: recapExtract,
  'esms-numerique': esmsNumeriqueIndicators,
};

const FILE_NAMES: Readonly<Record<ReportKind, string>> = {
  csapa: 'rapport-activite-csapa',
  caarud: 'rapport-activite-caarud',
  recap: 'extrait-recap',
  'esms-numerique': 'indicateurs-esms-numerique',
};

/** The period of a report when the caller gives none: the current year so far (Europe/Paris). */
export function defaultPeriod(
  today: string,
  period: { from?: string | undefined; to?: string | undefined },
): { from: string; to: string } {
  const to = period.to ?? today;
  return { from: period.from ?? `${to.slice(0, 4)}-01-01`, to };
}

/** A report in a format, as bytes with its media type and file name; JSON as the report itself. */
export async function renderedReport(
  report: ActivityReport,
  format: ReportFormat,
  facilityNames: Readonly<Record<string, string>>,
): Promise<{ body: Buffer; contentType: string; fileName: string } | undefined> {
  const { facilityId, from, to } = report.scope;
  const base = `${FILE_NAMES[report.kind]}-${facilityId ?? 'organisme'}-${from}-${to}`;
  switch (format) {
    case 'json':
      return undefined;
    case 'csv':
      return {
        body: Buffer.from(reportCsv(report), 'utf8'),
        contentType: 'text/csv; charset=utf-8',
        fileName: `${base}.csv`,
      };
    case 'html':
      return {
        body: Buffer.from(renderReportHtml(report, { facilityNames }), 'utf8'),
        contentType: 'text/html; charset=utf-8',
        fileName: `${base}.html`,
      };
    case 'pdf':
      return {
        body: await renderReportPdf(report, { facilityNames }),
        contentType: 'application/pdf',
        fileName: `${base}.pdf`,
      };
  }
}

/** Computes a report of a kind; throws `InvalidReportScopeError` for a period it cannot cover. */
export function computeReport(
  kind: ReportKind,
  db: Knex,
  outboxSchema: string,
  scope: ReportScope,
  now: Date,
): Promise<ActivityReport> {
  return COMPUTE[kind](db, outboxSchema, scope, now);
}
