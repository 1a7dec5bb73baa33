import { type Anchor, checkAnchorTimestamp, type IntegrityViolation } from '@dui-pds/eventstore';
import type { Command } from 'commander';
import { readAnchor } from '../anchor-file.js';
import {
  describeTimestamp,
  describeTimestampProblem,
  readRevocationLists,
  readTrustedCertificates,
  TSA_CA_OPTION,
  TSA_CRL_OPTION,
} from '../anchor-timestamp.js';
import { IntegrityFailure } from '../cli-errors.js';
import { type CliContext, inSession, note, say } from '../context.js';
import { formatCount } from '../progress-bar.js';

const PROBLEMS: Record<IntegrityViolation['problem'], string> = {
  altered: 'événement altéré (son contenu ne correspond plus à son empreinte)',
  removed: 'événement supprimé (il en manque un avant celui-ci)',
  inserted:
    'événement inséré (il n’est chaîné à aucun événement du flux, ou sa révision est en double, ou il précède dans ' +
    'le journal global des événements que l’ancre a vus sans qu’elle l’ait vu)',
  reordered:
    'événements réordonnés (celui-ci est intact mais ne suit plus son prédécesseur, dans son flux ou dans le journal ' +
    'global ; ou le journal n’a plus les événements que l’ancre a vus dans l’ordre où elle les a vus)',
  hidden:
    'événement invisible des lecteurs du journal global (son identifiant de transaction n’a encore été donné à ' +
    'aucune transaction : il a été mis là, ou le journal a été restauré sans avancer les identifiants de ' +
    'transaction du serveur, voir operations.md)',
  rewritten:
    'flux réécrit depuis l’ancre (à cette révision, ce n’est plus l’événement que l’ancre a vu : ' +
    'il a été remplacé, lui ou un précédent, et les empreintes recalculées)',
};

interface VerifyOptions {
  stream?: string;
  anchor?: string;
  tsaCa?: string;
  tsaCrl?: string;
}

export function registerVerify(program: Command, context: CliContext): void {
  program
    .command('verify')
    .summary('vérifie les chaînes de hachage du journal')
    .description(
      'Vérifie les chaînes de hachage du journal (tout le journal, ou un flux) ; ' +
        'code de sortie 1 et le premier événement en défaut quand elles sont rompues. ' +
        'Avec --anchor, vérifie aussi que chaque flux contient encore ce que l’ancre a vu et que le journal ' +
        'global a encore ces événements-là dans le même ordre (voir dui anchor), et, pour une ancre horodatée, ' +
        'que son jeton d’horodatage porte sur elle, signé par une autorité d’horodatage (de confiance avec --tsa-ca, ' +
        'non révoquée avec --tsa-crl)',
    )
    .option('--stream <flux>', 'ne vérifie que ce flux (identifiant du flux)')
    .option('--anchor <fichier>', 'ancre prise plus tôt par dui anchor, conservée hors de la base')
    .option(...TSA_CA_OPTION)
    .option(...TSA_CRL_OPTION)
    .action(async (options: VerifyOptions, command: Command) => {
      // read before anything is opened: a wrong path should not cost a walk of the whole log
      const anchor = options.anchor === undefined ? undefined : await readAnchor(options.anchor);
      const trustedCertificates = anchor && (await readTrustedCertificates(options.tsaCa ?? context.env.DUI_TSA_CA));
      const revocationLists =
        anchor && (await readRevocationLists(options.tsaCrl ?? context.env.DUI_TSA_CRL, trustedCertificates));
      // an anchor whose time-stamp does not hold proves nothing: said before the walk
      const stamp = anchor && (await checkAnchorTimestamp(anchor, { trustedCertificates, revocationLists }));
      if (stamp && !stamp.ok) throw new IntegrityFailure(describeTimestampProblem(stamp));
      await inSession(command, context, async ({ rawStore }) => {
        note(
          context,
          options.stream ? `Vérification du flux « ${options.stream} »…` : 'Vérification de tout le journal…',
        );
        // the chains cover the data as stored: verify the raw store, never a decrypting one
        const report = await rawStore.verifyIntegrity({ streamId: options.stream, anchor });
        const walked = `${formatCount(report.eventsChecked)} événement(s) dans ${formatCount(report.streamsChecked)} flux`;
        if (!report.ok)
          throw new IntegrityFailure(
            `intégrité rompue : ${describeViolation(report.firstBadEvent)} ; ${walked} parcourus`,
          );
        if (options.stream && report.eventsChecked === 0)
          note(context, `le flux « ${options.stream} » n’a aucun événement`);
        say(context, `Intégrité vérifiée : ${walked}, chaînes de hachage intactes${anchor ? conformTo(anchor) : ''}.`);
        if (stamp && anchor) say(context, describeTimestamp(stamp, anchor.takenAt));
      });
    });
}

/** The digest is what the auditor compares with the one published when the anchor was taken. */
function conformTo(anchor: Anchor): string {
  return `, conformes à l’ancre du ${anchor.takenAt} (empreinte ${anchor.digest})`;
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
