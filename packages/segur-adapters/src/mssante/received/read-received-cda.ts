import { INS_OIDS } from '@dui-pds/domain';
import { HL7_V3_NAMESPACE } from '../../cda/build-cda-document.js';
import { childrenOf, MalformedXml, optionalChild, readXml, type XmlElement } from '../../xml/xml-document.js';

const V3 = HL7_V3_NAMESPACE;
const INS_ROOTS: readonly string[] = Object.values(INS_OIDS);

/** The patient as a received CDA header names them: the INS when it is there, and the traits given. */
export interface ReceivedPatient {
  ins?: { value: string; oid: string };
  birthName?: string;
  /** Every birth first name, in order, as the header lists them. */
  birthFirstNames: string[];
  birthDate?: string;
  sex?: 'F' | 'M' | 'I';
  birthplaceCode?: string;
}

export type ReceivedBody =
  | { kind: 'pdf'; content: Buffer }
  /** A structured body (level 3), read as text section by section. */
  | { kind: 'structured'; text: string }
  | { kind: 'none' };

/** What the receiving side needs of a CDA R2 document: what it is, who made it, whom it is about, its content. */
export interface ReceivedCdaDocument {
  type?: { code: string; displayName: string; codeSystem: string };
  title: string;
  effectiveTime?: Date;
  /** The author's organisation (a laboratory, a hospital) and the person, as named. */
  author: { organisation?: string; person?: string };
  patient: ReceivedPatient;
  body: ReceivedBody;
}

/**
 * Reads the header of a CDA R2 document received from outside (CI-SIS structuration minimale):
 * the INS is the `patientRole/id` whose root is an INS OID, the traits are the birth name
 * (`family` BR), the birth first names (the unqualified `given`, else the BR one), sex, birth
 * date and birthplace (COG); the body is the level 1 PDF, or the level 3 sections as text.
 * Throws `MalformedXml` (a reason, never the content) when it is not a ClinicalDocument.
 */
export function readReceivedCda(xml: string): ReceivedCdaDocument {
  const root = readXml(xml);
  if (root.namespace !== V3 || root.name !== 'ClinicalDocument') throw new MalformedXml('expected a ClinicalDocument');
  const code = optionalChild(root, V3, 'code');
  const effectiveTime = instantOfHl7(optionalChild(root, V3, 'effectiveTime')?.attributes.value);
  const assignedAuthor = firstOf(root, ['author', 'assignedAuthor']);
  const organisation = assignedAuthor && firstOf(assignedAuthor, ['representedOrganization', 'name'])?.text;
  const person = assignedAuthor && firstOf(assignedAuthor, ['assignedPerson', 'name']);
  const personName =
    person === undefined
      ? undefined
      : person.children
          .map((part) => part.text)
          .filter(Boolean)
          .join(' ');
  return {
    ...(code?.attributes.code === undefined
      ? {}
      : {
          type: {
            code: code.attributes.code,
            displayName: code.attributes.displayName ?? code.attributes.code,
            codeSystem: code.attributes.codeSystem ?? '',
          },
        }),
    title: optionalChild(root, V3, 'title')?.text ?? '',
    ...(effectiveTime === undefined ? {} : { effectiveTime }),
    author: {
      ...(organisation ? { organisation } : {}),
      ...(personName ? { person: personName } : {}),
    },
    patient: patientOf(firstOf(root, ['recordTarget', 'patientRole'])),
    body: bodyOf(optionalChild(root, V3, 'component')),
  };
}

