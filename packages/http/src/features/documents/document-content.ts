import type { DocumentMediaType } from '@dui-pds/domain';
import { z } from 'zod';
import { HttpProblem } from '../../server/index.js';

/** What the store keeps of one file: 10 Mo, enough for a scanned contract or a lab report. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** A handwritten signature captured on a tablet: a small PNG. */
export const MAX_SIGNATURE_IMAGE_BYTES = 1024 * 1024;
/** The JSON body of an upload: the base64 of the largest document, and room for its metadata. */
export const UPLOAD_BODY_LIMIT_BYTES = 14 * 1024 * 1024;

/** Base64 (RFC 4648, with padding) of at most `maxBytes` bytes. */
export function base64Content(maxBytes: number) {
  return (
    z
      .string()
      .min(4)
      // a text past the limit is refused without being read through
      .max(Math.ceil(maxBytes / 3) * 4, { abort: true })
      .refine(isBase64, 'contenu en base64 attendu')
      .refine((text) => text.length % 4 === 0, 'base64 incomplet : la longueur doit être un multiple de 4')
  );
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const IS_BASE64_DIGIT = new Uint8Array(128);
for (const digit of BASE64_ALPHABET) IS_BASE64_DIGIT[digit.charCodeAt(0)] = 1;

/**
 * Base64 digits, then at most two `=` (the length is checked apart), in one pass. Not the regular
 * expression `/^[A-Za-z0-9+/]+={0,2}$/`: over the megabytes of a document it sometimes threw a
 * RangeError (the regular expression engine's stack), and the upload was answered 500.
 */
export function isBase64(text: string): boolean {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const digits = text.length - padding;
  if (digits === 0) return false;
  for (let index = 0; index < digits; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 128 || IS_BASE64_DIGIT[code] === 0) return false;
  }
  return true;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Whether the bytes are of the declared format, from their first bytes: a file renamed `.pdf` is
 * not taken for a PDF, and text holds no binary.
 */
export function contentMatchesMediaType(content: Buffer, mediaType: DocumentMediaType): boolean {
  switch (mediaType) {
    case 'application/pdf':
      return content.subarray(0, 5).toString('latin1') === '%PDF-';
    case 'image/png':
      return content.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE);
    case 'image/jpeg':
      return content.length > 3 && content[0] === 0xff && content[1] === 0xd8 && content[2] === 0xff;
    case 'text/plain':
      return !content.includes(0) && isUtf8(content);
  }
}

function isUtf8(content: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
    return true;
  } catch {
    return false;
  }
}

/** The bytes a request sends in base64, of the format it declares and within the size allowed; else a French problem. */
export function decodedContent(
  base64: string,
  mediaType: DocumentMediaType,
  options: { field: string; maxBytes: number; what: string },
): Buffer {
  const content = Buffer.from(base64, 'base64');
  if (content.length === 0) {
    throw new HttpProblem('validation-failed', `${options.what} est vide.`, {
      extensions: { errors: [{ path: `body.${options.field}`, message: 'contenu vide' }] },
    });
  }
  if (content.length > options.maxBytes) {
    throw new HttpProblem(
      'payload-too-large',
      `${options.what} dépasse la taille autorisée (${Math.round(options.maxBytes / 1024 / 1024)} Mo).`,
    );
  }
  if (!contentMatchesMediaType(content, mediaType)) {
    throw new HttpProblem(
      'validation-failed',
      `${options.what} n’est pas au format déclaré (${mediaType}) : vérifiez le fichier envoyé.`,
      { extensions: { errors: [{ path: `body.${options.field}`, message: `contenu qui n’est pas du ${mediaType}` }] } },
    );
  }
  return content;
}
