import { type Ins, insSchema, type StrictTraits, sexSchema, strictTraitsSchema } from '@dui-pds/domain';
import {
  MalformedXml,
  node,
  optionalText,
  readXml,
  requiredChild,
  requiredText,
  textNode,
  writeXml,
  type XmlElement,
  type XmlNode,
} from '../../xml/xml-document.js';
import type { InsiSearchQuery } from '../insi-port.js';
import { INSI_REQUEST_ELEMENTS, type InsiOperationName, INSI_NAMESPACES as NS } from './insi-soap-namespaces.js';

/**
 * A request to the INSi as it travels: the SOAP 1.2 envelope with its two context headers
 * (ContexteBAM, ContexteLPS), the WS-Addressing headers, and the body of one operation. The
 * client builds it; the stand-in reads it back.
 */
export interface InsiRequest {
  headers: InsiRequestHeaders;
  body: InsiRequestBody;
}

export interface InsiRequestHeaders {
  /** The exchange's context (ContexteBAM): who sends, when; COUVERTURE stays empty without a carte Vitale. */
  bamContext: { version: string; id: string; time: string; emitter: string };
  /** The software's context (ContexteLPS): its authorisation number (IDAM, R="4"), version, instance and name. */
  lpsContext: {
    nature: string;
    version: string;
    id: string;
    time: string;
    emitter: string;
    idamKind: string;
    authorisationNumber: string;
    softwareVersion: string;
    instance: string;
    softwareName: string;
  };
  action: string;
  /** `uuid:` and a UUID. */
  messageId: string;
  to: string | undefined;
}

export type InsiRequestBody =
  | { operation: 'search'; query: InsiSearchQuery }
  | { operation: 'verification'; ins: Ins; traits: StrictTraits };

const PREFIXES = {
  soap: 'soap',
  wsa: 'wsa',
  ctxbam: 'ctxbam',
  ctxlps: 'ctxlps',
  search: 'insi_recsans_ins',
  verification: 'insi_verif_ins',
} as const;

export function buildInsiRequest(request: InsiRequest): string {
  const { headers, body } = request;
  const { bamContext: bam, lpsContext: lps } = headers;
  const bamNode = (name: string, text: string) => textNode(`${PREFIXES.ctxbam}:${name}`, text);
  const lpsNode = (name: string, text: string) => textNode(`${PREFIXES.ctxlps}:${name}`, text);
  const wsaNode = (name: string, text: string) => textNode(`${PREFIXES.wsa}:${name}`, text);
  return writeXml(
    node(
      `${PREFIXES.soap}:Envelope`,
      {
        [`xmlns:${PREFIXES.soap}`]: NS.soap,
        [`xmlns:${PREFIXES.wsa}`]: NS.addressing,
        [`xmlns:${PREFIXES.ctxbam}`]: NS.bamContext,
        [`xmlns:${PREFIXES.ctxlps}`]: NS.lpsContext,
        [`xmlns:${PREFIXES.search}`]: NS.searchWithoutVitale,
        [`xmlns:${PREFIXES.verification}`]: NS.verification,
      },
      node(
        `${PREFIXES.soap}:Header`,
        {},
        node(
          `${PREFIXES.ctxbam}:ContexteBAM`,
          { Version: bam.version },
          bamNode('Id', bam.id),
          bamNode('Temps', bam.time),
          bamNode('Emetteur', bam.emitter),
          node(`${PREFIXES.ctxbam}:COUVERTURE`, {}),
        ),
        node(
          `${PREFIXES.ctxlps}:ContexteLPS`,
          { Nature: lps.nature, Version: lps.version },
          lpsNode('Id', lps.id),
          lpsNode('Temps', lps.time),
          lpsNode('Emetteur', lps.emitter),
          node(
            `${PREFIXES.ctxlps}:LPS`,
            {},
            { name: `${PREFIXES.ctxlps}:IDAM`, attributes: { R: lps.idamKind }, text: lps.authorisationNumber },
            lpsNode('Version', lps.softwareVersion),
            lpsNode('Instance', lps.instance),
            lpsNode('Nom', lps.softwareName),
          ),
        ),
        wsaNode('Action', headers.action),
        wsaNode('MessageID', headers.messageId),
        headers.to === undefined ? undefined : wsaNode('To', headers.to),
      ),
      node(`${PREFIXES.soap}:Body`, {}, bodyNode(body)),
    ),
  );
}

function bodyNode(body: InsiRequestBody): XmlNode {
  if (body.operation === 'search') {
    const field = (name: string, text: string) => textNode(`${PREFIXES.search}:${name}`, text);
    const { query } = body;
    return node(
      `${PREFIXES.search}:${INSI_REQUEST_ELEMENTS.search.name}`,
      {},
      field('NomNaissance', query.birthName),
      // every first name asked for, in one element, separated by spaces, as the INSi lists them
      field('Prenom', query.firstNames.join(' ')),
      field('Sexe', query.sex),
      field('DateNaissance', query.birthDate),
      query.birthplaceCode === undefined ? undefined : field('LieuNaissance', query.birthplaceCode),
    );
  }
  const field = (name: string, text: string) => textNode(`${PREFIXES.verification}:${name}`, text);
  const { ins, traits } = body;
  return node(
    `${PREFIXES.verification}:${INSI_REQUEST_ELEMENTS.verification.name}`,
    {},
    node(
      `${PREFIXES.verification}:IdIndividu`,
      {},
      field('NumIdentifiant', ins.value.slice(0, 13)),
      field('Cle', ins.value.slice(13)),
    ),
    field('OID', ins.oid),
    field('NomNaissance', traits.birthName),
    field('Prenom', traits.birthFirstNames.join(' ')),
    field('Sexe', traits.sex),
    field('DateNaissance', traits.birthDate),
    field('LieuNaissance', traits.birthplaceCode),
  );
}

