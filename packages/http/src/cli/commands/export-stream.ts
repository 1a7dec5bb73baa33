import type { RecordedEvent } from '@dui-pds/eventstore';
import type { Command } from 'commander';
import { type CliContext, inSession, note } from '../context.js';
import { openFileSink, streamSink, type TextSink } from '../output-file.js';
import { formatCount } from '../progress-bar.js';

/** Events read per page: a long stream is written as it is read, never held whole in memory. */
const PAGE = 1_000;

export function registerExportStream(program: Command, context: CliContext): void {
  program
    .command('export-stream')
    .summary('exporte un flux en JSON lines')
    .description(
      'Exporte les événements d’un flux en JSON lines (un événement par ligne) ; données déchiffrées ' +
        'seulement si DUI_MASTER_KEY est fournie (les usagers effacés apparaissent avec le marqueur $erased)',
    )
    .argument('<flux>', 'identifiant du flux à exporter')
    .option('--out <fichier>', 'fichier écrit (par défaut : la sortie standard)')
    .action(async (streamId: string, options: { out?: string }, command: Command) => {
      const sink: TextSink = options.out ? await openFileSink(options.out) : streamSink(context.stdout);
      try {
        const exported = await inSession(command, context, async ({ reader, decrypts }) => {
          if (!decrypts) {
            note(
              context,
              'note : DUI_MASTER_KEY absente, les données sont exportées telles que stockées ' +
                '(celles qui concernent un usager restent chiffrées)',
            );
          }
          let count = 0;
          for (let fromRevision = 0; ; ) {
            const events = await reader.readStream(streamId, { fromRevision, maxCount: PAGE });
            if (events.length > 0) await sink.write(events.map(exportLine).join(''));
            count += events.length;
            if (events.length < PAGE) return count;
            // from the last revision read, not by counting: a tampered stream may have gaps
            fromRevision = events.at(-1)!.streamRevision + 1;
          }
        });
        await sink.close();
        if (exported === 0) note(context, `le flux « ${streamId} » n’a aucun événement`);
        else
          note(context, `${formatCount(exported)} événement(s) exporté(s)${options.out ? ` dans ${options.out}` : ''}`);
      } catch (error) {
        await sink.discard();
        throw error;
      }
    });
}

export function exportLine(event: RecordedEvent): string {
  return `${JSON.stringify({
    id: event.id,
    type: event.type,
    version: event.version,
    streamId: event.streamId,
    streamRevision: event.streamRevision,
    globalPosition: String(event.globalPosition),
    metadata: event.metadata,
    data: event.data,
    hash: event.hash,
  })}\n`;
}
