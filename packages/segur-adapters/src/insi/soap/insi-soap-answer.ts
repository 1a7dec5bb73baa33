import { type Ins, insSchema, type StrictTraits, strictTraitsSchema } from '@dui-pds/domain';
import {
  MalformedXml,
  node,
  optionalChild,
  optionalText,
  readXml,
  requiredChild,
  requiredText,
  textNode,
  writeXml,
  type XmlElement,
} from '../../xml/xml-document.js';
import { firstNamesOf } from './insi-soap-envelope.js';
import { INSI_NAMESPACES as NS } from './insi-soap-namespaces.js';

/**
 * What the INSi answers: a RESULTAT with its return code (CR) — 00 one identity, with its active
 * INS (INSACTIF) and its traits (TIQ); 01 none; 02 several — or a SOAP 1.2 Fault when it could
 * not take the request (unknown software, malformed message, service down).
 */
export type InsiResult =
  | { code: '00'; ins: Ins; traits: StrictTraits }
  | { code: '01' }
  | { code: '02' }
  /** Any other code the teleservice may add: read, never taken for an answer. */
  | { code: 'other'; value: string };

export interface InsiFault {
  /** `Sender` (the request is at fault) or `Receiver` (the service is). */
  code: string;
  subcode: string | undefined;
}

export type InsiAnswer = { kind: 'result'; result: InsiResult } | { kind: 'fault'; fault: InsiFault };

const RETURN_LABELS = {
  '00': 'OK',
  '01': 'Aucune identite trouvee',
  '02': 'Plusieurs identites trouvees',
} as const;

/** The teleservice's way: RESULTAT in its own default namespace, its children unprefixed. */
export function buildInsiResult(
  result: Exclude<InsiResult, { code: 'other' }>,
  addressing: { action: string; relatesTo: string },
): string {
  const individual =
    result.code === '00'
      ? node(
          'INDIVIDU',
          {},
          node(
            'INSACTIF',
            {},
            node(
              'IdIndividu',
              {},
              textNode('NumIdentifiant', result.ins.value.slice(0, 13)),
              textNode('Cle', result.ins.value.slice(13)),
              textNode('TypeMatricule', 'NIR'),
            ),
            textNode('OID', result.ins.oid),
          ),
          node(
            'TIQ',
            {},
            textNode('NomNaissance', result.traits.birthName),
            textNode('ListePrenom', result.traits.birthFirstNames.join(' ')),
            textNode('Sexe', result.traits.sex),
            textNode('DateNaissance', result.traits.birthDate),
            textNode('LieuNaissance', result.traits.birthplaceCode),
          ),
        )
      : undefined;
  return writeXml(
    node(
      'env:Envelope',
      { 'xmlns:env': NS.soap, 'xmlns:wsa': NS.addressing },
      node(
        'env:Header',
        {},
        textNode('wsa:Action', `${addressing.action}Response`),
        textNode('wsa:RelatesTo', addressing.relatesTo),
      ),
      node(
        'env:Body',
        {},
        node(
          'RESULTAT',
          { xmlns: NS.result },
          node('CR', {}, textNode('CodeCR', result.code), textNode('LibelleCR', RETURN_LABELS[result.code])),
          individual,
        ),
      ),
    ),
  );
}

/** A SOAP 1.2 Fault; `reason` is for the people who read the exchange, in the teleservice's French. */
export function buildInsiFault(fault: { code: 'Sender' | 'Receiver'; subcode?: string; reason: string }): string {
  const subcode =
    fault.subcode === undefined ? undefined : node('env:Subcode', {}, textNode('env:Value', fault.subcode));
  return writeXml(
    node(
      'env:Envelope',
      { 'xmlns:env': NS.soap },
      node(
        'env:Body',
        {},
        node(
          'env:Fault',
          {},
          node('env:Code', {}, textNode('env:Value', `env:${fault.code}`), subcode),
          node('env:Reason', {}, { name: 'env:Text', attributes: { 'xml:lang': 'fr' }, text: fault.reason }),
        ),
      ),
    ),
  );
}

/** Reads an answer; throws `MalformedXml` when it is neither a RESULTAT nor a Fault, or unreadable. */
export function readInsiAnswer(xml: string): InsiAnswer {
  const envelope = readXml(xml);
  if (envelope.namespace !== NS.soap || envelope.name !== 'Envelope') {
    throw new MalformedXml('not a SOAP 1.2 envelope');
  }
  const body = requiredChild(envelope, NS.soap, 'Body');
  const fault = optionalChild(body, NS.soap, 'Fault');
  if (fault) return { kind: 'fault', fault: readFault(fault) };
  return { kind: 'result', result: readResult(requiredChild(body, NS.result, 'RESULTAT')) };
}

function readFault(fault: XmlElement): InsiFault {
  const code = requiredChild(fault, NS.soap, 'Code');
  const subcode = optionalChild(code, NS.soap, 'Subcode');
  return {
    code: localPart(requiredText(code, NS.soap, 'Value')),
    subcode: subcode === undefined ? undefined : localPart(requiredText(subcode, NS.soap, 'Value')),
  };
}

function localPart(qualifiedName: string): string {
  return qualifiedName.slice(qualifiedName.indexOf(':') + 1);
}

function readResult(result: XmlElement): InsiResult {
  const code = requiredText(requiredChild(result, NS.result, 'CR'), NS.result, 'CodeCR');
  if (code === '01' || code === '02') return { code };
  if (code !== '00') return { code: 'other', value: code };
  const individual = requiredChild(result, NS.result, 'INDIVIDU');
  const active = requiredChild(individual, NS.result, 'INSACTIF');
  const identifier = requiredChild(active, NS.result, 'IdIndividu');
  const ins = insSchema.safeParse({
    value: `${requiredText(identifier, NS.result, 'NumIdentifiant')}${requiredText(identifier, NS.result, 'Cle')}`,
    oid: requiredText(active, NS.result, 'OID'),
  });
  if (!ins.success) throw new MalformedXml('INSACTIF is not a valid NIR or NIA with a known OID');
  const tiq = requiredChild(individual, NS.result, 'TIQ');
  const traits = strictTraitsSchema.safeParse({
    birthName: requiredText(tiq, NS.result, 'NomNaissance'),
    birthFirstNames: firstNamesOf(requiredText(tiq, NS.result, 'ListePrenom')),
    sex: requiredText(tiq, NS.result, 'Sexe'),
    birthDate: requiredText(tiq, NS.result, 'DateNaissance'),
    birthplaceCode: optionalText(tiq, NS.result, 'LieuNaissance'),
  });
  if (!traits.success) throw new MalformedXml('TIQ does not hold strict identity traits');
  return { code: '00', ins: ins.data, traits: traits.data };
}
