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
  type XmlNode,
} from '../../xml/xml-document.js';
import { DMP_NAMESPACES as NS } from './dmp-soap-names.js';

/**
 * The SOAP 1.2 envelope of every DMP exchange. A request carries, in its header, the signed VIHF
 * in `wsse:Security` and the WS-Addressing headers (Action, MessageID, To, ReplyTo); its body one
 * operation. An answer carries its action and `RelatesTo`, or a SOAP Fault.
 *
 * The signed assertion is embedded byte for byte (a re-serialisation could break its signature),
 * so the envelope is assembled from serialised parts rather than built as one tree.
 */
export interface DmpRequestHeaders {
  action: string;
  /** `urn:uuid:` and a UUID. */
  messageId: string;
  to: string;
}

const ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';

/** Serialises a node without the XML declaration, to be placed inside another document. */
export function xmlFragment(root: XmlNode): string {
  return writeXml(root).replace(/^<\?xml[^>]*\?>/, '');
}

export function buildDmpRequest(request: { headers: DmpRequestHeaders; signedVihf: string; body: XmlNode }): string {
  const { headers } = request;
  const addressing = [
    xmlFragment({
      name: 'wsa:Action',
      attributes: { 'xmlns:wsa': NS.addressing, 'soap:mustUnderstand': 'true' },
      text: headers.action,
    }),
    xmlFragment({ name: 'wsa:MessageID', attributes: { 'xmlns:wsa': NS.addressing }, text: headers.messageId }),
    xmlFragment({ name: 'wsa:To', attributes: { 'xmlns:wsa': NS.addressing }, text: headers.to }),
    xmlFragment(node('wsa:ReplyTo', { 'xmlns:wsa': NS.addressing }, textNode('wsa:Address', ANONYMOUS))),
  ].join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="${NS.soap}">` +
    '<soap:Header>' +
    `<wsse:Security xmlns:wsse="${NS.wsse}" soap:mustUnderstand="true">${request.signedVihf}</wsse:Security>` +
    addressing +
    '</soap:Header>' +
    `<soap:Body>${xmlFragment(request.body)}</soap:Body>` +
    '</soap:Envelope>'
  );
}

export interface DmpRequest {
  headers: DmpRequestHeaders;
  /** The one element of the body. */
  operation: XmlElement;
}

/** Reads a request's addressing and operation; the VIHF is checked apart, on the raw XML (`verifyVihf`). */
export function readDmpRequest(xml: string): DmpRequest {
  const envelope = readXml(xml);
  if (envelope.namespace !== NS.soap || envelope.name !== 'Envelope') throw new MalformedXml('not a SOAP 1.2 envelope');
  const header = requiredChild(envelope, NS.soap, 'Header');
  requiredChild(header, NS.wsse, 'Security');
  return {
    headers: {
      action: requiredText(header, NS.addressing, 'Action'),
      messageId: requiredText(header, NS.addressing, 'MessageID'),
      to: requiredText(header, NS.addressing, 'To'),
    },
    operation: onlyChild(requiredChild(envelope, NS.soap, 'Body')),
  };
}

/** An answer's envelope: the action of the answer, the message it answers, and its body. */
export function buildDmpAnswer(answer: { action: string; relatesTo: string; body: XmlNode }): string {
  return writeXml(
    node(
      'soap:Envelope',
      { 'xmlns:soap': NS.soap, 'xmlns:wsa': NS.addressing },
      node(
        'soap:Header',
        {},
        { name: 'wsa:Action', attributes: { 'soap:mustUnderstand': 'true' }, text: answer.action },
        textNode('wsa:RelatesTo', answer.relatesTo),
      ),
      node('soap:Body', {}, answer.body),
    ),
  );
}

/** A SOAP 1.2 Fault: `Sender` when the request is at fault, `Receiver` when the service is. */
export function buildDmpFault(fault: { code: 'Sender' | 'Receiver'; reason: string }): string {
  return writeXml(
    node(
      'soap:Envelope',
      { 'xmlns:soap': NS.soap },
      node(
        'soap:Body',
        {},
        node(
          'soap:Fault',
          {},
          node('soap:Code', {}, textNode('soap:Value', `soap:${fault.code}`)),
          node('soap:Reason', {}, { name: 'soap:Text', attributes: { 'xml:lang': 'fr' }, text: fault.reason }),
        ),
      ),
    ),
  );
}

export type DmpAnswer =
  | { kind: 'body'; action: string | undefined; relatesTo: string | undefined; body: XmlElement }
  | { kind: 'fault'; code: string };

/** Reads an answer: its body's one element, or the fault's code (its reason, the service's words, is not kept). */
export function readDmpAnswer(xml: string): DmpAnswer {
  const envelope = readXml(xml);
  if (envelope.namespace !== NS.soap || envelope.name !== 'Envelope') throw new MalformedXml('not a SOAP 1.2 envelope');
  const body = requiredChild(envelope, NS.soap, 'Body');
  const fault = optionalChild(body, NS.soap, 'Fault');
  if (fault !== undefined) {
    const value = optionalText(requiredChild(fault, NS.soap, 'Code'), NS.soap, 'Value') ?? '';
    return { kind: 'fault', code: value.replace(/^[^:]*:/, '') };
  }
  const header = optionalChild(envelope, NS.soap, 'Header');
  return {
    kind: 'body',
    action: header === undefined ? undefined : optionalText(header, NS.addressing, 'Action'),
    relatesTo: header === undefined ? undefined : optionalText(header, NS.addressing, 'RelatesTo'),
    body: onlyChild(body),
  };
}

function onlyChild(body: XmlElement): XmlElement {
  const [operation, ...others] = body.children;
  if (operation === undefined || others.length > 0) throw new MalformedXml('the body holds one element');
  return operation;
}
