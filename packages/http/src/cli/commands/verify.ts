import type { IntegrityViolation } from '@dui-pds/eventstore';
import type { Command } from 'commander';
import { IntegrityFailure } from '../cli-errors.js';
import { type CliContext, inSession, note, say } from '../context.js';
import { formatCount } from '../progress-bar.js';

const PROBLEMS: Record<IntegrityViolation['problem'], string> = {
  altered: 'événement altéré (son contenu ne correspond plus à son empreinte)',
  removed: 'événement supprimé (il en manque un avant celui-ci)',
  inserted: 'événement inséré (il n’est chaîné à aucun événement du flux, ou sa révision est en double)',
  reordered:
    'événements réordonnés (celui-ci est intact mais ne suit plus son prédécesseur, dans son flux ou dans le journal global)',
};

export function registerVerify(program: Command, context: CliContext): void {
  program
    .command('verify')
    .summary('vérifie les chaînes de hachage du journal')
    .description(
      'Vérifie les chaînes de hachage du journal (tout le journal, ou un flux) ; ' +
        'code de sortie 1 et le premier événement en défaut quand elles sont rompues',
    )
    .option('--stream <flux>', 'ne vérifie que ce flux (identifiant du flux)')
    .action(async (options: { stream?: string }, command: Command) => {
      await inSession(command, context, async ({ rawStore }) => {
        note(
          context,
          options.stream ? `Vérification du flux « ${options.stream} »…` : 'Vérification de tout le journal…',
        );
        // the chains cover the data as stored: verify the raw store, never a decrypting one
        const report = await rawStore.verifyIntegrity(options.stream ? { streamId: options.stream } : {});
        const walked = `${formatCount(report.eventsChecked)} événement(s) dans ${formatCount(report.streamsChecked)} flux`;
        if (!report.ok)
          throw new IntegrityFailure(
            `intégrité rompue : ${describeViolation(report.firstBadEvent)} ; ${walked} parcourus`,
          );
        if (options.stream && report.eventsChecked === 0)
          note(context, `le flux « ${options.stream} » n’a aucun événement`);
        say(context, `Intégrité vérifiée : ${walked}, chaînes de hachage intactes.`);
      });
    });
}

/** Names the event by everything an auditor needs to find it; never its data. */
export function describeViolation(violation: IntegrityViolation): string {
  const where = [`flux « ${violation.streamId} »`];
  if (violation.streamRevision !== undefined) where.push(`révision ${violation.streamRevision}`);
  if (violation.globalPosition !== undefined) where.push(`position globale ${violation.globalPosition}`);
  if (violation.eventId !== undefined) where.push(`événement ${violation.eventId}`);
  const problem =
    violation.problem === 'removed' && violation.streamRevision === undefined
      ? 'fin de flux supprimée (ses derniers événements manquent)'
      : PROBLEMS[violation.problem];
  return `${problem} — ${where.join(', ')}`;
}
