import { randomUUID } from 'node:crypto';
import { SoapTransport } from '../../soap/soap-transport.js';
import type { XdsSubmission } from '../../xds/xds-metadata.js';
import { MalformedXml, type XmlElement, type XmlNode } from '../../xml/xml-document.js';
import { DmpRefused, DmpUnavailable, dmpErrorLabel } from '../dmp-errors.js';
import type {
  Dmp,
  DmpAccess,
  DmpCall,
  DmpDocumentContent,
  DmpDocumentSummary,
  DmpReceipt,
  DmpRetrievedDocument,
  DmpSearchQuery,
  DmpSoftware,
} from '../dmp-port.js';
import { buildDmpRequest, readDmpAnswer } from './dmp-envelope.js';
import {
  DMP_ACTIONS,
  DMP_ANSWER_ACTIONS,
  DMP_SERVICES,
  type DmpOperation,
  dmpPatientId,
  soapContentType,
  XDS,
} from './dmp-soap-names.js';
import { attachmentContentId, buildMtomMessage, isMultipartRelated, type MimePart, readMtomMessage } from './mtom.js';
import { buildTd02Query, readTd02Answer } from './td02.js';
import { buildVihfAssertion, issuerOfCertificate, signVihfAssertion } from './vihf.js';
import {
  buildFindDocumentsQuery,
  buildProvideRequest,
  buildRetrieveRequest,
  type RegistryOutcome,
  readQueryResponse,
  readRegistryResponse,
  readRetrieveResponse,
} from './xds-exchanges.js';

export interface DmpSoapClientConfig {
  /** The base of the DMPi web services (`https://…/si-dmp-server/v2/services`); each operation adds its service. */
  endpoint: string | URL;
  /**
   * The structure's certificate and key (PEM): mutual TLS, and the VIHF's signature; with the
   * authorities that sign the DMP's certificate.
   */
  tls: { cert: string; key: string; ca: string };
  software: DmpSoftware;
  clock?: () => Date;
  /** A new UUID, for messages and assertions. */
  newId?: () => string;
  /** How long a call may take before it counts as unavailable; 30 s by default (a feed carries documents). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** A retrieved document is at most the record's 10 MB, with room for its envelope. */
const MAX_ANSWER_BYTES = 16_000_000;

/**
 * The DMPi web services over SOAP 1.2 with mutual TLS: every request carries WS-Addressing and the
 * acting professional's VIHF, signed with the structure's key; a feed and a retrieval carry their
 * documents as MTOM parts. What the DMP answers no is `DmpRefused` (its XDS code, a French label);
 * anything else that goes wrong is `DmpUnavailable`, whose message never quotes what was sent.
 */
export class DmpSoapClient implements Dmp {
  private readonly base: URL;
  private readonly transport: SoapTransport;
  private readonly clock: () => Date;
  private readonly newId: () => string;
  private readonly issuer: string;

  constructor(private readonly config: DmpSoapClientConfig) {
    this.base = new URL(config.endpoint);
    if (!this.base.pathname.endsWith('/')) this.base.pathname = `${this.base.pathname}/`;
    this.transport = new SoapTransport(this.base.protocol === 'https:', {
      tls: config.tls,
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxAnswerBytes: MAX_ANSWER_BYTES,
      peer: 'the DMP',
      unavailable: (reason, options) => new DmpUnavailable(reason, options),
    });
    this.clock = config.clock ?? (() => new Date());
    this.newId = config.newId ?? randomUUID;
    this.issuer = issuerOfCertificate(config.tls.cert);
  }

  async checkAccess(call: DmpCall): Promise<DmpAccess> {
    const query = buildTd02Query({
      id: this.newId(),
      creationTime: this.clock(),
      ins: call.patient.ins,
      softwareName: this.config.software.name,
    });
    const { body } = await this.call('accessCheck', call, query);
    return readOrUnavailable(() => readTd02Answer(body));
  }

  async submit(
    request: DmpCall & { submission: XdsSubmission; documents: readonly DmpDocumentContent[] },
  ): Promise<DmpReceipt> {
    const { submission, documents } = request;
    const contentIds = new Map<string, string>();
    const parts: MimePart[] = documents.map((document, index) => {
      const contentId = attachmentContentId(index + 1);
      contentIds.set(document.entryUuid, contentId);
      return { contentId, contentType: document.mimeType, body: document.content };
    });
    const { body } = await this.call('provide', request, buildProvideRequest(submission, contentIds), parts);
    refuseOnFailure(readOrUnavailable(() => readRegistryResponse(body)));
    return { entries: submission.entries.map(({ entryUuid, uniqueId }) => ({ entryUuid, uniqueId })) };
  }

