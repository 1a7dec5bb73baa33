import { randomBytes } from 'node:crypto';
import { MalformedXml } from '../../xml/xml-document.js';

/**
 * MTOM/XOP packaging (W3C SOAP MTOM, XOP 1.0) as XDS.b binds it: the SOAP envelope is the root part
 * of a `multipart/related` message (`application/xop+xml`), and each document travels as a binary
 * part of its own, which the envelope names by `<xop:Include href="cid:…"/>`. Base64 inside the XML
 * is what MTOM avoids: a document's bytes are sent and read untouched.
 */

/** One MIME part: its Content-ID (without the angle brackets), type and bytes. */
export interface MimePart {
  contentId: string;
  contentType: string;
  body: Buffer;
}

export interface MtomMessage {
  /** The envelope, as the root part's XML. */
  rootXml: string;
  /** The other parts, by Content-ID. */
  attachments: ReadonlyMap<string, MimePart>;
}

const ROOT_ID = 'root.message@dui-pds';
const CRLF = '\r\n';
const MAX_PARTS = 64;

/** A Content-ID for an attachment: URL-safe, so that `cid:` needs no escaping. */
export function attachmentContentId(index: number): string {
  return `document-${index}@dui-pds`;
}

/** The `cid:` URL an xop:Include names an attachment by (RFC 2392). */
export function cidUrl(contentId: string): string {
  return `cid:${encodeURIComponent(contentId).replace(/%40/g, '@')}`;
}

/** The Content-ID an xop:Include's `href` names, or undefined when it is not a `cid:` URL. */
export function contentIdOfHref(href: string): string | undefined {
  if (!href.startsWith('cid:')) return undefined;
  try {
    return decodeURIComponent(href.slice('cid:'.length));
  } catch {
    return undefined;
  }
}

/**
 * Packs an envelope and its attachments. The boundary is drawn at random and drawn again in the
 * unlikely case a part holds it. Answers the body and its Content-Type (with `start`, `start-info`
 * and the SOAP action, as SOAP 1.2's MTOM binding asks).
 */
