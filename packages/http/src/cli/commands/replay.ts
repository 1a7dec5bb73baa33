import { extname } from 'node:path';
import type { ReplayedModel } from '@dui-pds/projections';
import type { Command } from 'commander';
import { asOfFrom, type Clock, describeAsOf, parseAsOfDate, parseClock, parsePosition } from '../as-of.js';
import { UsageError } from '../cli-errors.js';
import { type CliContext, catalogued, inSession, say } from '../context.js';
import { interruptible } from '../interruption.js';
import { openFileSink } from '../output-file.js';
import { formatCount, ProgressBar } from '../progress-bar.js';
import { type ModelTable, readTables, tableCsv, tablesJson } from '../replayed-tables.js';

interface ReplayOptions {
  projection: string;
  asOf?: Date;
  clock?: Clock;
  position?: bigint;
  out: string;
  table?: string;
}

export function registerReplay(program: Command, context: CliContext): void {
  program
    .command('replay')
    .summary('rejoue une projection à une date passée, en JSON ou CSV')
    .description(
      'Voyage dans le temps : reconstruit une projection telle qu’elle était à une date ou à une position ' +
        'du journal, dans un schéma à part supprimé ensuite, et l’écrit en JSON ou en CSV',
    )
    .requiredOption('--projection <nom>', 'obligatoire : projection à rejouer (voir dui projections list)')
    .option(
      '--as-of <date>',
      'date ISO 8601 : 2025-03-31 (fin de cette journée, heure de Paris), 2025-03-31T18:00 (heure de Paris) ' +
        'ou 2025-03-31T16:00:00Z',
      parseAsOfDate,
    )
    .option(
      '--clock <horloge>',
      'horloge de --as-of : recorded (date d’enregistrement, par défaut) ou occurred (date des faits)',
      parseClock,
    )
    .option(
      '--position <position>',
      'position globale du dernier événement à inclure (au lieu de --as-of)',
      parsePosition,
    )
    .requiredOption('--out <fichier>', 'obligatoire : fichier écrit, .json (toutes les tables) ou .csv (une table)')
    .option('--table <table>', 'table à écrire ; obligatoire en CSV quand la projection a plusieurs tables')
    .addHelpText(
      'after',
      '\nExemples :\n' +
        '  dui replay --projection activity_journal --as-of 2025-03-31 --out journal-mars.json\n' +
        '  dui replay --projection activity_journal --as-of 2025-03-31 --clock occurred --out activite.csv\n' +
        '  dui replay --projection activity_journal --position 1234 --out journal.json',
    )
    .action(async (options: ReplayOptions, command: Command) => {
      const asOf = checkedAsOf(options);
      const format = formatOf(options.out);
      const projection = catalogued(context, options.projection);
      const sink = await openFileSink(options.out);
      try {
        const written = await inSession(command, context, async ({ opened, runtime }) => {
          const bar = new ProgressBar(options.projection, context.stderr);
          let model: ReplayedModel;
          try {
            model = await interruptible((signal) =>
              runtime().replay(options.projection, asOf, { onProgress: (progress) => bar.update(progress), signal }),
            );
          } finally {
            bar.stop();
          }
          try {
            const names = selectTables(options, format, await model.tables());
            const tables = await readTables(opened.knex, model, names);
            await sink.write(
              format === 'json'
                ? tablesJson(
                    {
                      projection: options.projection,
                      version: projection.version,
                      asOf: describeAsOf(asOf),
                      eventsApplied: model.eventsApplied,
                    },
                    tables,
                  )
                : tableCsv(tables[0]!),
            );
            return { tables, eventsApplied: model.eventsApplied };
          } finally {
            await model.dispose();
          }
        });
        await sink.close();
        say(context, summary(options, written.tables, written.eventsApplied));
      } catch (error) {
        await sink.discard();
        throw error;
      }
    });
}

function checkedAsOf(options: ReplayOptions) {
  if (options.asOf !== undefined && options.position !== undefined) {
    throw new UsageError('indiquez --as-of ou --position, pas les deux');
  }
  if (options.clock !== undefined && options.asOf === undefined) {
    throw new UsageError('--clock ne s’emploie qu’avec --as-of');
  }
  const asOf = asOfFrom({ date: options.asOf, clock: options.clock, position: options.position });
  if (!asOf) throw new UsageError('indiquez le moment voulu : --as-of <date> ou --position <position>');
  return asOf;
}

function formatOf(path: string): 'json' | 'csv' {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.csv') return 'csv';
  throw new UsageError(`--out : le fichier doit finir par .json ou .csv (« ${path} »)`);
}

function selectTables(options: ReplayOptions, format: 'json' | 'csv', tables: readonly string[]): string[] {
  if (options.table !== undefined) {
    if (!tables.includes(options.table)) {
      throw new UsageError(
        `la projection ${options.projection} n’a pas de table « ${options.table} » (tables : ${tables.join(', ')})`,
      );
    }
    return [options.table];
  }
  if (format === 'csv' && tables.length !== 1) {
    throw new UsageError(
      `la projection ${options.projection} a ${tables.length} tables (${tables.join(', ')}) : ` +
        'choisissez-en une avec --table pour un CSV',
    );
  }
  return [...tables];
}

function summary(options: ReplayOptions, tables: readonly ModelTable[], eventsApplied: number): string {
  const rows = tables.reduce((sum, table) => sum + table.rows.length, 0);
  return (
    `Projection ${options.projection} rejouée (${formatCount(eventsApplied)} événement(s) appliqué(s)) : ` +
    `${formatCount(rows)} ligne(s) de ${tables.map((table) => table.name).join(', ')} écrite(s) dans ${options.out}.`
  );
}
