import { SealedBlobStore } from '@dui-pds/documents';
import { documentsProjection } from '@dui-pds/projections';
import type { Command } from 'commander';
import { blobKeysOf } from '../../app/blob-keys.js';
import { openBlobStorage } from '../../app/blob-storage.js';
import { type SealingReport, sealDocumentsKeptInClear } from '../../features/documents/seal-documents-kept-in-clear.js';
import { IntegrityFailure, UsageError } from '../cli-errors.js';
import { type CliContext, configFor, inSession, note, say } from '../context.js';
import { formatCount } from '../progress-bar.js';

export function registerDocuments(program: Command, context: CliContext): void {
  const documents = program.command('documents').description('Les contenus des documents des usagers');
  documents
    .command('seal')
    .summary('scelle avec la clé de leur usager les contenus gardés en clair par une version antérieure')
    .description(
      'Scelle (AES-256-GCM) avec la clé de chaque usager les contenus de ses documents qu’une version ' +
        'antérieure gardait en clair (ADR 0026), puis supprime chaque copie en clair dès que tous les ' +
        'usagers dont les documents la citent ont la leur, et celles qu’aucun document ne cite. ' +
        'À lancer une fois tous les serveurs à jour ; ' +
        'interruptible et relançable. Utilise DUI_BLOB_STORE et DUI_BLOB_DIR comme les serveurs. ' +
        'Code 1 si un contenu est introuvable ou altéré (il est laissé tel quel)',
    )
    .action(async (_options: unknown, command: Command) => {
      if (configFor(command, context).masterKey === undefined) {
        throw new UsageError('dui documents seal a besoin de DUI_MASTER_KEY : les clés des usagers en dépendent');
      }
      const report = await inSession(command, context, async ({ config, opened, shredding, runtime }) => {
        const storage = await openBlobStorage(config, opened.knex);
        const blobs = new SealedBlobStore(storage, blobKeysOf(shredding!));
        return sealDocumentsKeptInClear(
          { knex: opened.knex, documentsSchema: runtime().readSchema(documentsProjection.name), blobs },
          { onPage: (soFar) => note(context, `${formatCount(soFar.contents)} contenu(s) parcouru(s)…`) },
        );
      });
      for (const line of reportLines(report)) say(context, line);
      const { missing, altered } = report.outcomes;
      if (missing + altered > 0) {
        throw new IntegrityFailure(
          `${formatCount(missing)} contenu(s) introuvable(s) et ${formatCount(altered)} altéré(s) : ` +
            'laissés tels quels ; restaurez-les depuis une sauvegarde puis relancez la commande.',
        );
      }
    });
}

function reportLines(report: SealingReport): string[] {
  const { sealed, alreadySealed, forgotten, missing, altered } = report.outcomes;
  return [
    `Contenus des documents : ${formatCount(report.contents)}`,
    `Scellés pour leur usager : ${formatCount(sealed)} ; déjà scellés : ${formatCount(alreadySealed)} ; ` +
      `usagers oubliés : ${formatCount(forgotten)}`,
    `Introuvables : ${formatCount(missing)} ; altérés : ${formatCount(altered)}`,
    `Copies en clair supprimées : ${formatCount(report.clearCopiesDeleted)} ; ` +
      `sans document qui les cite : ${formatCount(report.unreferencedClearCopiesDeleted)}`,
  ];
}
