import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Ins } from '@dui-pds/domain';
import { MalformedXml } from '../../xml/xml-document.js';
import type { InsiSearchAnswer, InsiVerificationAnswer } from '../insi-port.js';
import { INSI_TEST_IDENTITIES, InsiStandIn, type InsiTestIdentity } from '../insi-stand-in.js';
import { buildInsiFault, buildInsiResult, type InsiResult } from './insi-soap-answer.js';
import { type InsiRequest, readInsiRequest } from './insi-soap-envelope.js';
import { CONTEXT_VERSIONS, IDAM_AUTHORISATION_NUMBER, INSI_ACTIONS } from './insi-soap-namespaces.js';

export interface InsiSoapStandInOptions {
  /** The identities it knows; the INSi test identities by default. */
  identities?: readonly InsiTestIdentity[];
  /**
   * HTTPS with mutual TLS, in PEM: its certificate and key, and the authority whose client
   * certificates it accepts (any other client is refused during the handshake). Plain HTTP without.
   */
  tls?: { cert: string; key: string; ca: string };
  /** When given, any other authorisation number (IDAM) is refused, as the teleservice does. */
  authorisationNumber?: string;
}

export interface InsiSoapStandIn {
  /** The endpoint to give the client (`https://127.0.0.1:<port>/lps`). */
  url: string;
  /** How many operations it answered (searches and verifications). */
  readonly calls: number;
  /** The raw body of the last request received, answered or not. */
  readonly lastRequest: string | undefined;
  close(): Promise<void>;
}

const PATH = '/lps';
const MAX_REQUEST_BYTES = 1_000_000;
const MESSAGE_ID = /^uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A local INSi that speaks the teleservice's protocol: a real HTTP(S) server on 127.0.0.1 that
 * reads the SOAP 1.2 envelopes, checks their context and addressing headers, and answers from
 * test identities with the in-memory stand-in's matching rules (CR 00, 01 or 02). A request it
 * cannot take gets a SOAP Fault (env:Sender), as at the real service.
 */
export async function startInsiSoapStandIn(options: InsiSoapStandInOptions = {}): Promise<InsiSoapStandIn> {
  const brain = new InsiStandIn(options.identities ?? INSI_TEST_IDENTITIES);
  let lastRequest: string | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (new URL(request.url ?? '/', 'http://stand-in').pathname !== PATH) return answerPlain(response, 404);
    if (request.method !== 'POST') return answerPlain(response, 405);
    const body = await readBody(request);
    if (body === undefined) return answerPlain(response, 413);
    lastRequest = body;
    const contentType = request.headers['content-type'] ?? '';
    if (!contentType.startsWith('application/soap+xml')) {
      return answerFault(response, 415, 'Le type de contenu doit être application/soap+xml (SOAP 1.2).');
    }
    let insiRequest: InsiRequest;
    try {
      insiRequest = readInsiRequest(body);
    } catch (error) {
      if (!(error instanceof MalformedXml)) throw error;
      return answerFault(response, 400, `Requête mal formée : ${error.message}.`);
    }
    const refusal = refusalOf(insiRequest, contentType, options.authorisationNumber);
    if (refusal !== undefined) return answerFault(response, 400, refusal);
    const result = await answer(brain, insiRequest);
    response.writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' });
    response.end(
      buildInsiResult(result, { action: insiRequest.headers.action, relatesTo: insiRequest.headers.messageId }),
    );
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch(() => answerFault(response, 500, 'Erreur interne du service.', 'Receiver'));
  };
  const server: Server = options.tls
    ? createHttpsServer({ ...options.tls, requestCert: true, rejectUnauthorized: true }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${PATH}`,
    get calls() {
      return brain.calls;
    },
    get lastRequest() {
      return lastRequest;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // a client's kept-alive connections would hold the server open
        server.closeAllConnections();
      }),
  };
}

/** What the teleservice checks before reading the body: the two contexts and the addressing. */
function refusalOf(request: InsiRequest, contentType: string, authorisationNumber?: string): string | undefined {
  const { bamContext: bam, lpsContext: lps, action, messageId } = request.headers;
  if (bam.version !== CONTEXT_VERSIONS.bam) return `ContexteBAM : version ${CONTEXT_VERSIONS.bam} attendue.`;
  if (lps.nature !== 'CTXLPS') return 'ContexteLPS : Nature="CTXLPS" attendu.';
  if (lps.version !== CONTEXT_VERSIONS.lps) return `ContexteLPS : version ${CONTEXT_VERSIONS.lps} attendue.`;
  if (lps.idamKind !== IDAM_AUTHORISATION_NUMBER || lps.authorisationNumber === '') {
    return 'ContexteLPS : IDAM R="4" (numéro d’autorisation du logiciel) attendu.';
  }
  if (authorisationNumber !== undefined && lps.authorisationNumber !== authorisationNumber) {
    return 'Numéro d’autorisation du logiciel inconnu.';
  }
  if (action !== INSI_ACTIONS[request.body.operation]) return 'wsa:Action ne correspond pas à l’opération demandée.';
  const declaredAction = /action="([^"]*)"/.exec(contentType)?.[1];
  if (declaredAction !== undefined && declaredAction !== action) {
    return 'L’action du type de contenu diffère de wsa:Action.';
  }
  if (!MESSAGE_ID.test(messageId)) return 'wsa:MessageID doit être « uuid: » suivi d’un UUID.';
  return undefined;
}

async function answer(brain: InsiStandIn, request: InsiRequest): Promise<Exclude<InsiResult, { code: 'other' }>> {
  if (request.body.operation === 'search') return searchResult(await brain.search(request.body.query));
  const { ins, traits } = request.body;
  return verificationResult(await brain.verify(ins, traits), ins);
}

function searchResult(answer: InsiSearchAnswer): Exclude<InsiResult, { code: 'other' }> {
  if (answer.outcome === 'found') return { code: '00', ins: answer.ins, traits: answer.traits };
  return { code: answer.outcome === 'several' ? '02' : '01' };
}

function verificationResult(answer: InsiVerificationAnswer, ins: Ins): Exclude<InsiResult, { code: 'other' }> {
  return answer.outcome === 'confirmed' ? { code: '00', ins, traits: answer.traits } : { code: '01' };
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function answerPlain(response: ServerResponse, status: number): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end();
}

function answerFault(response: ServerResponse, status: number, reason: string, code: 'Sender' | 'Receiver' = 'Sender') {
  if (response.headersSent) return void response.destroy();
  response.writeHead(status, { 'content-type': 'application/soap+xml; charset=utf-8' });
  response.end(buildInsiFault({ code, reason }));
}
