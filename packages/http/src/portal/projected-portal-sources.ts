import type { SealedBlobStore } from '@dui-pds/documents';
import { DOCUMENT_KIND_LABELS } from '@dui-pds/domain';
import {
  deathRecordedFor,
  documentById,
  documentsOfServiceUser,
  trustedPersonsOf,
  usagerAgenda,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { buildRecordExport, type RecordExportSources } from '../features/record-export/record-export.js';
import type { PortalSources } from './portal-sources.js';

/** What the portal needs to show the shared documents and export the record. */
export interface PortalDocumentSources {
  documentsSchema: string;
  blobs: SealedBlobStore;
  exportSources: RecordExportSources;
  clock: () => Date;
}

/**
 * The portal's sources read from the projections: the usager's agenda (`usagerAgenda`), the
 * designations of personnes de confiance (`trustedPersonsOf`), the recorded deaths
 * (`deathRecordedFor`, on the accompaniment exits), the documents shared with the usager and the
 * export of the record. A schema left undefined (its projection not run by this deployment)
 * leaves that source to the fail-closed default.
 */
export function projectedPortalSources(
  knex: Knex,
  schemas: { agendas?: string | undefined; trustedPersons?: string | undefined; exits?: string | undefined },
  documents?: PortalDocumentSources,
): Partial<PortalSources> {
  const sources: Partial<PortalSources> = {};
  const { agendas, trustedPersons, exits } = schemas;
  if (exits !== undefined) {
    sources.deathRecorded = (where) => deathRecordedFor(knex, exits, where);
  }
  if (documents !== undefined) {
    const { documentsSchema, blobs, exportSources, clock } = documents;
    sources.sharedDocuments = async (where) =>
      (await documentsOfServiceUser(knex, documentsSchema, { ...where, sharedOnly: true })).map((document) => ({
        documentId: document.documentId,
        title: document.title,
        kindLabel: DOCUMENT_KIND_LABELS[document.kind],
        version: document.latestVersion.version,
        storedAt: document.latestVersion.addedAt,
        signed: document.signed,
      }));
    sources.sharedDocumentContent = async ({ documentId, ...where }) => {
      const document = await documentById(knex, documentsSchema, where.organisationId, documentId);
      if (!document || document.serviceUserId !== where.serviceUserId || !document.sharedWithServiceUser)
        return undefined;
      const { contentSha256, mediaType, fileName } = document.latestVersion;
      return { content: await blobs.get(where, contentSha256), mediaType, fileName };
    };
    sources.recordExport = async ({ requester, ...where }) => {
      const exported = await buildRecordExport(exportSources, { ...where, requester }, clock());
      return { zip: exported.zip, fileName: exported.fileName };
    };
  }
  if (agendas !== undefined) {
    sources.agenda = async (where) =>
      (await usagerAgenda(knex, agendas, where)).map((entry) => ({
        startsAt: entry.start,
        endsAt: entry.end,
        title: entry.source === 'planned-event' ? `${entry.kindLabel} : ${entry.title}` : entry.title,
        place: entry.place,
        status: entry.status,
      }));
  }
  if (trustedPersons !== undefined) {
    sources.trustedPersons = async (where) =>
      (await trustedPersonsOf(knex, trustedPersons, where)).map((designation) => ({
        trustedPersonId: designation.trustedPersonId,
        status: designation.status,
        mayConsultRecord: designation.mayConsultRecord,
      }));
  }
  return sources;
}
