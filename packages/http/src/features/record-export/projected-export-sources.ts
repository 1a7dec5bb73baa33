import type { SealedBlobStore } from '@dui-pds/documents';
import type { EventStore } from '@dui-pds/eventstore';
import { documentById, documentsOfServiceUser } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { factsOfServiceUser } from './facts-of-service-user.js';
import type { RecordExportSources } from './record-export.js';

/** The export's sources in a running server: the log for the facts, the documents read model and blob store. */
export function projectedExportSources(deps: {
  store: Pick<EventStore<never>, 'readAll'>;
  knex: Knex;
  documentsSchema: string;
  blobs: SealedBlobStore;
}): RecordExportSources {
  const { store, knex, documentsSchema, blobs } = deps;
  return {
    facts: (where) => factsOfServiceUser(store, where),
    async documents(where) {
      const listed = await documentsOfServiceUser(knex, documentsSchema, where);
      const documents = [];
      for (const summary of listed) {
        const document = await documentById(knex, documentsSchema, where.organisationId, summary.documentId);
        if (!document) continue;
        documents.push({
          documentId: document.documentId,
          kind: document.kind,
          title: document.title,
          sensitivity: document.sensitivity,
          sharedWithServiceUser: document.sharedWithServiceUser,
          versions: document.versions.map(({ version, contentSha256, mediaType, fileName }) => ({
            version,
            contentSha256,
            mediaType,
            fileName,
          })),
          signatures: document.signatures.map(({ version, contentSha256, signedAt, signer }) => ({
            version,
            contentSha256,
            signedAt,
            signer,
          })),
        });
      }
      return documents;
    },
    content: (where, sha256) => blobs.get(where, sha256),
  };
}
