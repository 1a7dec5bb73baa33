import { type Anchor, rfc3161TimestampAuthority, takeAnchor, timestampAnchor } from '@dui-pds/eventstore';
import type { Command } from 'commander';
import {
  readTrustedCertificates,
  TSA_CA_OPTION,
  TSA_URL_OPTION,
  timestampAuthoritySetting,
} from '../anchor-timestamp.js';
import { IntegrityFailure } from '../cli-errors.js';
import { type CliContext, inSession, note } from '../context.js';
import { openFileSink, streamSink, type TextSink } from '../output-file.js';
import { formatCount } from '../progress-bar.js';
import { describeViolation } from './verify.js';

export function registerAnchor(program: Command, context: CliContext): void {
  program
    .command('anchor')
    .summary('prend une ancre du journal vérifié, à conserver hors de la base')
    .description(
      'Vérifie tout le journal puis écrit une ancre : la fin de chaque flux à cet instant et l’empreinte ' +
        'cumulée du journal global dans son ordre, en JSON, et son empreinte. Conservez l’ancre hors de la ' +
        'base et publiez son empreinte (envoyée à l’auditeur, inscrite dans un registre) : dui verify ' +
        '--anchor montre ensuite toute réécriture de ce que l’ancre a vu, même empreintes recalculées, et ' +
        'tout événement déplacé ou glissé dans le passé du journal. Un journal en défaut n’est pas ancré (code 1). ' +
        'Avec --tsa, une autorité d’horodatage (RFC 3161) signe l’empreinte avec sa date, et le jeton est ' +
        'gardé dans l’ancre : si elle ne répond pas ou refuse, aucune ancre n’est écrite (code 3)',
    )
    .option('--out <fichier>', 'fichier écrit (par défaut : la sortie standard)')
    .option(...TSA_URL_OPTION)
    .option(...TSA_CA_OPTION)
    .action(async (options: { out?: string; tsa?: string; tsaCa?: string }, command: Command) => {
      const authority = timestampAuthoritySetting(options.tsa ?? (context.env.DUI_TSA_URL || undefined));
      const trustedCertificates = await readTrustedCertificates(options.tsaCa ?? context.env.DUI_TSA_CA);
      const sink: TextSink = options.out ? await openFileSink(options.out) : streamSink(context.stdout);
      try {
        const taken = await inSession(command, context, ({ rawStore }) => {
          note(context, 'Vérification de tout le journal avant de l’ancrer…');
          return takeAnchor(rawStore, new Date());
        });
        const walked = `${formatCount(taken.eventsChecked)} événement(s) dans ${formatCount(taken.streamsChecked)} flux`;
        if (!taken.ok)
          throw new IntegrityFailure(
            `intégrité rompue, journal non ancré : ${describeViolation(taken.firstBadEvent)} ; ${walked} parcourus`,
          );
        const anchor: Anchor = authority
          ? await timestampAnchor(taken.anchor, rfc3161TimestampAuthority({ ...authority, trustedCertificates }))
          : taken.anchor;
        await sink.write(`${JSON.stringify(anchor, null, 2)}\n`);
        await sink.close();
        // the anchor holds the log below the fence (ADR 0004): it may count fewer events than were verified
        const held = `${formatCount(taken.anchor.log?.events ?? taken.eventsChecked)} événement(s) dans ${formatCount(taken.anchor.streams.length)} flux`;
        note(
          context,
          `Ancre du ${taken.anchor.takenAt} : ${held}${options.out ? `, écrite dans ${options.out}` : ''}.`,
        );
        if (anchor.timestamp) note(context, `Horodatée le ${anchor.timestamp.time} par ${anchor.timestamp.authority}.`);
        note(context, `Empreinte à publier hors de la base : ${taken.anchor.digest}`);
      } catch (error) {
        await sink.discard();
        throw error;
      }
    });
}
