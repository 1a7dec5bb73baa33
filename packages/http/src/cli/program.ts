import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerAnchor } from './commands/anchor.js';
import { registerDocuments } from './commands/documents.js';
import { registerExportStream } from './commands/export-stream.js';
import { registerHabilitations } from './commands/habilitations.js';
import { registerKeys } from './commands/keys.js';
import { registerMigrate } from './commands/migrate.js';
import { registerProjections } from './commands/projections.js';
import { registerRenewAnchor } from './commands/renew-anchor.js';
import { registerReplay } from './commands/replay.js';
import { registerReport } from './commands/report.js';
import { registerVerify } from './commands/verify.js';
import type { CliContext } from './context.js';
import { speakFrench } from './french-commander.js';

const ENVIRONMENT_HELP = `
Environnement :
  DATABASE_URL     URL PostgreSQL (postgres://utilisateur@hôte:5432/base) ; absente : PGlite embarquée
  DUI_DATA_DIR     dossier de données de PGlite, qui est dans <dossier>/pglite (par défaut : .dui-data)
  DUI_SCHEMA       schéma du magasin d’événements (par défaut : dui)
  DUI_MASTER_KEY   clé maîtresse (32 octets en base64) : les données des usagers sont lues déchiffrées
  DUI_PREVIOUS_MASTER_KEYS
                   clés maîtresses remplacées, séparées par des virgules, le temps d’une rotation
  REDIS_URL        URL Redis (redis://hôte:6379) : baux et réveil de « dui projections run »
  DUI_BLOB_STORE   où sont les contenus des documents : filesystem (par défaut) ou postgres
  DUI_BLOB_DIR     leur dossier avec filesystem (par défaut : <DUI_DATA_DIR>/blobs)

Codes de sortie :
  0  succès
  1  intégrité rompue (chaîne de hachage, données chiffrées altérées)
  2  erreur d’utilisation ou de configuration
  3  autre erreur (base injoignable, panne)
`;

/** The `dui` command line: one module per command, all in French for the operator and the auditor. */
export function createProgram(context: CliContext): Command {
  const program = speakFrench(new Command('dui'))
    .description('DUI-PDS : exploitation et audit du dossier usager informatisé (magasin d’événements, projections)')
    .version(packageVersion(), '-V, --version', 'affiche la version')
    .option('--database-url <url>', 'URL PostgreSQL ; remplace DATABASE_URL (sans elle : PGlite embarquée)')
    .option('--schema <nom>', 'schéma du magasin d’événements ; remplace DUI_SCHEMA (par défaut : dui)')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .addHelpText('after', ENVIRONMENT_HELP);
  registerMigrate(program, context);
  registerVerify(program, context);
  registerAnchor(program, context);
  registerRenewAnchor(program, context);
  registerProjections(program, context);
  registerReplay(program, context);
  registerExportStream(program, context);
  registerReport(program, context);
  registerKeys(program, context);
  registerDocuments(program, context);
  registerHabilitations(program, context);
  return program;
}

function packageVersion(): string {
  // the same relative path from src/cli (tsx) and from dist/cli (built)
  const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
  return version;
}
