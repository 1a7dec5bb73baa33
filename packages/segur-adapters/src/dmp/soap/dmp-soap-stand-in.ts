import { createHash, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { DmpAuthorisation, Ins } from '@dui-pds/domain';
import { INSI_TEST_IDENTITIES } from '../../insi/insi-stand-in.js';
import { DMP_MASKING_CODES, type XdsDocumentEntry } from '../../xds/xds-metadata.js';
import { MalformedXml, type XmlNode } from '../../xml/xml-document.js';
import { buildDmpAnswer, buildDmpFault, type DmpRequest, readDmpRequest } from './dmp-envelope.js';
import {
  DMP_ACTIONS,
  DMP_ANSWER_ACTIONS,
  DMP_SERVICES,
  type DmpOperation,
  dmpPatientId,
  XDS,
} from './dmp-soap-names.js';
import {
  attachmentContentId,
  buildMtomMessage,
  contentTypeParameters,
  isMultipartRelated,
  type MimePart,
  readMtomMessage,
} from './mtom.js';
import { buildTd02Answer, readTd02Query } from './td02.js';
import {
  issuerOfCertificate,
  VIHF_INDIRECT_AUTHENTICATION,
  VIHF_NORMAL_ACCESS,
  VIHF_RESOURCE_URN,
  VIHF_VERSION,
  type Vihf,
  VihfRefused,
  verifyVihf,
} from './vihf.js';
import {
  buildQueryResponse,
  buildRegistryResponse,
  buildRetrieveResponse,
  type RegisteredEntry,
  type RegistryOutcome,
  type RetrievedPart,
  readFindDocumentsQuery,
  readProvideRequest,
  readRetrieveRequest,
  type XdsError,
} from './xds-exchanges.js';

/** A patient the stand-in knows, and what TD0.2 answers of the structure's authorisation. */
export interface DmpStandInPatient {
  ins: Ins;
  /** `valid` by default. */
  authorisation?: DmpAuthorisation;
}

export interface DmpSoapStandInOptions {
  /** The patients who have a DMP; the INSi test identities by default. */
  patients?: readonly DmpStandInPatient[];
  /**
   * HTTPS with mutual TLS, in PEM: its certificate and key, and the authority whose client
   * certificates it accepts. The VIHF must then be signed by the client's TLS certificate. Plain
   * HTTP without (for unit tests): the VIHF is checked against the certificate it carries.
   */
  tls?: { cert: string; key: string; ca: string };
  /** When given, any other LPS_ID_HOMOLOGATION_DMP is refused. */
  homologationNumber?: string;
  /** The repository's uniqueId (an OID); a local one by default. */
  repositoryId?: string;
}

/** A document the stand-in holds. */
export interface DmpStandInDocument extends RegisteredEntry {
  content: Buffer;
  /** The structure that fed it (Identifiant_Structure). */
  fedBy: string;
}

export interface DmpSoapStandIn {
  /** The base of the services, to give the client (`https://127.0.0.1:<port>/si-dmp-server/v2/services`). */
  url: string;
  repositoryId: string;
  /** How many requests reached it, taken or not. */
  readonly received: number;
  /** How many operations it answered (with a result, a refusal included). */
  readonly calls: number;
  /** The VIHF of the last request it took. */
  readonly lastVihf: Vihf | undefined;
  /** The envelope of the last request received (the root part of an MTOM message). */
  readonly lastRequest: string | undefined;
  /** What it holds for a patient, in the order fed, deprecated entries included. */
  documentsOf(ins: Ins): readonly DmpStandInDocument[];
  close(): Promise<void>;
}

const BASE_PATH = '/si-dmp-server/v2/services';
const MAX_REQUEST_BYTES = 16_000_000;
const MESSAGE_ID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A local OID (UUID-derived, `2.25.`): no real repository has it. */
const LOCAL_REPOSITORY_ID = '2.25.145028621846950953928263329617589202800';

/**
 * A local DMP that speaks the DMPi web services: a real HTTP(S) server on 127.0.0.1 reading SOAP
 * 1.2 envelopes and MTOM packages, checking the addressing and the VIHF (signature by the client's
 * certificate, required attributes, the patient it names), and answering TD0.2, the feed (with
 * XDS errors for an unknown patient, a duplicate, a document missing or not matching its hash),
 * the replacement (the replaced entry deprecated), FindDocuments and RetrieveDocumentSet (MTOM)
 * from the documents it keeps in memory per patient. A request it cannot take gets a SOAP Fault.
 */
export async function startDmpSoapStandIn(options: DmpSoapStandInOptions = {}): Promise<DmpSoapStandIn> {
  const repositoryId = options.repositoryId ?? LOCAL_REPOSITORY_ID;
  const known: readonly DmpStandInPatient[] = options.patients ?? INSI_TEST_IDENTITIES.map(({ ins }) => ({ ins }));
  const patients = new Map(known.map((patient) => [dmpPatientId(patient.ins), patient]));
  const documents = new Map<string, DmpStandInDocument[]>();
  let received = 0;
  let calls = 0;
  let lastVihf: Vihf | undefined;
  let lastRequest: string | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const service = serviceOfPath(new URL(request.url ?? '/', 'http://stand-in').pathname);
    if (service === undefined) return answerPlain(response, 404);
    if (request.method !== 'POST') return answerPlain(response, 405);
    const body = await readBody(request);
    received += 1;
    if (body === undefined) return answerPlain(response, 413);
    const contentType = request.headers['content-type'] ?? '';
    let envelope: string;
    let attachments: ReadonlyMap<string, MimePart>;
    let dmpRequest: DmpRequest;
    try {
      if (isMultipartRelated(contentType)) {
        ({ rootXml: envelope, attachments } = readMtomMessage(contentType, body));
      } else if (/^application\/soap\+xml/i.test(contentType)) {
        envelope = body.toString('utf8');
        attachments = new Map();
      } else {
        return answerFault(
          response,
          415,
          'Le type de contenu doit être application/soap+xml ou multipart/related (MTOM).',
        );
      }
      lastRequest = envelope;
      dmpRequest = readDmpRequest(envelope);
    } catch (error) {
      if (!(error instanceof MalformedXml)) throw error;
      return answerFault(response, 400, `Requête mal formée : ${error.message}.`);
    }
    const routed = operationOf(dmpRequest, service, contentType);
    if ('refusal' in routed) return answerFault(response, 400, routed.refusal);
    const { operation } = routed;
    let vihf: Vihf;
    try {
      const certificate = clientCertificate(request);
      vihf = verifyVihf(envelope, certificate);
      const vihfRefusal = vihfContentRefusal(vihf, certificate, options.homologationNumber);
      if (vihfRefusal !== undefined) return answerFault(response, 400, `VIHF refusé : ${vihfRefusal}.`);
    } catch (error) {
      if (!(error instanceof VihfRefused)) throw error;
      return answerFault(response, 400, `VIHF refusé : ${error.message}.`);
    }
    lastVihf = vihf;
    let answer: { body: XmlNode; parts?: MimePart[] };
    try {
      answer = operations[operation](dmpRequest, attachments, vihf);
    } catch (error) {
      if (error instanceof MalformedXml) return answerFault(response, 400, `Requête mal formée : ${error.message}.`);
      if (error instanceof VihfRefused) return answerFault(response, 400, `VIHF refusé : ${error.message}.`);
      throw error;
    }
    calls += 1;
    const xml = buildDmpAnswer({
      action: DMP_ANSWER_ACTIONS[operation],
      relatesTo: dmpRequest.headers.messageId,
      body: answer.body,
    });
    if (answer.parts !== undefined) {
      const message = buildMtomMessage(xml, answer.parts, DMP_ANSWER_ACTIONS[operation]);
      response.writeHead(200, { 'content-type': message.contentType });
      return void response.end(message.body);
    }
    response.writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' });
    response.end(xml);
  };

  /** The patient a request is about must be the VIHF's: a professional acts for one patient at a time. */
  const requireVihfPatient = (vihf: Vihf, patientId: string) => {
    if (vihf.resourceId !== patientId) throw new VihfRefused('the VIHF names another patient');
  };

  const operations: Record<
    DmpOperation,
    (
      request: DmpRequest,
      attachments: ReadonlyMap<string, MimePart>,
      vihf: Vihf,
    ) => { body: XmlNode; parts?: MimePart[] }
  > = {
    accessCheck(request, _attachments, vihf) {
      const query = readTd02Query(request.operation);
      const patientId = dmpPatientId(query.ins);
      requireVihfPatient(vihf, patientId);
      const patient = patients.get(patientId);
      return {
        body: buildTd02Answer({
          id: `${query.id}-answer`,
          creationTime: new Date(),
          queryId: query.id,
          ins: query.ins,
          access:
            patient === undefined
              ? { dmpExists: false, authorisation: 'absent' }
              : { dmpExists: true, authorisation: patient.authorisation ?? 'valid' },
        }),
      };
    },

    provide(request, attachments, vihf) {
      const { submission, documents: contents } = readProvideRequest(request.operation, attachments);
      const errors = feedErrors(submission.entries, contents, vihf, submission.replaces?.entryUuid);
      if (errors.length > 0) return { body: buildRegistryResponse({ status: 'failure', errors }) };
      const patientId = vihf.resourceId;
      const held = documents.get(patientId) ?? [];
      if (submission.replaces !== undefined) {
        const replaced = held.find((document) => document.entry.entryUuid === submission.replaces?.entryUuid);
        if (replaced !== undefined) replaced.status = 'deprecated';
      }
      for (const entry of submission.entries) {
        held.push({
          entry,
          status: 'approved',
          repositoryId,
          content: contents.get(entry.entryUuid) as Buffer,
          fedBy: vihf.structureId,
        });
      }
      documents.set(patientId, held);
      return { body: buildRegistryResponse({ status: 'success' }) };
    },

    search(request, _attachments, vihf) {
      const query = readFindDocumentsQuery(request.operation);
      requireVihfPatient(vihf, query.patientId);
      if (!patients.has(query.patientId)) return { body: buildQueryResponse(failure('XDSUnknownPatientId')) };
      const statuses = new Set(query.statuses);
      const found = (documents.get(query.patientId) ?? []).filter(
        (document) =>
          statuses.has(document.status === 'approved' ? XDS.approved : XDS.deprecated) && visibleTo(document, vihf),
      );
      return { body: buildQueryResponse({ status: 'success' }, found) };
    },

    retrieve(request, _attachments, vihf) {
      const asked = readRetrieveRequest(request.operation);
      const held = documents.get(vihf.resourceId) ?? [];
      const errors: XdsError[] = [];
      const found: { part: RetrievedPart; body: Buffer }[] = [];
      for (const { uniqueId, repositoryId: repository } of asked) {
        if (repository !== repositoryId) {
          errors.push({ code: 'XDSUnknownRepositoryId', context: 'Entrepôt inconnu.' });
          continue;
        }
        const document = held.find((candidate) => candidate.entry.uniqueId === uniqueId && visibleTo(candidate, vihf));
        if (document === undefined) {
          errors.push({ code: 'XDSDocumentUniqueIdError', context: 'Document inconnu pour ce patient.' });
          continue;
        }
        const contentId = attachmentContentId(found.length + 1);
        found.push({
          part: { uniqueId, repositoryId, mimeType: document.entry.mimeType, contentId },
          body: document.content,
        });
      }
      const outcome: RegistryOutcome = errors.length > 0 ? { status: 'failure', errors } : { status: 'success' };
      return {
        body: buildRetrieveResponse(
          outcome,
          found.map(({ part }) => part),
        ),
        parts: found.map(({ part, body }) => ({ contentId: part.contentId, contentType: part.mimeType, body })),
      };
    },
  };

  /** The XDS errors a feed gets; none when it is registered. */
  const feedErrors = (
    entries: readonly XdsDocumentEntry[],
    contents: ReadonlyMap<string, Buffer>,
    vihf: Vihf,
    replaces: string | undefined,
  ): XdsError[] => {
    const errors: XdsError[] = [];
    const held = documents.get(vihf.resourceId) ?? [];
    for (const entry of entries) {
      if (entry.patientId !== vihf.resourceId) {
        errors.push({ code: 'XDSPatientIdDoesNotMatch', context: 'Le patient du document n’est pas celui du VIHF.' });
        continue;
      }
      if (!patients.has(entry.patientId)) {
        errors.push({ code: 'XDSUnknownPatientId', context: 'Patient inconnu ou sans DMP.' });
        continue;
      }
      const content = contents.get(entry.entryUuid);
      if (content === undefined) {
        errors.push({ code: 'XDSMissingDocument', context: 'Document absent de l’envoi.' });
        continue;
      }
      if (entry.hash !== undefined && entry.hash !== createHash('sha1').update(content).digest('hex')) {
        errors.push({ code: 'XDSNonIdenticalHash', context: 'Empreinte différente du contenu.' });
      }
      if (entry.size !== undefined && entry.size !== content.length) {
        errors.push({ code: 'XDSNonIdenticalSize', context: 'Taille différente du contenu.' });
      }
      if (
        held.some(
          (document) => document.entry.uniqueId === entry.uniqueId || document.entry.entryUuid === entry.entryUuid,
        )
      ) {
        errors.push({ code: 'XDSDuplicateUniqueIdInRegistry', context: 'Document déjà enregistré.' });
      }
    }
    if (replaces !== undefined) {
      const replaced = held.find((document) => document.entry.entryUuid === replaces);
      if (replaced === undefined || replaced.status !== 'approved') {
        errors.push({
          code: 'XDSRegistryDeprecatedDocumentError',
          context: 'Document à remplacer absent ou déjà remplacé.',
        });
      }
    }
    for (const id of contents.keys()) {
      if (!entries.some((entry) => entry.entryUuid === id)) {
        errors.push({ code: 'XDSMissingDocumentMetadata', context: 'Document sans métadonnées.' });
      }
    }
    return errors;
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
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${BASE_PATH}`,
    repositoryId,
    get received() {
      return received;
    },
    get calls() {
      return calls;
    },
    get lastVihf() {
      return lastVihf;
    },
    get lastRequest() {
      return lastRequest;
    },
    documentsOf: (ins) => [...(documents.get(dmpPatientId(ins)) ?? [])],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // a client's kept-alive connections would hold the server open
        server.closeAllConnections();
      }),
  };
}

function failure(code: string): RegistryOutcome {
  return { status: 'failure', errors: [{ code, context: '' }] };
}

/** A document masked from professionals is seen only by the structure that fed it. */
function visibleTo(document: DmpStandInDocument, vihf: Vihf): boolean {
  const masked = document.entry.confidentialityCodes.some(
    (code) => code.code === DMP_MASKING_CODES.hiddenFromProfessionals.code,
  );
  return !masked || document.fedBy === vihf.structureId;
}

/** The service a path names under the base: `patients`, `registry` or `repository`. */
function serviceOfPath(pathname: string): string | undefined {
  if (!pathname.startsWith(`${BASE_PATH}/`)) return undefined;
  const service = pathname.slice(BASE_PATH.length + 1);
  return Object.values(DMP_SERVICES).includes(service) ? service : undefined;
}

/**
 * The operation a request asks for, from its action (the repository serves both the feed and the
 * retrieval), once its service, content type and message id agree with it.
 */
function operationOf(
  request: DmpRequest,
  service: string,
  contentType: string,
): { operation: DmpOperation } | { refusal: string } {
  const { action, messageId } = request.headers;
  const operation = (Object.keys(DMP_ACTIONS) as DmpOperation[]).find((name) => DMP_ACTIONS[name] === action);
  if (operation === undefined) return { refusal: 'wsa:Action inconnue.' };
  if (DMP_SERVICES[operation] !== service) return { refusal: 'Cette action n’est pas servie à cette adresse.' };
  const declaredAction = contentTypeParameters(contentType).get('action');
  if (declaredAction !== undefined && declaredAction !== action) {
    return { refusal: 'L’action du type de contenu diffère de wsa:Action.' };
  }
  if (!MESSAGE_ID.test(messageId)) return { refusal: 'wsa:MessageID doit être « urn:uuid: » suivi d’un UUID.' };
  return { operation };
}

/** What a VIHF must say to be taken, beyond its signature. */
function vihfContentRefusal(
  vihf: Vihf,
  certificate: string | undefined,
  homologationNumber: string | undefined,
): string | undefined {
  if (certificate !== undefined && vihf.issuer !== issuerOfCertificate(certificate)) {
    return 'l’émetteur doit être le nom du certificat de la structure';
  }
  if (vihf.version !== VIHF_VERSION) return `VIHF_Version ${VIHF_VERSION} attendue`;
  if (vihf.resourceUrn !== VIHF_RESOURCE_URN) return `Ressource_URN ${VIHF_RESOURCE_URN} attendu`;
  if (vihf.authenticationMode !== VIHF_INDIRECT_AUTHENTICATION) return 'Authentification_Mode INDIRECTE attendu';
  if (vihf.purposeOfUse?.code !== VIHF_NORMAL_ACCESS.code) return 'mode d’accès normal attendu';
  if (!/^\d/.test(vihf.structureId)) return 'Identifiant_Structure invalide';
  if (!/^[^^]+\^[0-9.]+$/.test(vihf.activitySector)) return 'Secteur_Activite attendu sous la forme code^système';
  if (!/^\S+\^\^\^&[0-9.]+&ISO\^NH$/.test(vihf.resourceId)) return 'l’identifiant du patient doit être son INS';
  if (homologationNumber !== undefined && vihf.software.homologationNumber !== homologationNumber) {
    return 'numéro d’homologation du logiciel inconnu';
  }
  return undefined;
}

/** The TLS client certificate, in PEM; undefined over plain HTTP. */
function clientCertificate(request: IncomingMessage): string | undefined {
  const socket = request.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const raw = socket.getPeerCertificate().raw;
  return raw === undefined ? undefined : new X509Certificate(raw).toString();
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function answerPlain(response: ServerResponse, status: number): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end();
}

function answerFault(response: ServerResponse, status: number, reason: string, code: 'Sender' | 'Receiver' = 'Sender') {
  if (response.headersSent) return void response.destroy();
  response.writeHead(status, { 'content-type': 'application/soap+xml; charset=utf-8' });
  response.end(buildDmpFault({ code, reason }));
}
