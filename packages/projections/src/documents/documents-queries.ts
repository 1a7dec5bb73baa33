import type {
  DocumentKind,
  DocumentMediaType,
  DocumentSigner,
  DocumentSource,
  SensitivityClass,
  SignatureMethod,
} from '@dui-pds/domain';
import type { Knex } from 'knex';

export interface DocumentVersionView {
  version: number;
  contentSha256: string;
  byteLength: number;
  mediaType: DocumentMediaType;
  fileName: string;
  authorId: string;
  addedAt: string;
}

export interface DocumentSignatureView {
  /** Its place among the document's signatures, from 0, in the order they were given. */
  index: number;
  version: number;
  contentSha256: string;
  signedAt: string;
  signer: DocumentSigner;
}

/** A document as a list shows it: its metadata and latest version. */
export interface DocumentSummaryView {
  documentId: string;
  serviceUserId: string;
  facilityId: string;
  kind: DocumentKind;
  title: string;
  sensitivity: SensitivityClass;
  source: DocumentSource;
  authorId: string;
  storedAt: string;
  latestVersion: DocumentVersionView;
  signatureCount: number;
  /** Signed, hence frozen. */
  signed: boolean;
  sharedWithServiceUser: boolean;
  sharedAt: string | null;
  /** The revision of the document's stream, for `If-Match`. */
  revision: number;
}

export interface DocumentView extends DocumentSummaryView {
  organisationId: string;
  versions: DocumentVersionView[];
  signatures: DocumentSignatureView[];
}

interface DocumentRow {
  organisation_id: string;
  document_id: string;
  service_user_id: string;
  facility_id: string;
  kind: DocumentKind;
  title: string;
  sensitivity: SensitivityClass;
  source: DocumentSource;
  author_id: string;
  stored_at: string;
  latest_version: number;
  signature_count: number;
  shared: boolean;
  shared_at: string | null;
  revision: number;
}

interface VersionRow {
  document_id: string;
  version: number;
  content_sha256: string;
  byte_length: number | string;
  media_type: DocumentMediaType;
  file_name: string;
  author_id: string;
  added_at: string;
}

interface SignatureRow {
  signature_index: number;
  version: number;
  content_sha256: string;
  signed_at: string;
  signer_kind: DocumentSigner['kind'];
  professional_id: string | null;
  role: string | null;
  trusted_person_id: string | null;
  method: SignatureMethod | null;
  witnessed_by: string | null;
  portal_account_id: string | null;
  signature_image_sha256: string | null;
}

function versionView(row: VersionRow): DocumentVersionView {
  return {
    version: Number(row.version),
    contentSha256: row.content_sha256,
    byteLength: Number(row.byte_length),
    mediaType: row.media_type,
    fileName: row.file_name,
    authorId: row.author_id,
    addedAt: row.added_at,
  };
}

function summaryView(row: DocumentRow, latest: VersionRow): DocumentSummaryView {
  const signatureCount = Number(row.signature_count);
  return {
    documentId: row.document_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    kind: row.kind,
    title: row.title,
    sensitivity: row.sensitivity,
    source: row.source,
    authorId: row.author_id,
    storedAt: row.stored_at,
    latestVersion: versionView(latest),
    signatureCount,
    signed: signatureCount > 0,
    sharedWithServiceUser: row.shared,
    sharedAt: row.shared_at,
    revision: Number(row.revision),
  };
}

function signerOf(row: SignatureRow): DocumentSigner {
  if (row.signer_kind === 'professional') {
    return { kind: 'professional', professionalId: row.professional_id ?? '', role: row.role ?? '' };
  }
  const witnessed = {
    method: row.method ?? 'inPerson',
    witnessedBy: row.witnessed_by ?? '',
    ...(row.signature_image_sha256 === null ? {} : { signatureImageSha256: row.signature_image_sha256 }),
    ...(row.portal_account_id === null ? {} : { portalAccountId: row.portal_account_id }),
  };
  return row.signer_kind === 'trustedPerson'
    ? { kind: 'trustedPerson', trustedPersonId: row.trusted_person_id ?? '', ...witnessed }
    : { kind: 'serviceUser', ...witnessed };
}

/**
 * The documents of a usager, newest first, each with its latest version: in one ESSMS when
 * `facilityId` is given, only those shared with the usager when `sharedOnly` (the portal, the export).
 */
export async function documentsOfServiceUser(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId?: string; sharedOnly?: boolean },
): Promise<DocumentSummaryView[]> {
  const query = db
    .withSchema(readSchema)
    .from('documents')
    .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId });
  if (where.facilityId !== undefined) query.andWhere({ facility_id: where.facilityId });
  if (where.sharedOnly) query.andWhere({ shared: true });
  const rows = (await query.orderBy([
    { column: 'stored_at', order: 'desc' },
    { column: 'document_id', order: 'asc' },
  ])) as DocumentRow[];
  if (rows.length === 0) return [];
  const latest = (await db
    .withSchema(readSchema)
    .from('document_versions as v')
    .join('documents as d', (join) =>
      join
        .on('d.organisation_id', 'v.organisation_id')
        .andOn('d.document_id', 'v.document_id')
        .andOn('d.latest_version', 'v.version'),
    )
    .where({ 'v.organisation_id': where.organisationId, 'v.service_user_id': where.serviceUserId })
    .select('v.*')) as VersionRow[];
  const byDocument = new Map(latest.map((row) => [row.document_id, row]));
  return rows.flatMap((row) => {
    const version = byDocument.get(row.document_id);
    return version === undefined ? [] : [summaryView(row, version)];
  });
}