/** Reads a request back; throws `MalformedXml` when an element is missing or a value unreadable. */
export function readInsiRequest(xml: string): InsiRequest {
  const envelope = readXml(xml);
  if (envelope.namespace !== NS.soap || envelope.name !== 'Envelope') {
    throw new MalformedXml('not a SOAP 1.2 envelope');
  }
  const header = requiredChild(envelope, NS.soap, 'Header');
  const body = requiredChild(envelope, NS.soap, 'Body');
  return { headers: readHeaders(header), body: readBody(body) };
}

function readHeaders(header: XmlElement): InsiRequestHeaders {
  const bam = requiredChild(header, NS.bamContext, 'ContexteBAM');
  const lps = requiredChild(header, NS.lpsContext, 'ContexteLPS');
  const software = requiredChild(lps, NS.lpsContext, 'LPS');
  const idam = requiredChild(software, NS.lpsContext, 'IDAM');
  return {
    bamContext: {
      version: bam.attributes.Version ?? '',
      id: requiredText(bam, NS.bamContext, 'Id'),
      time: requiredText(bam, NS.bamContext, 'Temps'),
      emitter: requiredText(bam, NS.bamContext, 'Emetteur'),
    },
    lpsContext: {
      nature: lps.attributes.Nature ?? '',
      version: lps.attributes.Version ?? '',
      id: requiredText(lps, NS.lpsContext, 'Id'),
      time: requiredText(lps, NS.lpsContext, 'Temps'),
      emitter: requiredText(lps, NS.lpsContext, 'Emetteur'),
      idamKind: idam.attributes.R ?? '',
      authorisationNumber: idam.text,
      softwareVersion: requiredText(software, NS.lpsContext, 'Version'),
      instance: requiredText(software, NS.lpsContext, 'Instance'),
      softwareName: requiredText(software, NS.lpsContext, 'Nom'),
    },
    action: requiredText(header, NS.addressing, 'Action'),
    messageId: requiredText(header, NS.addressing, 'MessageID'),
    to: optionalText(header, NS.addressing, 'To'),
  };
}

function readBody(body: XmlElement): InsiRequestBody {
  const [operation, ...others] = body.children;
  if (operation === undefined || others.length > 0) throw new MalformedXml('the body holds one operation');
  const named = (name: InsiOperationName) =>
    operation.namespace === INSI_REQUEST_ELEMENTS[name].namespace &&
    operation.name === INSI_REQUEST_ELEMENTS[name].name;
  if (named('search')) return { operation: 'search', query: readSearch(operation) };
  if (named('verification')) return { operation: 'verification', ...readVerification(operation) };
  throw new MalformedXml(`unknown operation ${operation.name}`);
}

function readSearch(search: XmlElement): InsiSearchQuery {
  const ns = NS.searchWithoutVitale;
  const sex = sexSchema.safeParse(requiredText(search, ns, 'Sexe'));
  if (!sex.success) throw new MalformedXml('Sexe is not F, M or I');
  const birthDate = requiredText(search, ns, 'DateNaissance');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) throw new MalformedXml('DateNaissance is not a date');
  const birthplaceCode = optionalText(search, ns, 'LieuNaissance');
  return {
    birthName: requiredText(search, ns, 'NomNaissance'),
    firstNames: firstNamesOf(requiredText(search, ns, 'Prenom')),
    birthDate,
    sex: sex.data,
    ...(birthplaceCode === undefined ? {} : { birthplaceCode }),
  };
}

function readVerification(verification: XmlElement): { ins: Ins; traits: StrictTraits } {
  const ns = NS.verification;
  const individual = requiredChild(verification, ns, 'IdIndividu');
  const ins = insSchema.safeParse({
    value: `${requiredText(individual, ns, 'NumIdentifiant')}${requiredText(individual, ns, 'Cle')}`,
    oid: requiredText(verification, ns, 'OID'),
  });
  if (!ins.success) throw new MalformedXml('the INS is not a valid NIR or NIA with a known OID');
  const traits = strictTraitsSchema.safeParse({
    birthName: requiredText(verification, ns, 'NomNaissance'),
    birthFirstNames: firstNamesOf(requiredText(verification, ns, 'Prenom')),
    sex: requiredText(verification, ns, 'Sexe'),
    birthDate: requiredText(verification, ns, 'DateNaissance'),
    birthplaceCode: requiredText(verification, ns, 'LieuNaissance'),
  });
  if (!traits.success) throw new MalformedXml('the traits are not strict identity traits');
  return { ins: ins.data, traits: traits.data };
}

/** The INSi lists first names in one element, separated by spaces. */
export function firstNamesOf(list: string): string[] {
  return list.split(/\s+/).filter((firstName) => firstName !== '');
}
