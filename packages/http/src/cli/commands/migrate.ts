import type { ProjectionStatus } from '@dui-pds/projections';
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { migrateSessionStore } from '../../auth/postgres-session-store.js';
import { ReportingRelay } from '../../features/reporting/reporting-relay.js';
import { migrateIdempotencyStore } from '../../server/postgres-idempotency-store.js';
import { type CliContext, inSession, say } from '../context.js';
import { formatCount } from '../progress-bar.js';

export function registerMigrate(program: Command, context: CliContext): void {
  program
    .command('migrate')
    .summary('crée ou met à jour les schémas et les projections')
    .description(
      'Crée ou met à jour le schéma du magasin d’événements, le registre des projections, ' +
        'le premier build de chaque projection du catalogue et les tables du serveur (sessions, ' +
        'clés d’idempotence, curseurs du relais de reporting) ; sans effet sur un schéma déjà à jour',
    )
    .action(async (_options: unknown, command: Command) => {
      // knex stamps each step it runs with the client's clock: the steps stamped since now are ours
      const since = new Date();
      await inSession(command, context, async ({ config, opened, runtime }) => {
        const storeSchema = config.schema;
        say(
          context,
          opened.backend === 'postgresql'
            ? `Base : PostgreSQL, schéma « ${storeSchema} »`
            : `Base : PGlite (embarquée) dans ${config.pgliteDir}, schéma « ${storeSchema} »`,
        );
        say(context, `Magasin d’événements : ${await stepsReport(opened.knex, storeSchema, 'knex_migrations', since)}`);
        const before = await runtime().status();
        await runtime().migrate();
        const after = await runtime().status();
        say(
          context,
          `Registre des projections : ${await stepsReport(opened.knex, storeSchema, 'projection_migrations', since)}`,
        );
        for (const status of after) {
          const existed = before.find((earlier) => earlier.name === status.name)?.active !== undefined;
          say(context, projectionReport(status, existed));
        }
        // what the server would otherwise create at its start: instances started after this find it all
        await migrateSessionStore(opened.knex, { schema: storeSchema });
        await migrateIdempotencyStore(opened.knex, { schema: storeSchema });
        await ReportingRelay.migrate(opened.knex, storeSchema);
        say(
          context,
          `Sessions : ${await stepsReport(opened.knex, storeSchema, 'session_migrations', since)} ; ` +
            `clés d’idempotence : ${await stepsReport(opened.knex, storeSchema, 'idempotency_migrations', since)}`,
        );
      });
    });
}

async function stepsReport(knex: Knex, schema: string, table: string, since: Date): Promise<string> {
  const steps: { name: string; recent: boolean }[] = (
    await knex.withSchema(schema).table(table).select('name', 'migration_time').orderBy('id')
  ).map((row: { name: string; migration_time: Date | string }) => ({
    name: row.name,
    recent: new Date(row.migration_time).getTime() >= since.getTime() - 1,
  }));
  const applied = steps.filter((step) => step.recent).map((step) => step.name);
  if (applied.length === 0) return `déjà à jour (${steps.length} étape(s) en place)`;
  return `${applied.length} étape(s) appliquée(s) : ${applied.join(', ')}`;
}

function projectionReport(status: ProjectionStatus, existed: boolean): string {
  const { active } = status;
  const head = `Projection ${status.name} v${status.version} : `;
  if (!active) return `${head}aucun build actif`;
  const build = existed ? `build actif ${active.schema}` : `premier build créé (${active.schema})`;
  if (active.version < status.version) {
    return `${head}${build} en version ${active.version} : lancez « dui projections rebuild ${status.name} »`;
  }
  if (status.behindEvents === 0) return `${head}${build}, à jour`;
  return (
    `${head}${build}, ${formatCount(status.behindEvents)} événement(s) à appliquer : ` +
    `lancez « dui projections rebuild ${status.name} » (ou laissez faire le service)`
  );
}
