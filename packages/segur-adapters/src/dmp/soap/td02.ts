import type { DmpAuthorisation, Ins } from '@dui-pds/domain';
import {
  childrenOf,
  MalformedXml,
  node,
  optionalChild,
  requiredChild,
  textNode,
  type XmlElement,
  type XmlNode,
} from '../../xml/xml-document.js';
import type { DmpAccess } from '../dmp-port.js';
import { DMP_NAMESPACES as NS, TD02, TD02_AUTHORISATIONS } from './dmp-soap-names.js';

/**
 * TD0.2, « test d'existence du DMP et de l'autorisation d'accès »: an HL7 V3 query
 * (`PRPA_IN201307UV02`, reason `TEST_EXST`) naming the patient by their INS, answered by a
 * `PRPA_IN201306UV02` whose queryAck says whether a DMP exists (`OK`) or not (`NF`), and whose
 * `AUTORISATION` attention line says what the structure may do with it.
 */
export interface Td02Query {
  /** The message's id (a UUID) and when it was made. */
  id: string;
  creationTime: Date;
  ins: Ins;
  /** The sending software (device): its name. */
  softwareName: string;
}

/** HL7 V3 TS: `YYYYMMDDHHMMSS`, UTC. */
function hl7Instant(instant: Date): string {
  return instant.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

const MESSAGE_ID_ROOT = '2.25';

export function buildTd02Query(query: Td02Query): XmlNode {
  const element = (name: string, attributes: Record<string, string>, ...children: (XmlNode | undefined)[]) =>
    node(name, attributes, ...children);
  return element(
    'PRPA_IN201307UV02',
    { xmlns: NS.hl7, 'xmlns:xsi': NS.xsi, ITSVersion: 'XML_1.0' },
    element('id', { root: MESSAGE_ID_ROOT, extension: query.id }),
    element('creationTime', { value: hl7Instant(query.creationTime) }),
    element('interactionId', { root: TD02.interactionRoot, extension: TD02.query }),
    element('processingCode', { code: 'P' }),
    element('processingModeCode', { code: 'T' }),
    element('acceptAckCode', { code: 'AL' }),
    element(
      'receiver',
      { typeCode: 'RCV' },
      element(
        'device',
        { classCode: 'DEV', determinerCode: 'INSTANCE' },
        element('id', { root: TD02.dmpDevice }),
        textNode('softwareName', 'DMP'),
      ),
    ),
    element(
      'sender',
      { typeCode: 'SND' },
      element(
        'device',
        { classCode: 'DEV', determinerCode: 'INSTANCE' },
        element('id', { nullFlavor: 'UNK' }),
        textNode('softwareName', query.softwareName),
      ),
    ),
    element(
      'controlActProcess',
      { classCode: 'CACT', moodCode: 'EVN' },
      element('reasonCode', { ...TD02.reason }),
      element(
        'queryByParameter',
        {},
        element('queryId', { root: MESSAGE_ID_ROOT, extension: query.id }),
        element('statusCode', { code: 'new' }),
        element(
          'parameterList',
          {},
          element(
            'patientIdentifier',
            {},
            element('value', { root: query.ins.oid, extension: query.ins.value }),
            textNode('semanticsText', 'Patient.id'),
          ),
        ),
      ),
    ),
  );
}

/** The INS a TD0.2 query names; `MalformedXml` when it is not such a query. */
export function readTd02Query(query: XmlElement): { id: string; ins: { value: string; oid: string } } {
  if (query.namespace !== NS.hl7 || query.name !== TD02.query) throw new MalformedXml(`expected ${TD02.query}`);
  const control = requiredChild(query, NS.hl7, 'controlActProcess');
  const reason = requiredChild(control, NS.hl7, 'reasonCode');
  if (reason.attributes.code !== TD02.reason.code) throw new MalformedXml('the reason is not TEST_EXST');
  const parameters = requiredChild(requiredChild(control, NS.hl7, 'queryByParameter'), NS.hl7, 'parameterList');
  const value = requiredChild(requiredChild(parameters, NS.hl7, 'patientIdentifier'), NS.hl7, 'value');
  const { root, extension } = value.attributes;
  if (root === undefined || extension === undefined || extension === '')
    throw new MalformedXml('no patient identifier');
  return { id: requiredChild(query, NS.hl7, 'id').attributes.extension ?? '', ins: { value: extension, oid: root } };
}

const AUTHORISATION_VALUES = Object.fromEntries(
  Object.entries(TD02_AUTHORISATIONS).map(([value, authorisation]) => [authorisation, value]),
) as Record<DmpAuthorisation, string>;

export function buildTd02Answer(answer: {
  id: string;
  creationTime: Date;
  queryId: string;
  ins: { value: string; oid: string };
  access: DmpAccess;
}): XmlNode {
  const element = (name: string, attributes: Record<string, string>, ...children: (XmlNode | undefined)[]) =>
    node(name, attributes, ...children);
  return element(
    TD02.answer,
    { xmlns: NS.hl7, 'xmlns:xsi': NS.xsi, ITSVersion: 'XML_1.0' },
    element('id', { root: MESSAGE_ID_ROOT, extension: answer.id }),
    element('creationTime', { value: hl7Instant(answer.creationTime) }),
    element('interactionId', { root: TD02.interactionRoot, extension: TD02.answer }),
    element('processingCode', { code: 'P' }),
    element('processingModeCode', { code: 'T' }),
    element('acceptAckCode', { code: 'NE' }),
    element(
      'receiver',
      { typeCode: 'RCV' },
      element('device', { classCode: 'DEV', determinerCode: 'INSTANCE' }, element('id', { nullFlavor: 'UNK' })),
    ),
    element(
      'sender',
      { typeCode: 'SND' },
      element('device', { classCode: 'DEV', determinerCode: 'INSTANCE' }, element('id', { root: TD02.dmpDevice })),
    ),
    element(
      'attentionLine',
      {},
      textNode('keyWordText', TD02.authorisationKey),
      element('value', { 'xsi:type': 'ST', value: AUTHORISATION_VALUES[answer.access.authorisation] }),
    ),
    element(
      'acknowledgement',
      {},
      element('typeCode', { code: 'AA' }),
      element('targetMessage', {}, element('id', { root: MESSAGE_ID_ROOT, extension: answer.queryId })),
    ),
    element(
      'controlActProcess',
      { classCode: 'CACT', moodCode: 'EVN' },
      element('code', { code: 'PRPA_TE201306UV02', codeSystem: TD02.interactionRoot }),
      element(
        'queryAck',
        {},
        element('queryId', { root: MESSAGE_ID_ROOT, extension: answer.queryId }),
        element('queryResponseCode', { code: answer.access.dmpExists ? TD02.exists : TD02.notFound }),
      ),
    ),
  );
}

/**
 * Reads a TD0.2 answer. An unknown response code or authorisation value is `MalformedXml`: the
 * software does not guess what the DMP meant. No authorisation line means none.
 */
export function readTd02Answer(answer: XmlElement): DmpAccess {
  if (answer.namespace !== NS.hl7 || answer.name !== TD02.answer) throw new MalformedXml(`expected ${TD02.answer}`);
  const control = requiredChild(answer, NS.hl7, 'controlActProcess');
  const responseCode = requiredChild(requiredChild(control, NS.hl7, 'queryAck'), NS.hl7, 'queryResponseCode').attributes
    .code;
  if (responseCode !== TD02.exists && responseCode !== TD02.notFound) {
    throw new MalformedXml('unknown queryResponseCode');
  }
  const line = childrenOf(answer, NS.hl7, 'attentionLine').find(
    (candidate) => keyWordOf(candidate) === TD02.authorisationKey,
  );
  const valueElement = line === undefined ? undefined : optionalChild(line, NS.hl7, 'value');
  const value = valueElement?.attributes.value ?? valueElement?.text;
  const authorisation =
    value === undefined || value === '' ? 'absent' : (TD02_AUTHORISATIONS as Record<string, DmpAuthorisation>)[value];
  if (authorisation === undefined) throw new MalformedXml('unknown authorisation value');
  return { dmpExists: responseCode === TD02.exists, authorisation };
}

function keyWordOf(line: XmlElement): string | undefined {
  const keyWord = optionalChild(line, NS.hl7, 'keyWordText');
  return keyWord === undefined ? undefined : keyWord.text || keyWord.attributes.code;
}
