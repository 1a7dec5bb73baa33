import { documentIsExported, type ExportRequester, factIsExported, withoutMisfiledObservations } from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { strToU8, type Zippable, zipSync } from 'fflate';

/** A stored document as the export needs it: its metadata, its versions, their signatures. */
export interface ExportableDocument {
  documentId: string;
  kind: string;
  title: string;
  sensitivity: string;
  sharedWithServiceUser: boolean;
  versions: readonly { version: number; contentSha256: string; mediaType: string; fileName: string }[];
  signatures: readonly { version: number; contentSha256: string; signedAt: string; signer: unknown }[];
}

/** Where the export reads from: the facts of the record, its documents, their content. */
export interface RecordExportSources {
  /** The usager's facts as the store reveals them, in the order of the log. */
  facts(where: { organisationId: string; serviceUserId: string }): Promise<readonly RecordedEvent[]>;
  documents(where: { organisationId: string; serviceUserId: string }): Promise<readonly ExportableDocument[]>;
  /** The bytes of a version, integrity-checked by the blob store. */
  content(where: { organisationId: string; serviceUserId: string }, sha256: string): Promise<Uint8Array>;
}

export interface RecordExportRequest {
  organisationId: string;
  serviceUserId: string;
  requester: ExportRequester;
}

export interface RecordExport {
  zip: Uint8Array;
  fileName: string;
  /** What went in: for the access log and for tests. */
  factCount: number;
  documentFiles: readonly string[];
}

/**
 * The record of a usager as a ZIP, for the right of access and portability: `dossier.json` (every
 * fact and document the requester may see, machine-readable), the documents themselves under
 * `documents/`, and `LISEZMOI.txt`, in French, saying what is where. Facts already erased (a
 * forgotten usager) are left out: they say nothing any more.
 */
export async function buildRecordExport(
  sources: RecordExportSources,
  request: RecordExportRequest,
  now: Date,
): Promise<RecordExport> {
  const { organisationId, serviceUserId, requester } = request;
  const facts = withoutMisfiledObservations(await sources.facts({ organisationId, serviceUserId })).filter(
    (fact) => !isErased(fact.data) && factIsExported(requester, fact),
  );
  const documents = (await sources.documents({ organisationId, serviceUserId })).filter((document) =>
    documentIsExported(requester, document),
  );

  const files: Zippable = {};
  const documentEntries = [];
  for (const [index, document] of documents.entries()) {
    const versions = [];
    for (const version of document.versions) {
      const path = `documents/${documentFileName(index + 1, document.title, version)}`;
      files[path] = await sources.content({ organisationId, serviceUserId }, version.contentSha256);
      versions.push({ ...version, file: path });
    }
    documentEntries.push({ ...document, versions });
  }
  const record = {
    format: 'dui-pds/record-export',
    formatVersion: 1,
    generatedAt: now.toISOString(),
    organisationId,
    serviceUserId,
    requester,
    facts: facts.map((fact) => ({
      id: fact.id,
      type: fact.type,
      version: fact.version,
      occurredAt: fact.metadata.occurredAt,
      recordedAt: fact.metadata.recordedAt,
      facilityId: fact.metadata.facilityId ?? null,
      actor: fact.metadata.actor,
      stream: fact.streamId,
      data: fact.data,
    })),
    documents: documentEntries,
  };
  files['dossier.json'] = strToU8(`${JSON.stringify(record, null, 2)}\n`);
  files['LISEZMOI.txt'] = strToU8(readme(requester, now, facts.length, documentEntries.length));
  const mtime = now;
  const zip = zipSync(files, { level: 6, mtime });
  return {
    zip,
    fileName: `dossier-${serviceUserId}-${now.toISOString().slice(0, 10)}.zip`,
    factCount: facts.length,
    documentFiles: Object.keys(files).filter((path) => path.startsWith('documents/')),
  };
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'text/plain': 'txt',
};

/** `03-contrat-de-sejour-v2.pdf`: numbered so that two documents of the same title never collide. */
function documentFileName(position: number, title: string, version: { version: number; mediaType: string }): string {
  const slug =
    title
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'document';
  const extension = EXTENSIONS[version.mediaType] ?? 'bin';
  return `${String(position).padStart(2, '0')}-${slug}-v${version.version}.${extension}`;
}

const REQUESTER_LABELS: Readonly<Record<ExportRequester['kind'], string>> = {
  serviceUser: 'l’usager (droit d’accès et portabilité)',
  trustedPerson: 'la personne de confiance, dans la limite de ce que l’usager a autorisé',
  archivist: 'l’archiviste, pour un dossier archivé',
};

function readme(requester: ExportRequester, now: Date, facts: number, documents: number): string {
  const day = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(now);
  return [
    'Dossier usager informatisé — export du dossier',
    '',
    `Export établi le ${day} pour ${REQUESTER_LABELS[requester.kind]}.`,
    '',
    'Contenu :',
    `- dossier.json : les ${facts} faits enregistrés au dossier (date, auteur, contenu), lisibles par un`,
    '  programme (format « dui-pds/record-export », version 1) ;',
    `- documents/ : les ${documents} documents du dossier, chaque version enregistrée ; leur empreinte`,
    '  SHA-256 figure dans dossier.json, avec les signatures portant sur chaque version.',
    '',
    'Les faits sont présentés tels qu’ils ont été enregistrés : une correction est un fait nouveau qui',
    'renvoie au fait corrigé.',
    '',
  ].join('\r\n');
}