export function buildMtomMessage(
  rootXml: string,
  attachments: readonly MimePart[],
  action: string,
): { contentType: string; body: Buffer } {
  const root = Buffer.from(rootXml, 'utf8');
  let boundary = newBoundary();
  while ([root, ...attachments.map((part) => part.body)].some((body) => body.includes(`--${boundary}`))) {
    boundary = newBoundary();
  }
  const chunks: Buffer[] = [];
  const part = (headers: readonly string[], body: Buffer) => {
    chunks.push(Buffer.from(`--${boundary}${CRLF}${headers.join(CRLF)}${CRLF}${CRLF}`, 'utf8'), body);
    chunks.push(Buffer.from(CRLF, 'utf8'));
  };
  part(
    [
      `Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"; action="${action}"`,
      'Content-Transfer-Encoding: binary',
      `Content-ID: <${ROOT_ID}>`,
    ],
    root,
  );
  for (const attachment of attachments) {
    part(
      [
        `Content-Type: ${attachment.contentType}`,
        'Content-Transfer-Encoding: binary',
        `Content-ID: <${attachment.contentId}>`,
      ],
      attachment.body,
    );
  }
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`, 'utf8'));
  return {
    contentType: `multipart/related; boundary="${boundary}"; type="application/xop+xml"; start="<${ROOT_ID}>"; start-info="application/soap+xml"; action="${action}"`,
    body: Buffer.concat(chunks),
  };
}

function newBoundary(): string {
  return `MIMEBoundary_${randomBytes(12).toString('hex')}`;
}

/** Whether a Content-Type is a MIME multipart package (MTOM), rather than a plain SOAP message. */
export function isMultipartRelated(contentType: string): boolean {
  return /^\s*multipart\/related\s*(;|$)/i.test(contentType);
}

/**
 * Reads a `multipart/related` message back: the root part (named by `start`, else the first) and
 * the others by Content-ID. A part in base64 is decoded; any other transfer encoding is taken as
 * the bytes it is. Anything that is not such a message is `MalformedXml`, whose reason never quotes it.
 */
export function readMtomMessage(contentType: string, body: Buffer): MtomMessage {
  const parameters = contentTypeParameters(contentType);
  const boundary = parameters.get('boundary');
  if (!isMultipartRelated(contentType) || boundary === undefined || boundary === '') {
    throw new MalformedXml('not a multipart/related message with a boundary');
  }
  const parts = splitParts(body, boundary);
  if (parts.length === 0) throw new MalformedXml('the multipart message has no part');
  const start = parameters.get('start');
  const startId = start === undefined ? undefined : stripAngles(start);
  const root = startId === undefined ? parts[0] : parts.find((part) => part.contentId === startId);
  if (root === undefined) throw new MalformedXml('the multipart message has no root part');
  const attachments = new Map<string, MimePart>();
  for (const part of parts) {
    if (part === root) continue;
    if (part.contentId === '') throw new MalformedXml('an attachment has no Content-ID');
    if (attachments.has(part.contentId)) throw new MalformedXml('two attachments share a Content-ID');
    attachments.set(part.contentId, part);
  }
  return { rootXml: root.body.toString('utf8'), attachments };
}

function splitParts(body: Buffer, boundary: string): MimePart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'utf8');
  const parts: MimePart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new MalformedXml('the boundary is not in the message');
  for (;;) {
    const afterDelimiter = at + delimiter.length;
    // the closing delimiter ends with `--`
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString('latin1') === '--') return parts;
    const next = body.indexOf(delimiter, afterDelimiter);
    if (next < 0) throw new MalformedXml('the multipart message is not closed');
    const lineEnd = body.indexOf('\n', afterDelimiter);
    if (lineEnd < 0 || lineEnd > next) throw new MalformedXml('a part has no header');
    // the part's content ends before the line break that precedes the next delimiter
    let end = next;
    if (body[end - 1] === 0x0a) end -= 1;
    if (body[end - 1] === 0x0d) end -= 1;
    parts.push(readPart(body.subarray(lineEnd + 1, Math.max(end, lineEnd + 1))));
    if (parts.length > MAX_PARTS) throw new MalformedXml('too many parts');
    at = next;
  }
}

function readPart(raw: Buffer): MimePart {
  const separator = headerEnd(raw);
  if (separator === undefined) throw new MalformedXml('a part has no blank line after its headers');
  const headers = new Map<string, string>();
  for (const line of raw.subarray(0, separator.at).toString('latin1').split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MalformedXml('a part header is not a header');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const content = raw.subarray(separator.at + separator.length);
  const encoding = (headers.get('content-transfer-encoding') ?? 'binary').toLowerCase();
  return {
    contentId: stripAngles(headers.get('content-id') ?? ''),
    contentType: headers.get('content-type') ?? 'application/octet-stream',
    body: encoding === 'base64' ? Buffer.from(content.toString('latin1').replace(/\s+/g, ''), 'base64') : content,
  };
}

/** Where the headers end: the first empty line, with CRLF or LF line breaks. */
function headerEnd(raw: Buffer): { at: number; length: number } | undefined {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  // a part with no header at all starts with its blank line
  if (raw.subarray(0, 2).toString('latin1') === '\r\n') return { at: 0, length: 2 };
  if (raw[0] === 0x0a) return { at: 0, length: 1 };
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return undefined;
}

/** The parameters of a Content-Type, by lower-case name, unquoted. */
export function contentTypeParameters(contentType: string): Map<string, string> {
  const parameters = new Map<string, string>();
  const pattern = /;\s*([!#$%&'*+.^`|~\w-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)/g;
  for (const match of contentType.matchAll(pattern)) {
    const [, name, value] = match as unknown as [string, string, string];
    parameters.set(name.toLowerCase(), value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value);
  }
  return parameters;
}

function stripAngles(contentId: string): string {
  return contentId.trim().replace(/^<(.*)>$/, '$1');
}
