import { strFromU8, type UnzipFileInfo, unzipSync } from 'fflate';
import { xdsHashAndSize } from '../../xds/hl7v2-values.js';
import { readSubmitObjectsRequest } from '../../xds/read-submit-objects-request.js';
import type { XdsDocumentEntry, XdsSubmission } from '../../xds/xds-metadata.js';
import { MalformedXml } from '../../xml/xml-document.js';

export type XdmRefusalReason =
  | 'not-a-zip'
  | 'too-large'
  | 'unsafe-path'
  | 'metadata-missing'
  | 'metadata-malformed'
  | 'document-missing'
  | 'document-altered';

/** The attachment is not an XDM medium this software opens; the reason says why, never the content. */
export class XdmPackageRefused extends Error {
  override readonly name = 'XdmPackageRefused';
  constructor(
    readonly reason: XdmRefusalReason,
    detail: string,
  ) {
    super(`archive IHE_XDM refusée (${reason}) : ${detail}`);
  }
}

export interface XdmLimits {
  /** The archive's bytes, compressed. */
  maxArchiveBytes: number;
  /** Everything it holds, uncompressed. */
  maxContentBytes: number;
  maxFiles: number;
}

export const DEFAULT_XDM_LIMITS: XdmLimits = {
  maxArchiveBytes: 30 * 1024 * 1024,
  maxContentBytes: 100 * 1024 * 1024,
  maxFiles: 500,
};

/** One submission set of the medium, with its documents' bytes. */
export interface XdmSubset {
  /** `IHE_XDM/SUBSET01`… */
  path: string;
  submission: XdsSubmission;
  documents: { entry: XdsDocumentEntry; content: Buffer }[];
}

/**
 * Opens an IHE XDM medium received as a ZIP: refuses an archive that is too large, holds too many
 * files or a path that leaves it (`..`, absolute, drive or backslash), then reads each
 * `IHE_XDM/<subset>/METADATA.XML` and finds every DocumentEntry's file by its `URI` within its
 * subset, checking its `size` and SHA-1 `hash` when the metadata gives them. Names are compared
 * without case, as media written on other systems differ there.
 */
export function readXdmPackage(archive: Uint8Array, limits: XdmLimits = DEFAULT_XDM_LIMITS): XdmSubset[] {
  if (archive.length > limits.maxArchiveBytes) {
    throw new XdmPackageRefused('too-large', `${archive.length} octets (au plus ${limits.maxArchiveBytes})`);
  }
  let files = 0;
  let declaredBytes = 0;
  let unsafe: string | undefined;
  const accept = (file: UnzipFileInfo) => {
    files += 1;
    declaredBytes += file.originalSize;
    if (!isSafePath(file.name)) unsafe ??= file.name;
    return unsafe === undefined && files <= limits.maxFiles && declaredBytes <= limits.maxContentBytes;
  };
  let unzipped: Record<string, Uint8Array>;
  try {
    unzipped = unzipSync(archive, { filter: accept });
  } catch (error) {
    throw new XdmPackageRefused('not-a-zip', (error as Error).message);
  }
  if (unsafe !== undefined) throw new XdmPackageRefused('unsafe-path', 'un chemin sort de l’archive');
  if (files > limits.maxFiles)
    throw new XdmPackageRefused('too-large', `${files} fichiers (au plus ${limits.maxFiles})`);
  if (declaredBytes > limits.maxContentBytes) {
    throw new XdmPackageRefused(
      'too-large',
      `${declaredBytes} octets décompressés (au plus ${limits.maxContentBytes})`,
    );
  }
  const byName = new Map<string, Uint8Array>();
  for (const [name, content] of Object.entries(unzipped)) {
    if (!name.endsWith('/')) byName.set(name.toUpperCase(), content);
  }
  const metadataFiles = [...byName.keys()].filter((name) => /^IHE_XDM\/[^/]+\/METADATA\.XML$/.test(name)).sort();
  if (metadataFiles.length === 0) throw new XdmPackageRefused('metadata-missing', 'aucun IHE_XDM/<lot>/METADATA.XML');
  return metadataFiles.map((metadataFile) => {
    const path = metadataFile.slice(0, -'/METADATA.XML'.length);
    let submission: XdsSubmission;
    try {
      submission = readSubmitObjectsRequest(strFromU8(byName.get(metadataFile) as Uint8Array));
    } catch (error) {
      if (error instanceof MalformedXml) throw new XdmPackageRefused('metadata-malformed', error.message);
      throw new XdmPackageRefused('metadata-malformed', 'METADATA.XML ne se lit pas');
    }
    const documents = submission.entries.map((entry) => ({ entry, content: documentOf(entry, path, byName) }));
    return { path, submission, documents };
  });
}

function documentOf(entry: XdsDocumentEntry, subset: string, byName: ReadonlyMap<string, Uint8Array>): Buffer {
  const uri = entry.uri?.trim();
  if (!uri || !isSafePath(uri)) throw new XdmPackageRefused('document-missing', 'une fiche n’a pas d’URI sûre');
  const bytes = byName.get(`${subset}/${uri.toUpperCase()}`);
  if (bytes === undefined) throw new XdmPackageRefused('document-missing', `${uri} n’est pas dans ${subset}`);
  const content = Buffer.from(bytes);
  const { hash, size } = xdsHashAndSize(content);
  if (entry.size !== undefined && entry.size !== size) {
    throw new XdmPackageRefused('document-altered', `${uri} : ${size} octets, ${entry.size} annoncés`);
  }
  if (entry.hash !== undefined && entry.hash.toLowerCase() !== hash) {
    throw new XdmPackageRefused('document-altered', `${uri} : empreinte SHA-1 différente de celle annoncée`);
  }
  return content;
}

/** A relative path that stays where it is: no `..`, no absolute path, no drive, no backslash, no NUL. */
function isSafePath(name: string): boolean {
  if (name.length === 0 || name.startsWith('/') || /[\\\0:]/.test(name)) return false;
  return name.split('/').every((segment) => segment !== '..' && segment !== '.');
}
