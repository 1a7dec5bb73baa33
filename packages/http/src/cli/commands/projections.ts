import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerProjectionsList } from './projections-list.js';
import { registerProjectionsRebuild } from './projections-rebuild.js';
import { registerProjectionsRun } from './projections-run.js';
import { registerProjectionsStatus } from './projections-status.js';

export function registerProjections(program: Command, context: CliContext): void {
  const projections = program
    .command('projections')
    .description('Les projections (modèles de lecture) : liste, état, reconstruction, suivi');
  registerProjectionsList(projections, context);
  registerProjectionsStatus(projections, context);
  registerProjectionsRebuild(projections, context);
  registerProjectionsRun(projections, context);
}
