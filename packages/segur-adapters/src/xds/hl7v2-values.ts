import { createHash } from 'node:crypto';
import type { CodedValue, InstanceIdentifier } from '../cda/cda-document-input.js';
import { CDA_OIDS } from '../cda/cda-vocabulary.js';

/**
 * The HL7 v2 data types XDS slots carry (CX, XCN, XON), with HL7 v2's escapes so that a name with
 * `^` or `&` cannot shift the components, and the UUIDs that name registry objects.
 */
export function hl7v2Escaped(value: string): string {
  // a slot's value is read trimmed: a space at either end would not come back
  return value.trim().replace(/[\\|^&~]/g, (character) => HL7V2_ESCAPES[character] as string);
}

const HL7V2_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\E\\',
  '|': '\\F\\',
  '^': '\\S\\',
  '&': '\\T\\',
  '~': '\\R\\',
};

export function hl7v2Unescaped(value: string): string {
  return value.replace(/\\([EFSTR])\\/g, (_, code: string) => HL7V2_UNESCAPES[code] as string);
}

const HL7V2_UNESCAPES: Readonly<Record<string, string>> = { E: '\\', F: '|', S: '^', T: '&', R: '~' };

/** CX: `id^^^&assigning authority OID&ISO^type` (`NH` for the INS, `PI` for a local id). */
export function cx(id: InstanceIdentifier, type: 'NH' | 'PI'): string {
  return `${hl7v2Escaped(id.extension ?? '')}^^^&${id.root}&ISO^${type}`;
}

/** The id and assigning authority of a CX. */
export function identifierOfCx(value: string): InstanceIdentifier | undefined {
  const [id, , , authority] = value.split('^');
  const root = authority?.split('&')[1];
  if (id === undefined || id === '' || root === undefined || root === '') return undefined;
  return { root, extension: hl7v2Unescaped(id) };
}

/** XCN of a professional: `id^FAMILY^Given^^^^^^&OID&ISO^D^^^IDNPS` (`EI` for an id that is not national). */
export function xcn(who: { id: InstanceIdentifier; familyName: string; givenName?: string }): string {
  const type = who.id.root === CDA_OIDS.nationalProfessionalId ? 'IDNPS' : 'EI';
  return [
    hl7v2Escaped(who.id.extension ?? ''),
    hl7v2Escaped(who.familyName),
    hl7v2Escaped(who.givenName ?? ''),
    '',
    '',
    '',
    '',
    '',
    `&${who.id.root}&ISO`,
    'D',
    '',
    '',
    type,
  ].join('^');
}

/** XON of an establishment: `Name^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1<FINESS>`. */
export function xon(name: string, structureId: InstanceIdentifier): string {
  return `${hl7v2Escaped(name)}^^^^^&${structureId.root}&ISO^IDNST^^^${hl7v2Escaped(structureId.extension ?? '')}`;
}

/** `code^displayName^codeSystem`, as authorSpecialty and authorRole are written. */
export function codedSlotValue(value: CodedValue): string {
  return `${hl7v2Escaped(value.code)}^${hl7v2Escaped(value.displayName)}^${value.codeSystem}`;
}

/** A name-based UUID (RFC 9562 version 5, SHA-1) in a namespace of this project: the same name, the same UUID. */
export function uuidOfName(name: string): string {
  const hash = createHash('sha1').update(UUID_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The namespace of the registry objects' UUIDs (bytes of a fixed UUID): never change it. */
const UUID_NAMESPACE = Buffer.from('6f1d3c2a9b8e4f70a1c25d3e4f5a6b7c', 'hex');

/** SHA-1 (lowercase hex) and size in bytes of a document, as XDS's `hash` and `size` slots hold them. */
export function xdsHashAndSize(document: string | Buffer): { hash: string; size: number } {
  const bytes = typeof document === 'string' ? Buffer.from(document, 'utf8') : document;
  return { hash: createHash('sha1').update(bytes).digest('hex'), size: bytes.length };
}