function patientOf(role: XmlElement | undefined): ReceivedPatient {
  if (role === undefined) return { birthFirstNames: [] };
  const insId = childrenOf(role, V3, 'id').find((id) => INS_ROOTS.includes(id.attributes.root ?? ''));
  const patient = optionalChild(role, V3, 'patient');
  const names = patient === undefined ? [] : childrenOf(patient, V3, 'name');
  const parts = names.flatMap((name) => name.children.filter((part) => part.namespace === V3));
  const qualified = (part: string, qualifier: string | undefined) =>
    parts.find((candidate) => candidate.name === part && candidate.attributes.qualifier === qualifier)?.text;
  const birthName = qualified('family', 'BR') ?? qualified('family', undefined);
  const allGiven = qualified('given', undefined) ?? qualified('given', 'BR');
  const gender = patient && optionalChild(patient, V3, 'administrativeGenderCode')?.attributes.code;
  const birthDate = dayOfHl7(patient && optionalChild(patient, V3, 'birthTime')?.attributes.value);
  const county = patient && firstOf(patient, ['birthplace', 'place', 'addr', 'county'])?.text;
  return {
    ...(insId?.attributes.extension === undefined
      ? {}
      : { ins: { value: insId.attributes.extension.toUpperCase(), oid: insId.attributes.root as string } }),
    ...(birthName ? { birthName: normalisedName(birthName) } : {}),
    birthFirstNames: allGiven ? normalisedName(allGiven).split(' ').filter(Boolean) : [],
    ...(birthDate === undefined ? {} : { birthDate }),
    ...(gender === 'F' || gender === 'M' ? { sex: gender } : gender === 'UN' ? { sex: 'I' as const } : {}),
    ...(county ? { birthplaceCode: county.trim().toUpperCase() } : {}),
  };
}

function bodyOf(component: XmlElement | undefined): ReceivedBody {
  if (component === undefined) return { kind: 'none' };
  const text = firstOf(component, ['nonXMLBody', 'text']);
  if (text !== undefined) {
    const pdf = (text.attributes.mediaType ?? '').toLowerCase() === 'application/pdf';
    const base64 = (text.attributes.representation ?? '').toUpperCase() === 'B64';
    if (!pdf || !base64) return { kind: 'none' };
    const content = Buffer.from(text.text.replace(/\s+/g, ''), 'base64');
    return content.length > 0 ? { kind: 'pdf', content } : { kind: 'none' };
  }
  const structured = optionalChild(component, V3, 'structuredBody');
  if (structured === undefined) return { kind: 'none' };
  const lines: string[] = [];
  const readSections = (element: XmlElement, depth: number) => {
    for (const child of childrenOf(element, V3, 'component')) {
      const section = optionalChild(child, V3, 'section');
      if (section === undefined) continue;
      const title = optionalChild(section, V3, 'title')?.text;
      if (title) lines.push(`${'#'.repeat(Math.min(depth, 4))} ${title}`);
      const sectionText = optionalChild(section, V3, 'text');
      if (sectionText !== undefined) lines.push(...textLines(sectionText));
      readSections(section, depth + 1);
    }
  };
  readSections(structured, 1);
  return { kind: 'structured', text: lines.join('\n') };
}

/** The words of a narrative block (paragraphs, tables, lists), one line per element that holds text. */
function textLines(element: XmlElement): string[] {
  const own = element.text === '' ? [] : [element.text];
  const cells = element.children.filter((child) => child.name === 'td' || child.name === 'th');
  if (cells.length > 0) return [cells.map((cell) => allText(cell)).join(' | ')];
  return [...own, ...element.children.flatMap(textLines)];
}

function allText(element: XmlElement): string {
  return [element.text, ...element.children.map(allText)].filter(Boolean).join(' ');
}

function firstOf(element: XmlElement, path: readonly string[]): XmlElement | undefined {
  let current: XmlElement | undefined = element;
  for (const name of path) current = current && childrenOf(current, V3, name)[0];
  return current;
}

function normalisedName(name: string): string {
  return name.trim().toLocaleUpperCase('fr-FR').replace(/\s+/g, ' ');
}

/** `YYYYMMDD…` → `YYYY-MM-DD`. */
function dayOfHl7(value: string | undefined): string | undefined {
  const match = value?.match(/^(\d{4})(\d{2})(\d{2})/);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

/** An HL7 TS (`YYYYMMDDhhmmss±HHMM`, its parts from the right optional); UTC without a zone. */
function instantOfHl7(value: string | undefined): Date | undefined {
  const match = value?.match(/^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$/);
  if (!match) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', zone] = match;
  const offset = zone === undefined ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
