import { extname } from 'node:path';
import { type ActivityReport, InvalidReportScopeError, REPORTING_OUTBOX, type ReportScope } from '@dui-pds/projections';
import type { Command } from 'commander';
import {
  computeReport,
  defaultPeriod,
  REPORT_FORMATS,
  REPORT_KINDS,
  type ReportFormat,
  type ReportKind,
  renderedReport,
} from '../../features/reports/report-rendering.js';
import { CliError, ExitCode, UsageError } from '../cli-errors.js';
import { type CliContext, inSession, note } from '../context.js';
import { openFileSink, streamSink, type TextSink } from '../output-file.js';

interface ReportOptions {
  organisation: string;
  facility?: string;
  from?: string;
  to?: string;
  format?: string;
  output?: string;
}

const TITLES: Readonly<Record<ReportKind, string>> = {
  csapa: 'rapport d’activité CSAPA',
  caarud: 'rapport d’activité ASA-CAARUD',
  recap: 'extrait RECAP',
  'esms-numerique': 'indicateurs ESMS numérique',
};

const parisDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });

export function registerReport(program: Command, context: CliContext): void {
  program
    .command('report')
    .summary('calcule un rapport d’activité, l’extrait RECAP ou les indicateurs ESMS numérique')
    .description(
      'Calcule un rapport à partir des événements de reporting pseudonymisés (corrections et annulations ' +
        'appliquées), pour un ESSMS ou pour tout l’organisme gestionnaire, et l’écrit en JSON, CSV, HTML ou PDF',
    )
    .argument('<type>', `type de rapport : ${REPORT_KINDS.join(', ')}`)
    .requiredOption('--organisation <id>', 'obligatoire : identifiant de l’organisme gestionnaire')
    .option('--facility <finess>', 'FINESS de l’ESSMS ; sans lui, tout l’organisme gestionnaire')
    .option('--from <jour>', 'premier jour (AAAA-MM-JJ, inclus) ; par défaut le 1er janvier de l’année de --to')
    .option('--to <jour>', 'dernier jour (AAAA-MM-JJ, inclus) ; par défaut aujourd’hui (heure de Paris)')
    .option('--format <format>', `${REPORT_FORMATS.join(', ')} ; par défaut l’extension de --output, sinon json`)
    .option('--output <fichier>', 'fichier écrit (par défaut : la sortie standard)')
    .addHelpText(
      'after',
      '\nExemples :\n' +
        '  dui report csapa --organisation og-1 --facility 750000001 --from 2025-01-01 --to 2025-12-31\n' +
        '  dui report caarud --organisation og-1 --facility 750000002 --output asa-caarud-2025.pdf\n' +
        '  dui report recap --organisation og-1 --facility 750000001 --from 2025-01-01 --to 2025-12-31 --format csv',
    )
    .action(async (kind: string, options: ReportOptions, command: Command) => {
      const checkedKind = kindOf(kind);
      const format = formatOf(options);
      const period = defaultPeriod(parisDay.format(new Date()), {
        from: dayOf(options.from, '--from'),
        to: dayOf(options.to, '--to'),
      });
      const scope: ReportScope = {
        organisationId: options.organisation,
        ...(options.facility === undefined ? {} : { facilityId: options.facility }),
        ...period,
      };
      const sink: TextSink = options.output ? await openFileSink(options.output) : streamSink(context.stdout);
      try {
        const report = await inSession(command, context, async ({ opened, runtime }) => {
          const outboxSchema = runtime().readSchema(REPORTING_OUTBOX);
          try {
            return await computeReport(checkedKind, opened.knex, outboxSchema, scope, new Date());
          } catch (error) {
            if (error instanceof InvalidReportScopeError) throw new UsageError(error.message);
            if (isMissingTable(error)) {
              throw new CliError(
                'les événements de reporting n’existent pas encore dans ce schéma : lancez d’abord « dui migrate »',
                ExitCode.failure,
              );
            }
            throw error;
          }
        });
        await sink.write(await bytesOf(report, format));
        await sink.close();
        note(
          context,
          `${TITLES[checkedKind]} du ${scope.from} au ${scope.to}${where(scope)} écrit${options.output ? ` dans ${options.output}` : ''}`,
        );
      } catch (error) {
        await sink.discard();
        throw error;
      }
    });
}

async function bytesOf(report: ActivityReport, format: ReportFormat): Promise<string | Uint8Array> {
  const rendered = await renderedReport(report, format, {});
  return rendered ? rendered.body : `${JSON.stringify(report, null, 2)}\n`;
}

function where(scope: ReportScope): string {
  return scope.facilityId === undefined
    ? ` pour l’organisme ${scope.organisationId}`
    : ` pour l’ESSMS ${scope.facilityId}`;
}

function kindOf(kind: string): ReportKind {
  if ((REPORT_KINDS as readonly string[]).includes(kind)) return kind as ReportKind;
  throw new UsageError(`type de rapport inconnu : « ${kind} » (types connus : ${REPORT_KINDS.join(', ')})`);
}

function formatOf(options: ReportOptions): ReportFormat {
  const given = options.format ?? (options.output ? extname(options.output).slice(1).toLowerCase() : 'json');
  if ((REPORT_FORMATS as readonly string[]).includes(given)) return given as ReportFormat;
  if (options.format === undefined) {
    throw new UsageError(
      `format inconnu pour « ${options.output} » : donnez --format (${REPORT_FORMATS.join(', ')}) ou une extension .json, .csv, .html ou .pdf`,
    );
  }
  throw new UsageError(`format inconnu : « ${options.format} » (formats connus : ${REPORT_FORMATS.join(', ')})`);
}

function dayOf(text: string | undefined, option: string): string | undefined {
  if (text === undefined) return undefined;
  const date = new Date(`${text}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new UsageError(`${option} : « ${text} » n’est pas un jour (AAAA-MM-JJ, par exemple 2025-12-31)`);
  }
  return text;
}

function isMissingTable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '42P01';
}
