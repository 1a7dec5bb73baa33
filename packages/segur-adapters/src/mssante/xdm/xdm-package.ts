import { strToU8, zipSync } from 'fflate';
import { xdsHashAndSize } from '../../xds/hl7v2-values.js';
import { submitObjectsRequestXml } from '../../xds/submit-objects-request.js';
import type { XdsDocumentEntry, XdsSubmission } from '../../xds/xds-metadata.js';

/** The name MSSanté gives the attachment (CI-SIS, volet Échange de documents de santé). */
export const XDM_ATTACHMENT_NAME = 'IHE_XDM.ZIP';
export const XDM_SUBSET = 'IHE_XDM/SUBSET01';

/** A document of the package and its DocumentEntry (without its URI, hash and size: the package sets them). */
export interface XdmDocument {
  entry: XdsDocumentEntry;
  content: Buffer;
}

export interface XdmPackageInput {
  /** The submission set; its entries are the documents'. */
  submission: Omit<XdsSubmission, 'entries'>;
  documents: readonly XdmDocument[];
  /** Who sends, for README.TXT: the organisation and its software. */
  sender: { organisation: string; software: string; softwareVersion: string; contact?: string };
}

/** `DOC0001.XML`, `DOC0002.XML`…: the names IHE XDM gives the documents of a subset. */
export function xdmDocumentName(index: number): string {
  return `DOC${String(index + 1).padStart(4, '0')}.XML`;
}

/**
 * An IHE XDM medium as a ZIP (ITI TF-1 §16, TF-3 §4.3): INDEX.HTM and README.TXT at the root,
 * `IHE_XDM/SUBSET01/METADATA.XML` (the XDS SubmitObjectsRequest) beside the documents
 * `DOC0001.XML`…, each DocumentEntry naming its file in its `URI` slot with the SHA-1 `hash` and
 * the `size` of its bytes. The archive's dates are those of the submission, so that the same
 * submission always gives the same bytes.
 */
export function buildXdmPackage(input: XdmPackageInput): Buffer {
  if (input.documents.length === 0) throw new TypeError('buildXdmPackage: a package holds at least one document');
  const entries = input.documents.map(({ entry, content }, index) => ({
    ...entry,
    uri: xdmDocumentName(index),
    ...xdsHashAndSize(content),
  }));
  const metadata = submitObjectsRequestXml({ ...input.submission, entries });
  const mtime = input.submission.submissionTime;
  const file = (content: Uint8Array): [Uint8Array, { mtime: Date }] => [content, { mtime }];
  const subset: Record<string, [Uint8Array, { mtime: Date }]> = { 'METADATA.XML': file(strToU8(metadata)) };
  input.documents.forEach(({ content }, index) => {
    subset[xdmDocumentName(index)] = file(new Uint8Array(content));
  });
  return Buffer.from(
    zipSync(
      {
        'INDEX.HTM': file(strToU8(indexPage(input, entries))),
        'README.TXT': file(strToU8(readme(input))),
        IHE_XDM: { SUBSET01: subset },
      },
      // the folders' entries too, which would otherwise be dated now: the same bytes every time
      { level: 6, mtime },
    ),
  );
}

function indexPage(input: XdmPackageInput, entries: readonly XdsDocumentEntry[]): string {
  const rows = entries
    .map((entry) => `<li><a href="${XDM_SUBSET}/${entry.uri}">${escapeHtml(entry.title)}</a></li>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Documents transmis</title></head>
<body>
<h1>Documents transmis par ${escapeHtml(input.sender.organisation)}</h1>
<p>Ce support IHE XDM contient ${entries.length} document${entries.length > 1 ? 's' : ''} au format CDA R2, décrits dans <a href="${XDM_SUBSET}/METADATA.XML">METADATA.XML</a>.</p>
<ul>
${rows}
</ul>
<p><a href="README.TXT">README.TXT</a></p>
</body>
</html>
`;
}

function readme(input: XdmPackageInput): string {
  const { sender, submission } = input;
  return [
    'Support d’échange IHE XDM (IHE_XDM.ZIP)',
    '',
    `Émetteur : ${sender.organisation}`,
    `Logiciel : ${sender.software} ${sender.softwareVersion}`,
    ...(sender.contact === undefined ? [] : [`Contact : ${sender.contact}`]),
    `Lot de soumission : ${submission.id}`,
    `Date : ${submission.submissionTime.toISOString()}`,
    '',
    'Contenu :',
    '  INDEX.HTM                      la page d’accueil du support',
    '  README.TXT                     ce fichier',
    `  ${XDM_SUBSET}/METADATA.XML   les métadonnées XDS des documents`,
    `  ${XDM_SUBSET}/DOC0001.XML…   les documents CDA R2`,
    '',
  ].join('\r\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
