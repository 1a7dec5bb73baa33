import { randomUUID } from 'node:crypto';
import type { Ins, StrictTraits } from '@dui-pds/domain';
import { SoapTransport } from '../../soap/soap-transport.js';
import { MalformedXml } from '../../xml/xml-document.js';
import type { Insi, InsiSearchAnswer, InsiSearchQuery, InsiVerificationAnswer } from '../insi-port.js';
import { InsiUnavailable } from '../insi-unavailable.js';
import { type InsiResult, readInsiAnswer } from './insi-soap-answer.js';
import { buildInsiRequest, type InsiRequestBody } from './insi-soap-envelope.js';
import {
  CONTEXT_VERSIONS,
  IDAM_AUTHORISATION_NUMBER,
  INSI_ACTIONS,
  type InsiOperationName,
  soapContentType,
} from './insi-soap-namespaces.js';

/** The software as the CNAM registered it: its CNDA authorisation number, name, version, and this installation. */
export interface InsiSoftware {
  authorisationNumber: string;
  softwareName: string;
  softwareVersion: string;
  /** Which installation calls (a stable identifier of this instance of the software). */
  instance: string;
}

export interface InsiSoapClientConfig {
  /** The teleservice's endpoint (`https://…/lps`). */
  endpoint: string | URL;
  /**
   * Mutual TLS, in PEM: the structure's certificate and key (certificat logiciel / personne
   * morale), and the authorities that sign the teleservice's certificate.
   */
  tls?: { cert: string; key: string; ca: string };
  lps: InsiSoftware;
  /** The emitter of both contexts (Emetteur): the structure or professional on whose behalf the software calls. */
  emitter: string;
  clock?: () => Date;
  /** A new UUID, for the message and context identifiers. */
  newId?: () => string;
  /** How long a call may take before it counts as unavailable; 15 s by default. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 1_000_000;

/**
 * The INSi teleservice over SOAP 1.2 with mutual TLS: each search or verification is one POST of
 * an envelope carrying the ContexteBAM and ContexteLPS headers and WS-Addressing, and its
 * RESULTAT read back into the port's answers. Anything else (no connection, refused
 * certificate, SOAP fault, HTTP error, unreadable answer, timeout) is `InsiUnavailable`.
 */
export class InsiSoapClient implements Insi {
  private readonly endpoint: URL;
  private readonly transport: SoapTransport;
  private readonly clock: () => Date;
  private readonly newId: () => string;

  constructor(private readonly config: InsiSoapClientConfig) {
    this.endpoint = new URL(config.endpoint);
    this.transport = new SoapTransport(this.endpoint.protocol === 'https:', {
      ...(config.tls ? { tls: config.tls } : {}),
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxAnswerBytes: MAX_ANSWER_BYTES,
      peer: 'the teleservice',
      unavailable: (reason, options) => new InsiUnavailable(reason, options),
    });
    this.clock = config.clock ?? (() => new Date());
    this.newId = config.newId ?? randomUUID;
  }

  async search(query: InsiSearchQuery): Promise<InsiSearchAnswer> {
    const result = await this.call('search', { operation: 'search', query });
    if (result.code === '00') return { outcome: 'found', ins: result.ins, traits: result.traits };
    if (result.code === '01') return { outcome: 'not-found' };
    if (result.code === '02') return { outcome: 'several' };
    throw new InsiUnavailable(`unexpected return code ${result.value} to a search`);
  }

  async verify(ins: Ins, traits: StrictTraits): Promise<InsiVerificationAnswer> {
    const result = await this.call('verification', { operation: 'verification', ins, traits });
    // an INS that changed since (another active INS) is no confirmation of the one held
    if (result.code === '00' && result.ins.value === ins.value && result.ins.oid === ins.oid) {
      return { outcome: 'confirmed', traits: result.traits };
    }
    if (result.code === '00' || result.code === '01') return { outcome: 'not-confirmed' };
    throw new InsiUnavailable(`unexpected return code ${result.code === 'other' ? result.value : result.code}`);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.transport.close();
  }

  private async call(operation: InsiOperationName, body: InsiRequestBody): Promise<InsiResult> {
    const action = INSI_ACTIONS[operation];
    const envelope = this.envelope(action, body);
    const reply = await this.transport.post(this.endpoint, {
      contentType: soapContentType(action),
      accept: 'application/soap+xml',
      body: Buffer.from(envelope, 'utf8'),
    });
    const { status } = reply;
    const text = reply.body.toString('utf8');
    let answer: ReturnType<typeof readInsiAnswer>;
    try {
      answer = readInsiAnswer(text);
    } catch (error) {
      if (!(error instanceof MalformedXml)) throw error;
      throw new InsiUnavailable(status === 200 ? `unreadable answer (${error.message})` : `HTTP ${status}`);
    }
    if (answer.kind === 'fault') {
      const { code, subcode } = answer.fault;
      throw new InsiUnavailable(`SOAP fault ${code}${subcode ? `/${subcode}` : ''} (HTTP ${status})`);
    }
    if (status !== 200) throw new InsiUnavailable(`HTTP ${status}`);
    return answer.result;
  }

  private envelope(action: string, body: InsiRequestBody): string {
    const time = this.clock().toISOString();
    const { lps, emitter } = this.config;
    return buildInsiRequest({
      headers: {
        bamContext: { version: CONTEXT_VERSIONS.bam, id: this.newId(), time, emitter },
        lpsContext: {
          nature: 'CTXLPS',
          version: CONTEXT_VERSIONS.lps,
          id: this.newId(),
          time,
          emitter,
          idamKind: IDAM_AUTHORISATION_NUMBER,
          authorisationNumber: lps.authorisationNumber,
          softwareVersion: lps.softwareVersion,
          instance: lps.instance,
          softwareName: `urn:lps:${lps.softwareName}:${lps.softwareVersion}`,
        },
        action,
        messageId: `uuid:${this.newId()}`,
        to: this.endpoint.href,
      },
      body,
    });
  }
}
