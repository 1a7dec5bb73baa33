import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The little XML the INSi exchanges need: elements named by namespace and local name, as SOAP
 * reads them. Prefixes are whatever the sender chose (the teleservice answers with a default
 * namespace, a client with prefixes), so reading resolves them and never compares them.
 */
export interface XmlElement {
  namespace: string | undefined;
  name: string;
  /** By qualified name as written (`R`, `Version`), the `xmlns` declarations left out. */
  attributes: Readonly<Record<string, string>>;
  children: readonly XmlElement[];
  /** The element's own text, trimmed (the texts of its children are theirs). */
  text: string;
}

/** What is written: qualified names with their prefixes, and the `xmlns` declarations as attributes. */
export interface XmlNode {
  name: string;
  attributes?: Readonly<Record<string, string>>;
  children?: readonly XmlNode[];
  text?: string;
}

/** A message that is not XML, or not the XML expected; the reason never quotes the message. */
export class MalformedXml extends Error {
  override readonly name = 'MalformedXml';
}

const MAX_DEPTH = 32;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  format: false,
});

export function writeXml(root: XmlNode): string {
  return `<?xml version="1.0" encoding="utf-8"?>${builder.build([toBuilderNode(root)])}`;
}

/** A node with the given children, the absent ones (optional elements) left out. */
export function node(
  name: string,
  attributes: Readonly<Record<string, string>>,
  ...children: readonly (XmlNode | undefined)[]
): XmlNode {
  return { name, attributes, children: children.filter((child): child is XmlNode => child !== undefined) };
}

export function textNode(name: string, text: string): XmlNode {
  return { name, text };
}

function toBuilderNode(xml: XmlNode): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  if (xml.text !== undefined && xml.text !== '') content.push({ '#text': xml.text });
  for (const child of xml.children ?? []) content.push(toBuilderNode(child));
  const built: Record<string, unknown> = { [xml.name]: content };
  const attributes = Object.entries(xml.attributes ?? {});
  if (attributes.length > 0) built[':@'] = Object.fromEntries(attributes.map(([key, value]) => [`@_${key}`, value]));
  return built;
}

/**
 * Reads a message into namespaced elements. A document type declaration is refused: SOAP
 * forbids it, and it is how entity expansion attacks come in.
 */
export function readXml(text: string): XmlElement {
  if (/<!DOCTYPE/i.test(text)) throw new MalformedXml('a document type declaration is not allowed');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new MalformedXml(`not well-formed XML (line ${valid.err.line})`);
  const roots = (parser.parse(text) as ParsedNode[]).filter((parsed) => elementName(parsed) !== undefined);
  const [root, ...others] = roots;
  if (root === undefined || others.length > 0) throw new MalformedXml('expected exactly one root element');
  return toElement(root, new Map(), 0);
}

type ParsedNode = Record<string, unknown>;

function elementName(parsed: ParsedNode): string | undefined {
  return Object.keys(parsed).find((key) => key !== ':@' && !key.startsWith('#') && !key.startsWith('?'));
}

function toElement(parsed: ParsedNode, inScope: ReadonlyMap<string, string>, depth: number): XmlElement {
  if (depth > MAX_DEPTH) throw new MalformedXml('elements nested too deeply');
  const qualifiedName = elementName(parsed) as string;
  const declared = (parsed[':@'] ?? {}) as Record<string, string>;
  const namespaces = new Map(inScope);
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(declared)) {
    if (key === 'xmlns') namespaces.set('', value);
    else if (key.startsWith('xmlns:')) namespaces.set(key.slice('xmlns:'.length), value);
    else attributes[key] = value;
  }
  const [prefix, name] = qualifiedName.includes(':')
    ? (qualifiedName.split(':', 2) as [string, string])
    : ['', qualifiedName];
  const namespace = namespaces.get(prefix);
  if (prefix !== '' && namespace === undefined) throw new MalformedXml(`undeclared namespace prefix ${prefix}`);
  const content = (parsed[qualifiedName] ?? []) as ParsedNode[];
  const children: XmlElement[] = [];
  let text = '';
  for (const item of content) {
    if ('#text' in item) text += String(item['#text']);
    else if (elementName(item) !== undefined) children.push(toElement(item, namespaces, depth + 1));
  }
  return { namespace, name, attributes, children, text: text.trim() };
}

/** The children named so, in this namespace. */
export function childrenOf(element: XmlElement, namespace: string, name: string): XmlElement[] {
  return element.children.filter((child) => child.namespace === namespace && child.name === name);
}

/** The one child named so, or undefined when there is none; several is malformed. */
export function optionalChild(element: XmlElement, namespace: string, name: string): XmlElement | undefined {
  const found = childrenOf(element, namespace, name);
  if (found.length > 1) throw new MalformedXml(`${element.name} has several ${name}`);
  return found[0];
}

export function requiredChild(element: XmlElement, namespace: string, name: string): XmlElement {
  const found = optionalChild(element, namespace, name);
  if (found === undefined) throw new MalformedXml(`${element.name} has no ${name}`);
  return found;
}

/** The text of a required child, which may not be empty. */
export function requiredText(element: XmlElement, namespace: string, name: string): string {
  const text = requiredChild(element, namespace, name).text;
  if (text === '') throw new MalformedXml(`${element.name}/${name} is empty`);
  return text;
}

export function optionalText(element: XmlElement, namespace: string, name: string): string | undefined {
  const text = optionalChild(element, namespace, name)?.text;
  return text === '' ? undefined : text;
}
