import { ProjectionError } from '@dui-pds/projections';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli-errors.js';
import { type CliContext, catalogued, inSession, say } from '../context.js';
import { interruptible } from '../interruption.js';
import { formatCount, formatDuration, ProgressBar } from '../progress-bar.js';

export function registerProjectionsRebuild(projections: Command, context: CliContext): void {
  projections
    .command('rebuild')
    .summary('reconstruit une projection, avec barre de progression')
    .description(
      'Reconstruit une projection depuis le début du journal, à côté du build actif que les lecteurs ' +
        'continuent de voir, puis bascule sur le nouveau ; reprend une reconstruction interrompue',
    )
    .argument('<nom>', 'nom de la projection (voir dui projections list)')
    .action(async (name: string, _options: unknown, command: Command) => {
      catalogued(context, name);
      await inSession(command, context, async ({ runtime }) => {
        const startedAt = performance.now();
        const bar = new ProgressBar(name, context.stderr);
        const build = await interruptible(async (signal) => {
          try {
            return await runtime().rebuild(name, { signal, onProgress: (progress) => bar.update(progress) });
          } catch (error) {
            if (signal.aborted && error instanceof ProjectionError) {
              throw new CliError(
                `reconstruction de ${name} interrompue ; relancez la commande pour la reprendre`,
                ExitCode.failure,
              );
            }
            throw error;
          } finally {
            bar.stop();
          }
        });
        say(
          context,
          `Projection ${name} reconstruite : build ${build.schema} actif, ` +
            `${formatCount(build.eventsDone)} événement(s) appliqué(s) en ${formatDuration((performance.now() - startedAt) / 1000)}.`,
        );
      });
    });
}
