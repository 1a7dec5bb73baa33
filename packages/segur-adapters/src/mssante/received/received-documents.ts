import type { XdsDocumentEntry } from '../../xds/xds-metadata.js';
import { MalformedXml } from '../../xml/xml-document.js';
import type { IncomingAttachment } from '../incoming-mail.js';
import { readXdmPackage, XdmPackageRefused } from '../xdm/read-xdm-package.js';
import { XDM_ATTACHMENT_NAME } from '../xdm/xdm-package.js';
import { type ReceivedCdaDocument, readReceivedCda } from './read-received-cda.js';

/** A document received in an XDM archive: its metadata entry, its CDA as read, and its bytes. */
export interface ReceivedMssanteDocument {
  entry: XdsDocumentEntry;
  cda: ReceivedCdaDocument;
  cdaBytes: Buffer;
}

export type ReceivedMssanteDocuments =
  /** No `IHE_XDM.ZIP`: a message for people, not for the record. */
  | { kind: 'none' }
  /** An archive that cannot be opened or read: the reason, never the content. */
  | { kind: 'unreadable'; reason: string }
  | { kind: 'documents'; documents: ReceivedMssanteDocument[] };

/**
 * The documents a received message brings for the record: those of its `IHE_XDM.ZIP` attachment
 * (the name compared without case), every subset, each CDA read. Documents that are not CDA
 * (`text/xml`) are left aside: only a CDA names its patient.
 */
export function receivedMssanteDocuments(attachments: readonly IncomingAttachment[]): ReceivedMssanteDocuments {
  const archive = attachments.find((attachment) => attachment.fileName?.toUpperCase() === XDM_ATTACHMENT_NAME);
  if (archive === undefined) return { kind: 'none' };
  try {
    const documents = readXdmPackage(archive.content).flatMap((subset) =>
      subset.documents
        .filter(({ entry }) => /xml/i.test(entry.mimeType))
        .map(({ entry, content }) => ({ entry, cda: readReceivedCda(content.toString('utf8')), cdaBytes: content })),
    );
    if (documents.length === 0) return { kind: 'unreadable', reason: 'l’archive ne contient aucun document CDA' };
    return { kind: 'documents', documents };
  } catch (error) {
    if (error instanceof XdmPackageRefused || error instanceof MalformedXml) {
      return { kind: 'unreadable', reason: error.message };
    }
    throw error;
  }
}
