import type { Command } from 'commander';
import { type CliContext, inSession, say } from '../context.js';
import { projectionState, statusJson } from '../projection-state.js';
import { textTable } from '../text-table.js';

export function registerProjectionsList(projections: Command, context: CliContext): void {
  projections
    .command('list')
    .summary('liste les projections et leur état')
    .description('Liste les projections du catalogue : nom, version, build actif, état')
    .option('--json', 'écrit la liste en JSON plutôt qu’en tableau')
    .action(async (options: { json?: boolean }, command: Command) => {
      await inSession(command, context, async ({ runtime }) => {
        const statuses = await runtime().status();
        if (options.json) {
          say(context, JSON.stringify(statuses.map(statusJson), null, 2));
          return;
        }
        say(
          context,
          textTable(
            ['projection', 'version', 'build actif', 'état'],
            statuses.map((status) => [
              status.name,
              String(status.version),
              status.active?.schema ?? '—',
              projectionState(status),
            ]),
          ),
        );
      });
    });
}
