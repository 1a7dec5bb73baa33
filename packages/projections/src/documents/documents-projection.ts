import {
  DOCUMENT_EVENT_TYPES,
  type DocumentEventType,
  type DocumentSharedWithServiceUser,
  type DocumentSigned,
  type DocumentStored,
  type DocumentVersion,
  type DocumentVersionAdded,
} from '@dui-pds/domain';
import { isErased } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { defineProjection } from '../projection.js';

/**
 * The documents of usagers (one stream per document, `documentStreamId`): one row per document as
 * it stands (its latest version, whether it is shared with the usager), one per version (the hash
 * of its bytes in the blob store), one per signature (who, how, on which version and hash). Every
 * table names the usager (`service_user_id`): the end-of-retention purge deletes their rows, and
 * `blobsOfServiceUser` lists the blobs to purge with them.
 *
 * A forgotten usager's documents leave the model: an erased event removes them all.
 */
export const documentsProjection = defineProjection({
  name: 'documents',
  version: 1,
  handles: DOCUMENT_EVENT_TYPES,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('documents', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('document_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('kind').notNullable();
      table.text('title').notNullable();
      table.text('sensitivity').notNullable();
      table.text('source').notNullable();
      table.text('author_id').notNullable();
      table.text('stored_at').notNullable();
      table.integer('latest_version').notNullable();
      table.integer('signature_count').notNullable();
      table.boolean('shared').notNullable();
      table.text('shared_at');
      table.text('shared_by');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'document_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
    await db.schema.withSchema(schema).createTable('document_versions', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('document_id').notNullable();
      table.text('service_user_id').notNullable();
      table.integer('version').notNullable();
      table.text('content_sha256').notNullable();
      table.bigInteger('byte_length').notNullable();
      table.text('media_type').notNullable();
      table.text('file_name').notNullable();
      table.text('author_id').notNullable();
      table.text('added_at').notNullable();
      table.primary(['organisation_id', 'document_id', 'version']);
      table.index(['organisation_id', 'service_user_id']);
      table.index(['content_sha256']);
    });
    await db.schema.withSchema(schema).createTable('document_signatures', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('document_id').notNullable();
      table.text('service_user_id').notNullable();
      /** 0 for the first signature of the document, in the order they were given. */
      table.integer('signature_index').notNullable();
      table.integer('version').notNullable();
      table.text('content_sha256').notNullable();
      table.text('signed_at').notNullable();
      table.text('signer_kind').notNullable();
      table.text('professional_id');
      table.text('role');
      table.text('trusted_person_id');
      table.text('method');
      table.text('witnessed_by');
      table.text('portal_account_id');
      table.text('signature_image_sha256');
      table.primary(['organisation_id', 'document_id', 'signature_index']);
      table.index(['organisation_id', 'service_user_id']);
      table.index(['signature_image_sha256']);
    });
  },
  async evolve(event, { table }) {
    const organisation_id = event.metadata.organisationId;
    const revision = event.streamRevision;
    if (isErased(event.data)) {
      const usager = { organisation_id, service_user_id: event.data.serviceUserId };
      for (const name of ['documents', 'document_versions', 'document_signatures']) {
        await table(name).where(usager).delete();
      }
      return;
    }
    const documentId = (event.data as { documentId: string }).documentId;
    const document = () => table('documents').where({ organisation_id, document_id: documentId });
    if ((event.type as DocumentEventType) === 'DocumentStored') {
      const data = event.data as DocumentStored;
      await table('documents')
        .insert({
          organisation_id,
          document_id: data.documentId,
          service_user_id: data.serviceUserId,
          facility_id: data.facilityId,
          kind: data.kind,
          title: data.title,
          sensitivity: data.sensitivity,
          source: data.source,
          author_id: data.authorId,
          stored_at: data.storedAt,
          latest_version: data.version.version,
          signature_count: 0,
          shared: false,
          revision,
        })
        .onConflict(['organisation_id', 'document_id'])
        .ignore();
      await insertVersion(table, organisation_id, data.serviceUserId, data.documentId, data.version, {
        authorId: data.authorId,
        at: data.storedAt,
      });
      return;
    }
    const stored = (await document().first('service_user_id')) as { service_user_id: string } | undefined;
    if (stored === undefined) return;
    const service_user_id = stored.service_user_id;
    switch (event.type as DocumentEventType) {
      case 'DocumentVersionAdded': {
        const data = event.data as DocumentVersionAdded;
        await insertVersion(table, organisation_id, service_user_id, documentId, data.version, {
          authorId: data.authorId,
          at: data.addedAt,
        });
        await document().update({ latest_version: data.version.version, revision });
        return;
      }
      case 'DocumentSigned': {
        const data = event.data as DocumentSigned;
        const [counted] = await table('document_signatures')
          .where({ organisation_id, document_id: documentId })
          .count({ count: '*' });
        const signer = data.signer;
        await table('document_signatures').insert({
          organisation_id,
          document_id: documentId,
          service_user_id,
          signature_index: Number(counted?.count ?? 0),
          version: data.version,
          content_sha256: data.contentSha256,
          signed_at: data.signedAt,
          signer_kind: signer.kind,
          professional_id: signer.kind === 'professional' ? signer.professionalId : null,
          role: signer.kind === 'professional' ? signer.role : null,
          trusted_person_id: signer.kind === 'trustedPerson' ? signer.trustedPersonId : null,
          method: signer.kind === 'professional' ? null : signer.method,
          witnessed_by: signer.kind === 'professional' ? null : signer.witnessedBy,
          portal_account_id: signer.kind === 'professional' ? null : (signer.portalAccountId ?? null),
          signature_image_sha256: signer.kind === 'professional' ? null : (signer.signatureImageSha256 ?? null),
        });
        await document().update({ signature_count: Number(counted?.count ?? 0) + 1, revision });
        return;
      }
      case 'DocumentSharedWithServiceUser': {
        const data = event.data as DocumentSharedWithServiceUser;
        await document().update({ shared: true, shared_at: data.sharedAt, shared_by: data.sharedBy, revision });
        return;
      }
      case 'DocumentShareWithdrawn':
        await document().update({ shared: false, shared_at: null, shared_by: null, revision });
        return;
    }
  },
});

async function insertVersion(
  table: (name: string) => Knex.QueryBuilder,
  organisation_id: string,
  service_user_id: string,
  document_id: string,
  version: DocumentVersion,
  by: { authorId: string; at: string },
): Promise<void> {
  await table('document_versions')
    .insert({
      organisation_id,
      document_id,
      service_user_id,
      version: version.version,
      content_sha256: version.contentSha256,
      byte_length: version.byteLength,
      media_type: version.mediaType,
      file_name: version.fileName,
      author_id: by.authorId,
      added_at: by.at,
    })
    .onConflict(['organisation_id', 'document_id', 'version'])
    .ignore();
}
