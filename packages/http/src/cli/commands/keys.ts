import { type RewrapCount, rewrapUnderCurrentMasterKey } from '@dui-pds/eventstore';
import type { Command } from 'commander';
import { UsageError } from '../cli-errors.js';
import { type CliContext, configFor, inSession, say } from '../context.js';
import { formatCount } from '../progress-bar.js';

export function registerKeys(program: Command, context: CliContext): void {
  const keys = program.command('keys').description('Les clés de chiffrement : rotation de la clé maîtresse');
  keys
    .command('rewrap')
    .summary('rechiffre les clés sous la clé maîtresse actuelle (rotation)')
    .description(
      'Deuxième étape d’une rotation de la clé maîtresse (docs/operations.md) : rechiffre sous ' +
        'DUI_MASTER_KEY les clés de données des usagers et les secrets du déploiement encore ' +
        'chiffrés par une clé de DUI_PREVIOUS_MASTER_KEYS. Les événements ne changent pas. ' +
        'Sans danger à côté des serveurs, interruptible et relançable ; ensuite, ' +
        'DUI_PREVIOUS_MASTER_KEYS peut être retirée de la configuration',
    )
    .action(async (_options: unknown, command: Command) => {
      if (configFor(command, context).masterKey === undefined) {
        throw new UsageError(
          'dui keys rewrap a besoin de DUI_MASTER_KEY (la nouvelle clé maîtresse) ' +
            'et de DUI_PREVIOUS_MASTER_KEYS (celles qu’elle remplace)',
        );
      }
      await inSession(command, context, async ({ config, opened }) => {
        const report = await rewrapUnderCurrentMasterKey(opened.knex, {
          schema: config.schema,
          masterKeys: { current: config.masterKey!, previous: config.previousMasterKeys },
        });
        say(context, `Secrets du déploiement : ${counted(report.deploymentSecrets)}`);
        say(context, `Clés de données des usagers : ${counted(report.dataKeys)}`);
        say(
          context,
          'Tout est chiffré sous la clé maîtresse actuelle : DUI_PREVIOUS_MASTER_KEYS peut être retirée ' +
            'de la configuration des serveurs et des workers.',
        );
      });
    });
}

function counted(count: RewrapCount): string {
  return `${formatCount(count.rewrapped)} rechiffré(s), ${formatCount(count.alreadyCurrent)} déjà sous la clé actuelle`;
}