/** One document of an organisation with all its versions (oldest first) and signatures; undefined when none. */
export async function documentById(
  db: Knex,
  readSchema: string,
  organisationId: string,
  documentId: string,
): Promise<DocumentView | undefined> {
  const key = { organisation_id: organisationId, document_id: documentId };
  const row = (await db.withSchema(readSchema).from('documents').where(key).first()) as DocumentRow | undefined;
  if (row === undefined) return undefined;
  const [versions, signatures] = await Promise.all([
    db.withSchema(readSchema).from('document_versions').where(key).orderBy('version') as Promise<VersionRow[]>,
    db.withSchema(readSchema).from('document_signatures').where(key).orderBy('signature_index') as Promise<
      SignatureRow[]
    >,
  ]);
  const latest = versions.find((version) => Number(version.version) === Number(row.latest_version));
  if (latest === undefined) return undefined;
  return {
    organisationId: row.organisation_id,
    ...summaryView(row, latest),
    versions: versions.map(versionView),
    signatures: signatures.map((signature) => ({
      index: Number(signature.signature_index),
      version: Number(signature.version),
      contentSha256: signature.content_sha256,
      signedAt: signature.signed_at,
      signer: signerOf(signature),
    })),
  };
}

/** A blob of a usager's documents, and whether another usager's document references the same content. */
export interface ServiceUserBlob {
  sha256: string;
  sharedWithOthers: boolean;
}

/**
 * The blobs (documents' versions and handwritten signatures' images) of this usager, each saying
 * whether another usager's document references the same content, in any organisation. Their own
 * sealed copies go with their record; a copy kept in clear (before sealing) is deduplicated across
 * all usagers, so only the unshared ones may be purged. Read it before the usager's rows are
 * deleted from the model.
 */
export async function blobsOfServiceUser(
  db: Knex,
  readSchema: string,
  organisationId: string,
  serviceUserId: string,
): Promise<ServiceUserBlob[]> {
  const rows = (await db.raw(
    `select mine.sha256,
            exists (select 1 from ??.document_versions other
                     where other.content_sha256 = mine.sha256
                       and (other.organisation_id <> ? or other.service_user_id <> ?))
         or exists (select 1 from ??.document_signatures other
                     where other.signature_image_sha256 = mine.sha256
                       and (other.organisation_id <> ? or other.service_user_id <> ?)) as shared
       from (
         select content_sha256 as sha256 from ??.document_versions
          where organisation_id = ? and service_user_id = ?
         union
         select signature_image_sha256 from ??.document_signatures
          where organisation_id = ? and service_user_id = ? and signature_image_sha256 is not null
       ) as mine
      order by 1`,
    [
      readSchema,
      organisationId,
      serviceUserId,
      readSchema,
      organisationId,
      serviceUserId,
      readSchema,
      organisationId,
      serviceUserId,
      readSchema,
      organisationId,
      serviceUserId,
    ],
  )) as { rows: { sha256: string; shared: boolean }[] };
  return rows.rows.map((row) => ({ sha256: row.sha256, sharedWithOthers: row.shared }));
}

/** A content of the documents model and the usagers whose documents reference it. */
export interface ContentOwners {
  sha256: string;
  owners: { organisationId: string; serviceUserId: string }[];
}

/**
 * Every content the documents reference (versions and handwritten signatures' images), in the
 * order of their hashes, a page at a time (`after` the last hash of the previous page), each with
 * the usagers whose documents reference it, in every organisation: what sealing the contents kept
 * in clear by an earlier version walks through.
 */
export async function contentOwners(
  db: Knex,
  readSchema: string,
  page: { after?: string; limit: number },
): Promise<ContentOwners[]> {
  const rows = (await db.raw(
    `with owned as (
       select content_sha256 as sha256, organisation_id, service_user_id from ??.document_versions
       union
       select signature_image_sha256, organisation_id, service_user_id from ??.document_signatures
        where signature_image_sha256 is not null
     ), page as (
       select distinct sha256 from owned where sha256 > ? order by sha256 limit ?
     )
     select owned.sha256, owned.organisation_id, owned.service_user_id
       from owned join page using (sha256)
      order by 1, 2, 3`,
    [readSchema, readSchema, page.after ?? '', page.limit],
  )) as { rows: { sha256: string; organisation_id: string; service_user_id: string }[] };
  const pages: ContentOwners[] = [];
  for (const row of rows.rows) {
    const owner = { organisationId: row.organisation_id, serviceUserId: row.service_user_id };
    const last = pages.at(-1);
    if (last?.sha256 === row.sha256) last.owners.push(owner);
    else pages.push({ sha256: row.sha256, owners: [owner] });
  }
  return pages;
}
