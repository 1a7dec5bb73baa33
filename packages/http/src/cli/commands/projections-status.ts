import type { ProjectionStatus } from '@dui-pds/projections';
import type { Command } from 'commander';
import { type CliContext, inSession, say } from '../context.js';
import { formatCount } from '../progress-bar.js';
import { describeCheckpoint, describeLag, projectionState, statusJson } from '../projection-state.js';
import { textTable } from '../text-table.js';

export function registerProjectionsStatus(projections: Command, context: CliContext): void {
  projections
    .command('status')
    .summary('point de reprise, retard et builds en cours de chaque projection')
    .description(
      'Où en est chaque projection : point de reprise, événements traités, retard (événements et secondes), ' +
        'reconstructions en cours',
    )
    .option('--json', 'écrit l’état en JSON (pour la supervision)')
    .action(async (options: { json?: boolean }, command: Command) => {
      await inSession(command, context, async ({ runtime }) => {
        const statuses = await runtime().status();
        if (options.json) {
          say(context, JSON.stringify(statuses.map(statusJson), null, 2));
          return;
        }
        say(context, statuses.map(statusBlock).join('\n\n'));
      });
    });
}

function statusBlock(status: ProjectionStatus): string {
  const { active } = status;
  const rows: string[][] = [['état', projectionState(status)]];
  if (active) {
    rows.push(
      ['build actif', `${active.schema} (v${active.version})`],
      ['point de reprise', describeCheckpoint(active)],
      ['événements traités', formatCount(active.eventsDone)],
      ['retard', describeLag(status)],
    );
  }
  rows.push([
    'en construction',
    status.building.length === 0
      ? 'aucune'
      : status.building
          .map(
            (build) => `${build.schema} (${formatCount(build.eventsDone)} événement(s), ${describeCheckpoint(build)})`,
          )
          .join(' ; '),
  ]);
  const table = textTable(['', ''], rows).split('\n').slice(1);
  return [`${status.name} (version ${status.version} du code)`, ...table.map((line) => `  ${line}`)].join('\n');
}