  async search(request: DmpCall & { query?: DmpSearchQuery }): Promise<DmpDocumentSummary[]> {
    const statuses = request.query?.status === 'all' ? [XDS.approved, XDS.deprecated] : [XDS.approved];
    const query = buildFindDocumentsQuery({ patientId: dmpPatientId(request.patient.ins), statuses });
    const { body } = await this.call('search', request, query);
    const { outcome, entries } = readOrUnavailable(() => readQueryResponse(body));
    refuseOnFailure(outcome);
    return entries;
  }

  async retrieve(request: DmpCall & { uniqueId: string; repositoryId: string }): Promise<DmpRetrievedDocument> {
    const { uniqueId, repositoryId } = request;
    const { body, attachments } = await this.call(
      'retrieve',
      request,
      buildRetrieveRequest({ uniqueId, repositoryId }),
    );
    const { outcome, documents } = readOrUnavailable(() => readRetrieveResponse(body, attachments));
    refuseOnFailure(outcome);
    const document = documents.find((candidate) => candidate.uniqueId === uniqueId);
    if (document === undefined) throw new DmpUnavailable('the retrieval answered another document');
    return document;
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.transport.close();
  }

  private async call(
    operation: DmpOperation,
    call: DmpCall,
    body: XmlNode,
    attachments: readonly MimePart[] = [],
  ): Promise<{ body: XmlElement; attachments: ReadonlyMap<string, MimePart> }> {
    const action = DMP_ACTIONS[operation];
    const endpoint = new URL(DMP_SERVICES[operation], this.base);
    const vihf = signVihfAssertion(
      buildVihfAssertion({
        id: `_${this.newId()}`,
        instant: this.clock(),
        issuer: this.issuer,
        actor: call.actor,
        patient: call.patient,
        software: this.config.software,
      }),
      this.config.tls,
    );
    const envelope = buildDmpRequest({
      headers: { action, messageId: `urn:uuid:${this.newId()}`, to: endpoint.href },
      signedVihf: vihf,
      body,
    });
    // MTOM where documents travel (the feed); a plain SOAP message otherwise
    const message =
      attachments.length > 0
        ? buildMtomMessage(envelope, attachments, action)
        : { contentType: soapContentType(action), body: Buffer.from(envelope, 'utf8') };
    const answer = await this.transport.post(endpoint, {
      ...message,
      accept: 'application/soap+xml, multipart/related',
    });
    let read: { rootXml: string; attachments: ReadonlyMap<string, MimePart> };
    let parsed: ReturnType<typeof readDmpAnswer>;
    try {
      read = isMultipartRelated(answer.contentType)
        ? readMtomMessage(answer.contentType, answer.body)
        : { rootXml: answer.body.toString('utf8'), attachments: new Map() };
      parsed = readDmpAnswer(read.rootXml);
    } catch (error) {
      if (!(error instanceof MalformedXml)) throw error;
      throw new DmpUnavailable(
        answer.status === 200 ? `unreadable answer (${error.message})` : `HTTP ${answer.status}`,
      );
    }
    if (parsed.kind === 'fault') throw new DmpUnavailable(`SOAP fault ${parsed.code} (HTTP ${answer.status})`);
    if (answer.status !== 200) throw new DmpUnavailable(`HTTP ${answer.status}`);
    if (parsed.action !== undefined && parsed.action !== DMP_ANSWER_ACTIONS[operation]) {
      throw new DmpUnavailable('the answer is not of the operation asked for');
    }
    return { body: parsed.body, attachments: read.attachments };
  }
}

/** A Failure is the DMP's no: its first error, with its French label. */
function refuseOnFailure(outcome: RegistryOutcome): void {
  if (outcome.status === 'success') return;
  const [first] = outcome.errors;
  const code = first?.code ?? 'XDSRegistryError';
  throw new DmpRefused(code, dmpErrorLabel(code));
}

function readOrUnavailable<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof MalformedXml) throw new DmpUnavailable(`unreadable answer (${error.message})`);
    throw error;
  }
}
